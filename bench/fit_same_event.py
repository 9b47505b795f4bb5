"""Refit the same-event scorer's weights (monitor/stories/data/same_event.json) on labelled real pairs.

    python bench/fit_same_event.py            # fit on half A of news_real.jsonl, report both halves, write
    python bench/fit_same_event.py --check    # report with the shipped weights, write nothing

Training pairs are the pairs the clusterer itself scores (its candidates, with its term weights at that
moment), clustering half A of ``../shared/corpus/labelled/news_real.jsonl`` exactly as
``../shared/tools/real_eval.py`` feeds it to ``monitor eval`` (undated copies take their event's earliest
date): positive when both items carry the same event, negative otherwise (the hard same-topic ones
included: they are the candidates). The written sets in tests/data add their pairs with ``--written``.
Half B is never fitted on: it is the validation figure. Logistic regression with an L2 penalty, fitted
by Newton's method in numpy (scikit-learn is not needed; it would replace these twenty lines).

Prints pairwise precision, recall and F1 per half, split by language pair (KO–KO, EN–KO, EN–EN).
"""

from __future__ import annotations

import argparse
import dataclasses
import hashlib
import json
import sys
from collections import Counter
from datetime import UTC, datetime, timedelta
from itertools import combinations
from pathlib import Path

import numpy as np

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from monitor.models import ClusterItem  # noqa: E402
from monitor.stories import StoryClusterer, add_all  # noqa: E402
from monitor.stories.entities import hangul_share  # noqa: E402
from monitor.stories.scorer import FEATURES, WEIGHTS_FILE, SameEventScorer, default_scorer  # noqa: E402

REAL = ROOT.parent / "shared" / "corpus" / "labelled" / "news_real.jsonl"
WRITTEN = sorted((ROOT / "tests" / "data").glob("events_holdout*.jsonl")) + [
    ROOT / "tests" / "data" / "dev.jsonl"
]
OUT = ROOT / "monitor" / "stories" / WEIGHTS_FILE
L2 = 1.0  # the penalty on the weights (not the bias): a few hundred pairs, eleven features
WRITTEN_WEIGHT = (
    1.0  # a written pair counts as much as a real one: they hold the hard classes real half A lacks
)


def half(row: dict) -> str:
    key = row.get("event") or row["id"]
    return "A" if hashlib.sha1(key.encode()).digest()[0] % 2 == 0 else "B"


