"""Rebuild monitor/stories/data/background.tsv: document frequencies of the story clusterer's own key terms in
ordinary Korean news (see monitor/stories/rarity.py for why the clusterer needs them).

Terms are extracted exactly as the clusterer extracts them (dedupe.item_features: headline and lead
terms, named meetings), so the table's keys are the keys the clusterer looks up. Sources, from
../shared/corpus:

* feeds/korean/knews-rss/2022-07-29 and 2022-07-30 — 21 outlets' feed items (CC0), one per canonical
  URL. Syndication would make a wire story's words look common (one event, thirty copies), so the items
  are first clustered into stories (window weights only, so the result does not depend on the table being
  rebuilt) and each story counts once: its members' terms, united.
* news/knews-rss-headlines/headlines-2022-07-30.tsv is derived from the 07-30 feeds above (their titles
  and links), so its rows are already counted through those items; its links are checked to be covered.
* news/klue/klue-sts-v1.1_dev.json — the policy-briefing pairs of KLUE-STS (CC BY-SA 4.0): each pair is
  one sentence said twice, so it counts once (the terms of both, united).

Terms in a single story are left out (for weighting, one story is as rare as none) to keep the table
small. Counts only, no text.

Run from the project root:  python bench/build_cluster_background.py  (about a minute).
"""

from __future__ import annotations

import csv
import json
import sys
import time
from collections import Counter, defaultdict
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_cluster import KNEWS, knews_items  # noqa: E402

from monitor.ingest.urls import canonical_url  # noqa: E402
from monitor.stories import cluster_items  # noqa: E402
from monitor.stories.features import _terms_of, item_features  # noqa: E402
from monitor.stories.rarity import NO_BACKGROUND, TABLE  # noqa: E402

NEWS = ROOT.parent / "shared" / "corpus" / "news"
MIN_DF = 2


def knews_stories() -> tuple[list[set[str]], set[str], int]:
    """Each knews story's terms, the canonical URLs read, and the number of items."""
    items = knews_items()
    assignments = cluster_items(items, background=NO_BACKGROUND)
    stories: dict[int, set[str]] = defaultdict(set)
    for item in items:
        stories[assignments[item.article_id].story_key].update(item_features(item).terms)
    return list(stories.values()), {i.url for i in items}, len(items)


def headline_rows_not_covered(urls: set[str]) -> int:
    path = NEWS / "knews-rss-headlines" / "headlines-2022-07-30.tsv"
    with path.open(encoding="utf-8") as f:
        return sum(1 for row in csv.DictReader(f, delimiter="\t") if canonical_url(row["link"]) not in urls)


def klue_policy_pairs() -> list[set[str]]:
    pairs = json.loads((NEWS / "klue" / "klue-sts-v1.1_dev.json").read_text(encoding="utf-8"))
    return [
        set(_terms_of(p["sentence1"])) | set(_terms_of(p["sentence2"]))
        for p in pairs
        if p["source"].startswith("policy")
    ]


def main() -> int:
    if not KNEWS.is_dir() or not NEWS.is_dir():
        print(f"no corpus at {KNEWS.parent.parent.parent}; keeping the shipped table", file=sys.stderr)
        return 1
    start = time.perf_counter()
    stories, urls, n_items = knews_stories()
    uncovered = headline_rows_not_covered(urls)
    if uncovered:
        print(f"warning: {uncovered} headline rows link to items the feeds do not have", file=sys.stderr)
    klue = klue_policy_pairs()
    documents = stories + klue
    df: Counter[str] = Counter()
    for terms in documents:
        df.update(terms)
    kept = sorted(((t, n) for t, n in df.items() if n >= MIN_DF), key=lambda tn: (-tn[1], tn[0]))
    lines = [
        "# Document frequencies of the story clusterer's key terms in ordinary Korean news: derived counts,",
        "# no text. Built by bench/build_cluster_background.py; read by monitor/stories/rarity.py. Lines: term TAB df.",
        f"# source: knews-rss feed items 2022-07-29 and 07-30 (CC0; {n_items} items as {len(stories)} stories, "
        f"each counted once) + KLUE-STS policy sentence pairs (CC BY-SA 4.0; {len(klue)} pairs)",
        f"# documents: {len(documents)}",
        f"# min_df: {MIN_DF}",
        *(f"{t}\t{n}" for t, n in kept),
    ]
    TABLE.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(
        f"{n_items} knews items → {len(stories)} stories, {len(klue)} KLUE pairs: {len(documents)} documents, "
        f"{len(df)} terms, {len(kept)} with df >= {MIN_DF} -> {TABLE.relative_to(ROOT)} "
        f"({TABLE.stat().st_size / 1024:.0f} KiB) in {time.perf_counter() - start:.0f} s"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
