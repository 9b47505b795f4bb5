"""Rebuild monitor/match/data/news_background.toml: document frequencies of nouns in ordinary Korean news.

`monitor topics suggest` ranks seed nouns by how much more often the seeds use them than ordinary news
does; this table is "ordinary news". It is derived (counts only, no text) from the shared corpus:

* ../shared/corpus/news/knews-rss-headlines/headlines-2022-07-30.tsv — one day of headlines from 21
  outlets (CC0), one document per headline;
* ../shared/corpus/feeds/korean/knews-rss/2022-07-30/*.xml — the same outlets' feed items (CC0), one
  document per item with a body of 200+ characters, for the vocabulary of article bodies;
* ../shared/corpus/news/klue/klue-sts-v1.1_dev.json — the policy-briefing sentences of KLUE-STS
  (CC BY-SA 4.0), one document per sentence.

Run from the project root:  python bench/build_background.py  (about a minute).
"""

from __future__ import annotations

import csv
import json
import sys
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
CORPUS = ROOT.parent / "shared" / "corpus" / "news"  # feeds/ is its sibling
OUT = ROOT / "monitor" / "match" / "data" / "news_background.toml"
MIN_DF = 2


def documents() -> list[str]:
    docs = []
    with (CORPUS / "knews-rss-headlines" / "headlines-2022-07-30.tsv").open(encoding="utf-8") as f:
        docs += [row["title"] for row in csv.DictReader(f, delimiter="\t")]
    import feedparser

    for path in sorted((CORPUS.parent / "feeds" / "korean" / "knews-rss" / "2022-07-30").glob("*.xml")):
        for entry in feedparser.parse(path).entries:
            body = entry.get("content", [{}])[0].get("value", "")
            if len(body) >= 200:
                docs.append(body)
    pairs = json.loads((CORPUS / "klue" / "klue-sts-v1.1_dev.json").read_text(encoding="utf-8"))
    docs += [p[k] for p in pairs if p["source"].startswith("policy") for k in ("sentence1", "sentence2")]
    return docs


def main() -> int:
    from monitor.lang.korean import noun_phrases
    from monitor.lang.text import normalize

    if not CORPUS.is_dir():
        print(f"no corpus at {CORPUS}; keeping the shipped table", file=sys.stderr)
        return 1
    docs = documents()
    df: Counter[str] = Counter()
    for doc in docs:
        df.update({p.surface for p in noun_phrases(normalize(doc), max_parts=1) if len(p.surface) >= 2})
    kept = sorted(((w, n) for w, n in df.items() if n >= MIN_DF), key=lambda wn: (-wn[1], wn[0]))
    lines = [
        "# Document frequencies of nouns in ordinary Korean news (derived counts, no text).",
        "# Built by bench/build_background.py; used by `monitor topics suggest`.",
        'source = "knews-rss headlines and feed items 2022-07-30 (CC0) + KLUE-STS policy sentences '
        '(CC BY-SA 4.0)"',
        f"documents = {len(docs)}",
        "",
        "[df]",
        *(f"{json.dumps(w, ensure_ascii=False)} = {n}" for w, n in kept),
    ]
    OUT.write_text("\n".join(lines) + "\n", encoding="utf-8")
    print(f"{len(docs)} documents, {len(kept)} nouns with df >= {MIN_DF} -> {OUT.relative_to(ROOT)}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
