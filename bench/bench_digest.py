"""Build and render a digest of 500 stories in every format: median and best of N runs, per step.

    python bench/bench_digest.py [--stories 500] [--repeat 20]

The stories are the realistic samples of tests/digest_samples.py, varied in id, score and time. The first
render of each template (Jinja compiles it once per process) is reported separately as "cold".

"select" is the step before: choosing the channel's pending stories from a SQLite database holding that
many stories (3 member articles each, with match evidence) plus as many already delivered, and making
their DigestStory values (Store.pending_stories, as a digest run calls it).
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import tempfile
import time
from collections.abc import Callable
from datetime import timedelta
from pathlib import Path
from typing import Any

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))  # for tests.digest_samples when run as a script

from machine import describe  # noqa: E402  (bench/ is on sys.path when run as a script)

from monitor.digest import build_digest, render_html, render_markdown, render_slack, render_text  # noqa: E402
from monitor.models import Digest  # noqa: E402
from monitor.store import Store  # noqa: E402
from tests.digest_samples import GENERATED_AT, many_stories  # noqa: E402
from tests.story_db import add_story  # noqa: E402


def timed(fn: Callable[[], Any], repeat: int) -> tuple[float, float, Any]:
    """(median ms, best ms, last result) over ``repeat`` calls."""
    times, result = [], None
    for _ in range(repeat):
        start = time.perf_counter()
        result = fn()
        times.append((time.perf_counter() - start) * 1000)
    return statistics.median(times), min(times), result


def size(value: Any) -> str:
    if isinstance(value, list):
        return f"{len(value)} messages, {len(json.dumps(value, ensure_ascii=False)) / 1024:.0f} KiB"
    return f"{len(value.encode()) / 1024:.0f} KiB"


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--stories", type=int, default=500)
    parser.add_argument("--repeat", type=int, default=20)
    args = parser.parse_args()
    stories = many_stories(args.stories)
    print(f"machine: {describe()}")
    print(f"digest of {args.stories} stories, cap {args.stories}, {args.repeat} runs each\n")

    cold: dict[str, float] = {}
    renders: dict[str, Callable[[Digest], Any]] = {
        "text": render_text,
        "html": render_html,
        "markdown": render_markdown,
        "slack": render_slack,
    }

    def build() -> Digest:
        return build_digest(stories, channel="bench", generated_at=GENERATED_AT, cap=args.stories)

    d = build()
    for name, render in renders.items():
        cold[name] = timed(lambda r=render: r(d), 1)[0]  # type: ignore[misc]

    print(f"{'step':<10} {'median ms':>10} {'best ms':>9} {'cold ms':>8}  output")
    median, best, d = timed(build, args.repeat)
    shape = f"{len(d.items)} items, {len(d.sections)} sections"
    print(f"{'build':<10} {median:>10.1f} {best:>9.1f} {'':>8}  {shape}")
    total = median
    for name, render in renders.items():
        median, best, out = timed(lambda r=render: r(d), args.repeat)  # type: ignore[misc]
        total += median
        print(f"{name:<10} {median:>10.1f} {best:>9.1f} {cold[name]:>8.1f}  {size(out)}")
    print(f"{'all':<10} {total:>10.1f}  (build + every format, medians)")
    select_from_db(args.stories, args.repeat)


def select_from_db(n: int, repeat: int) -> None:
    """Time Store.pending_stories on a database of ``n`` pending and ``n`` delivered stories."""
    samples = many_stories(2 * n)
    with tempfile.TemporaryDirectory() as tmp, Store.open(Path(tmp) / "bench.db") as store:
        ids = []
        for i, s in enumerate(samples):
            outlets = (s.lead_outlet, *s.other_outlets[:2])
            ids.append(
                add_story(
                    store,
                    s.title,
                    outlets=outlets,
                    score=s.score,
                    now=GENERATED_AT,
                    age=timedelta(minutes=7 * i % 2000),
                    snippet=s.snippet,
                )
            )
        # half of them were delivered before: the query must skip those
        delivered = store.pending_stories(
            "bench", now=GENERATED_AT, threshold=None, max_age=timedelta(days=3), update_min_outlets=2
        )
        store.record_sent(
            "bench",
            [p for p in delivered if p.story.story_id in set(ids[n:])],
            digest_id="x",
            message_id="x",
            at=GENERATED_AT,
        )

        def select() -> Any:
            return store.pending_stories(
                "bench", now=GENERATED_AT, threshold=None, max_age=timedelta(days=3), update_min_outlets=2
            )

        median, best, got = timed(select, repeat)
        shape = f"{len(got)} pending of {2 * n} stories in SQLite"
        print(f"{'select':<10} {median:>10.1f} {best:>9.1f} {'':>8}  {shape}")


if __name__ == "__main__":
    main()