def _date(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        when = datetime.fromisoformat(value)
    except ValueError:
        return None
    return when.replace(tzinfo=UTC) if when.tzinfo is None else when


def items_of(
    rows: list[dict], *, fill_dates: bool = True
) -> tuple[list[ClusterItem], dict[int, str | None], dict[int, str]]:
    """ClusterItems as real_eval.py gives them to `monitor eval`; gold events and languages by item."""
    first: dict[str, str] = {}
    for r in rows:
        if r.get("event") and r.get("date"):
            first[r["event"]] = min(first.get(r["event"], r["date"]), r["date"])
    items, gold, lang = [], {}, {}
    for n, r in enumerate(rows, start=1):
        published = (
            r.get("date") or r.get("published") or (first.get(r.get("event") or "") if fill_dates else None)
        )
        text = r.get("lede") if "lede" in r else r.get("text")
        items.append(ClusterItem(n, r.get("title") or "", text or "", r.get("url") or "", _date(published)))
        gold[n] = r.get("event")
        lang[n] = "KO" if hangul_share(f"{r.get('title') or ''} {text or ''}") >= 0.3 else "EN"
    return items, gold, lang


def cluster(items: list[ClusterItem], scorer: SameEventScorer, record: list | None = None) -> dict[int, int]:
    clusterer = StoryClusterer(scorer=scorer)
    if record is not None:
        clusterer.on_pair = lambda a, b, values, p: record.append((a, b, values))
    ordered = sorted(
        items,
        key=lambda i: (i.published is None, i.published or datetime.min.replace(tzinfo=UTC), i.article_id),
    )
    return {i.article_id: a.story_key for i, a in zip(ordered, add_all(clusterer, ordered), strict=True)}


def figures(
    predicted: dict[int, int], gold: dict[int, str | None], lang: dict[int, str]
) -> dict[str, object]:
    """Pairwise P/R/F1, overall and per language pair."""
    found: Counter[str] = Counter()
    wanted: Counter[str] = Counter()
    made: Counter[str] = Counter()
    ids = sorted(predicted)
    for a, b in combinations(ids, 2):
        kind = "-".join(sorted((lang[a], lang[b])))
        same_gold = gold[a] is not None and gold[a] == gold[b]
        same_story = predicted[a] == predicted[b]
        wanted[kind] += same_gold
        made[kind] += same_story
        found[kind] += same_gold and same_story
    out: dict[str, object] = {}
    for kind in ["all", *sorted(wanted)]:
        tp = sum(found.values()) if kind == "all" else found[kind]
        gp = sum(wanted.values()) if kind == "all" else wanted[kind]
        pp = sum(made.values()) if kind == "all" else made[kind]
        p = tp / pp if pp else 1.0
        r = tp / gp if gp else 1.0
        f = 2 * p * r / (p + r) if p + r else 0.0
        out[kind] = f"P {p:.3f} R {r:.3f} F1 {f:.3f} ({tp}/{gp} found, {pp} made)"
    return out


def pairs_of(
    rows: list[dict], scorer: SameEventScorer, *, together: bool = False
) -> tuple[np.ndarray, np.ndarray]:
    """The pairs the clusterer scores on ``rows`` and whether each is one event. ``together`` publishes
    every item in one hour: a labelled set spans years, so its different events rarely meet in a 72 h
    window, where a live window holds dozens of same-topic developments. Published together, every
    pair sharing the topic's words becomes a candidate: the hard negatives a live poll sees."""
    items, gold, lang = items_of(rows)
    if together:
        # Spread over one window by a hash of the id: time then tells the pairs apart no better than chance.
        base = datetime(2030, 1, 15, tzinfo=UTC)
        items = [
            dataclasses.replace(i, published=base + timedelta(minutes=_spread(i.article_id))) for i in items
        ]
    record: list = []
    cluster(items, scorer, record)
    seen: dict[tuple[int, int], list[float]] = {}
    for a, b, values in record:
        # Published together, a Korean and an English report of two sessions of one dialogue share every
        # name and no wording, and English reports rarely print the ordinal: only their dates, months
        # apart, tell them apart. A live window never holds both, so across languages only the real
        # dates' pairs teach.
        if together and lang[a] != lang[b]:
            continue
        seen.setdefault((min(a, b), max(a, b)), values)
    x = np.array([v for v in seen.values()], dtype=float).reshape(-1, len(FEATURES))
    y = np.array([float(gold[a] is not None and gold[a] == gold[b]) for a, b in seen], dtype=float)
    return x, y


def _spread(n: int) -> int:
    return int.from_bytes(hashlib.sha1(str(n).encode()).digest()[:4], "big") % (72 * 60)


def fit(x: np.ndarray, y: np.ndarray, sample_weight: np.ndarray) -> tuple[np.ndarray, float]:
    """L2-penalised logistic regression by Newton's method (the bias is not penalised)."""
    design = np.hstack([x, np.ones((len(x), 1))])
    beta = np.zeros(design.shape[1])
    penalty = np.full(design.shape[1], L2)
    penalty[-1] = 0.0
    for _ in range(50):
        p = 1.0 / (1.0 + np.exp(-design @ beta))
        grad = design.T @ (sample_weight * (p - y)) + penalty * beta
        hess = (
            (design * (sample_weight * p * (1 - p))[:, None]).T @ design
            + np.diag(penalty)
            + 1e-9 * np.eye(len(beta))
        )
        step = np.linalg.solve(hess, grad)
        beta -= step
        if np.abs(step).max() < 1e-8:
            break
    return beta[:-1], float(beta[-1])


def report(rows: list[dict], scorer: SameEventScorer, title: str) -> dict[str, object]:
    result = {}
    for name, subset in (
        ("all", rows),
        ("half A", [r for r in rows if half(r) == "A"]),
        ("half B", [r for r in rows if half(r) == "B"]),
    ):
        items, gold, lang = items_of(subset)
        result[name] = figures(cluster(items, scorer), gold, lang)
    print(title)
    for name, f in result.items():
        print(f"  {name}:")
        for kind, text in f.items():  # type: ignore[union-attr]
            print(f"    {kind:6s} {text}")
    return result


def report_written(scorer: SameEventScorer) -> None:
    """The written sets of tests/data: pairwise figures and stories that mix two events."""
    from monitor.stories import pairwise_cluster_metrics

    for path in WRITTEN + [ROOT / "tests" / "data" / n for n in ("dev_events.jsonl", "dev_holdout.jsonl")]:
        rows = [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
        items, gold, _ = items_of(rows, fill_dates=False)
        m = pairwise_cluster_metrics(cluster(items, scorer), gold)
        print(
            f"  {path.name:22s} P {m['cluster_precision']:.3f} R {m['cluster_recall']:.3f} "
            f"F1 {m['cluster_f1']:.3f}  mixed stories {m['cluster_mixed_stories']}"
        )


def print_errors(rows: list[dict], scorer: SameEventScorer) -> None:
    """Every pair joined across events (wrong) and every same-event pair left apart (missed)."""
    items, gold, lang = items_of(rows)
    predicted = cluster(items, scorer)
    by_id = {i.article_id: (r, i) for i, r in zip(items, rows, strict=True)}
    for a, b in combinations(sorted(predicted), 2):
        same_gold = gold[a] is not None and gold[a] == gold[b]
        same_story = predicted[a] == predicted[b]
        if same_gold == same_story:
            continue
        print("WRONG" if same_story else "MISSED", half(by_id[a][0]), gold[a], "/", gold[b])
        for n in (a, b):
            r, item = by_id[n]
            print(
                f"    {r['id']} {lang[n]} {item.published and item.published.date()} {r['url'][:40]} | "
                f"{(r.get('title') or '-')[:40]} | {(r.get('lede') or '')[:60]}"
            )


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--check", action="store_true", help="report with the shipped weights; write nothing")
    ap.add_argument("--written", action="store_true", help="also fit on the written sets in tests/data")
    ap.add_argument(
        "--errors", action="store_true", help="with --check: print every wrong pair of the whole set"
    )
    ap.add_argument(
        "--rounds", type=int, default=2, help="refit on the pairs the last fit's clusterer scores"
    )
    a = ap.parse_args()
    if not REAL.exists():
        sys.exit(f"{REAL} not found: the fit needs ../shared/corpus/labelled/news_real.jsonl")
    rows = [json.loads(line) for line in REAL.read_text(encoding="utf-8").splitlines() if line.strip()]
    scorer = default_scorer()
    if a.check:
        report(rows, scorer, "shipped weights")
        print("written sets (tests/data):")
        report_written(scorer)
        if a.errors:
            print_errors(rows, scorer)
        return
    train = [r for r in rows if half(r) == "A"]
    written = (
        [
            [json.loads(line) for line in p.read_text(encoding="utf-8").splitlines() if line.strip()]
            for p in WRITTEN
        ]
        if a.written
        else []
    )
    for round_ in range(a.rounds):
        # Each round's pairs are those the previous weights' clusterer scored (the candidates depend on
        # the stories it formed only through their cues, so two rounds settle).
        parts = [pairs_of(train, scorer), pairs_of(train, scorer, together=True)]
        parts += [pairs_of(w, scorer) for w in written]
        x = np.vstack([p[0] for p in parts])
        y = np.concatenate([p[1] for p in parts])
        real_n = len(parts[0][1]) + len(parts[1][1])
        # Real pairs count fully; the written sets together weigh as much as half the real pairs.
        extra = len(y) - real_n
        sw = np.concatenate([np.ones(real_n), np.full(extra, WRITTEN_WEIGHT) if extra else np.empty(0)])
        weights, bias = fit(x, y, sw)
        scorer = SameEventScorer(tuple(float(v) for v in weights), bias, "fitted")
        print(f"round {round_ + 1}: {len(y)} pairs ({int(y.sum())} same event), {real_n} from half A")
    print(
        "weights:",
        ", ".join(f"{n} {w:+.2f}" for n, w in zip(FEATURES, scorer.weights, strict=True)),
        f"bias {scorer.bias:+.2f}",
    )
    result = report(rows, scorer, "fitted on half A")
    print("written sets (tests/data):")
    report_written(scorer)
    OUT.write_text(
        json.dumps(
            {
                "features": list(FEATURES),
                "weights": [round(w, 4) for w in scorer.weights],
                "bias": round(scorer.bias, 4),
                "fitted_on": "half A of news_real.jsonl (sha1(event)[0] even)"
                + (" + tests/data written sets" if a.written else ""),
                "refit_with": "python bench/fit_same_event.py" + (" --written" if a.written else ""),
                "figures": result,
            },
            ensure_ascii=False,
            indent=2,
        )
        + "\n",
        encoding="utf-8",
    )
    print(f"wrote {OUT.relative_to(ROOT)}")


if __name__ == "__main__":
    main()
