"""Extraction quality and speed on the gold pages in ../shared/corpus/pages.

Run from the repository root:  python bench/bench_extract.py [--repeat N]

Prints, per page, paragraph recall and character precision/recall/F1 against fundus's gold article text
(scoring as in tests/test_corpus_extract.py), the KBS WORLD with/without snippet checks, the median time
per page, and the machine it ran on. The "base" columns score plain trafilatura (same settings, no
fallbacks, no Korean junk filter), to show what the rest of monitor.ingest.extract adds.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import statistics
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for the shared scoring helpers in tests/

import trafilatura  # noqa: E402

from monitor.ingest.extract import extract_article  # noqa: E402
from tests.test_corpus_extract import FUNDUS_PAGES, load_gold, score  # noqa: E402

PAGES = ROOT.parent / "shared" / "corpus" / "pages"


def timed(content: bytes, repeat: int, url: str | None = None) -> tuple[str, float]:
    times = []
    for _ in range(repeat):
        start = time.perf_counter()
        text = extract_article(content, url=url).text
        times.append(time.perf_counter() - start)
    return text, statistics.median(times)


def baseline(content: bytes) -> str:
    text = trafilatura.extract(content, favor_precision=True, include_comments=False, include_tables=False)
    return "\n\n".join((text or "").splitlines())


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--repeat", type=int, default=5, help="timed runs per page (median is printed)")
    args = parser.parse_args()
    if not PAGES.exists():
        print(f"no corpus at {PAGES}", file=sys.stderr)
        return 1
    print(
        f"machine: {platform.platform()}, {platform.processor() or platform.machine()}, "
        f"{os.cpu_count()} CPUs, Python {platform.python_version()}, trafilatura {trafilatura.__version__}"
    )
    print(
        f"{'page':32} {'bytes':>8} {'para R':>7} {'char P':>7} {'char R':>7} {'F1':>6} {'ms':>7}"
        f" | {'base P':>7} {'base R':>7}"
    )
    fundus = PAGES / "fundus-kr"
    for page in sorted(FUNDUS_PAGES):
        content = (fundus / page).read_bytes()
        text, seconds = timed(content, args.repeat)
        gold = load_gold(fundus, page)
        s, b = score(text, gold), score(baseline(content), gold)
        print(
            f"{page:32} {len(content):8,} {s.paragraph_recall:7.2f} {s.char_precision:7.2f} "
            f"{s.char_recall:7.2f} {s.char_f1:6.3f} {seconds * 1000:7.1f} | {b.char_precision:7.2f} "
            f"{b.char_recall:7.2f}"
        )
    kbs = PAGES / "trafilatura-eval"
    spec = json.loads((kbs / "world.kbs.co.kr-Temperatures.expected.json").read_text(encoding="utf-8"))
    url, expected = next(iter(spec.items()))
    content = (kbs / expected["file"]).read_bytes()
    text, seconds = timed(content, args.repeat, url)
    with_ok = sum(snippet in text for snippet in expected["with"])
    without_ok = sum(snippet not in text for snippet in expected["without"])
    print(
        f"{expected['file'][:32]:32} {len(content):8,}  with {with_ok}/{len(expected['with'])}, "
        f"without {without_ok}/{len(expected['without'])} {seconds * 1000:21.1f}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
