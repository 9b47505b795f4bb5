"""Per-poll cost of keeping a growing story's aggregates: incremental (what a poll does) against the full
recompute from every member (what a poll did before issue 14), for a story of 10, 1,000 and 10,000 members.

    python bench/bench_story_store.py [--sizes 10,1000,10000] [--polls 30] [--outlets 40]

For each size: a fresh database (a file, WAL, as the monitor keeps it) holding one story of that many members
spread over ``--outlets`` outlets, plus 500 one-article stories. Then ``--polls`` polls, each recording what
a poll's tracker hands the store: 5 new members of the big story (one of them from an outlet the story had
not carried, so its outlet list and last development move too), 25 new stories, and one member of the big
story updated in place (a middle one: in the 10-member story it is its outlet's first report, so that story
is recomputed in full; in the larger ones it folds in again). Each poll is timed both
ways on the same database state (incremental first, then the same poll's decisions again through the old
path on a copy made before it); the figures are the median milliseconds per poll. Incremental should be
flat in the story's size; the full recompute grows with it.
"""

from __future__ import annotations

import argparse
import json
import shutil
import statistics
import sys
import tempfile
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE.parent))
sys.path.insert(0, str(HERE))

from machine import describe  # noqa: E402

from monitor.clock import to_iso  # noqa: E402
from monitor.models import Assignment, FeedSpec  # noqa: E402
from monitor.store import Store  # noqa: E402

T0 = datetime(2026, 11, 1, tzinfo=UTC)
TOPICS = ["supply_chain", "chips", "minerals", "export_control", "ipef"]


class Articles:
    """Writes articles (and their matches) straight into the tables, numbered from 1."""

    def __init__(self) -> None:
        self.n = 0

    def add(self, store: Store, count: int, outlet_of, minute0: int) -> list[int]:
        rows, matches, ids = [], [], []
        for k in range(count):
            self.n += 1
            at = to_iso(T0 + timedelta(minutes=minute0 + k))
            url = f"https://{outlet_of(k)}.example/news/{self.n}"
            rows.append((self.n, url, url, f"기사 {self.n}", "본문", at, at, at, f"h{self.n}"))
            matches.append(
                (self.n, int(k % 3 == 0), (k % 10) / 10, json.dumps(TOPICS[k % 5 : k % 5 + 2]), at)
            )
            ids.append(self.n)
        conn = store.db.conn
        conn.executemany(
            "INSERT INTO articles (id, url, link, title, text, summary, text_source, published_at, "
            "first_seen_at, fetched_at, content_hash, feed_id) "
            "VALUES (?, ?, ?, ?, ?, '', 'page', ?, ?, ?, ?, 1)",
            rows,
        )
        conn.executemany(
            "INSERT INTO matches (article_id, relevant, decision, score, threshold, topics, reason, "
            "evidence, config_digest, matched_at) VALUES (?, ?, 'x', ?, 0.5, ?, 'b', '{}', 'd', ?)",
            matches,
        )
        return ids


def old_record(store: Store, assignments: list[Assignment], now: datetime) -> None:
    """record_assignments as it was before issue 14: write, then recompute every touched story in full."""
    with store.transaction():
        previous = store._write_assignments(assignments, to_iso(now) or "")
        store._refresh({a.story_key for a in assignments} | set(previous.values()))


def measure(
    size: int, polls: int, outlets: int, tmp: Path
) -> tuple[tuple[float, float], tuple[float, float]]:
    """(wall, cpu) median milliseconds per poll: incremental, then the full recompute."""
    path = tmp / f"s{size}.db"
    arts = Articles()
    with Store.open(path) as store:
        store.sync_feeds([FeedSpec("bench", "http://127.0.0.1:1/rss")])
        with store.transaction():
            members = arts.add(store, size, lambda k: f"o{k % outlets}", 0)
            singles = arts.add(store, 500, lambda k: f"s{k % 7}", size)
        big = members[0]
        store.record_assignments(
            [
                Assignment(i, big, "new" if i == big else "same_event", 0.7, big, (("title_ngram", 0.7),))
                for i in members
            ]
            + [Assignment(i, i, "new", 0.0) for i in singles],
            now=T0,
        )
    incremental: list[tuple[float, float]] = []
    full: list[tuple[float, float]] = []
    minute = size + 500
    for p in range(polls):
        with Store.open(path) as store:
            with store.transaction():
                joins = arts.add(store, 5, lambda k, p=p: f"o{k % outlets}" if k else f"new{p}", minute)
                news = arts.add(store, 25, lambda k: f"s{k % 7}", minute + 5)
                # and a correction of one member of the big story (a [종합] rewrite: new title, same verdict)
                edited = members[len(members) // 2]
                store.db.conn.execute(
                    "UPDATE articles SET title = title || ' (종합)', updated_at = ? WHERE id = ?",
                    (to_iso(T0 + timedelta(days=1, minutes=p)), edited),
                )
            minute += 30
        batch = [
            *(Assignment(i, big, "same_event", 0.66, big, (("title_ngram", 0.66),)) for i in joins),
            *(Assignment(i, i, "new", 0.0) for i in news),
            Assignment(edited, big, "updated", 1.0),
        ]
        now = T0 + timedelta(days=1, minutes=p)
        shutil.copy(path, tmp / "old.db")  # the same state for the old path (WAL checkpointed on close)
        with Store.open(path) as store:
            started, cpu = time.perf_counter(), time.process_time()
            store.record_assignments(batch, now=now)
            incremental.append((time.perf_counter() - started, time.process_time() - cpu))
            after = store.story_row(big)
        with Store.open(tmp / "old.db") as store:
            started, cpu = time.perf_counter(), time.process_time()
            old_record(store, batch, now)
            full.append((time.perf_counter() - started, time.process_time() - cpu))
            assert store.story_row(big) == after, "the two paths disagree"

    def medians(runs: list[tuple[float, float]]) -> tuple[float, float]:
        return statistics.median(r[0] for r in runs) * 1000, statistics.median(r[1] for r in runs) * 1000

    return medians(incremental), medians(full)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sizes", default="10,1000,10000")
    parser.add_argument("--polls", type=int, default=30)
    parser.add_argument("--outlets", type=int, default=40)
    args = parser.parse_args()
    print(describe())
    print(
        f"{args.polls} polls per size, each 5 joins of the big story (1 from a new outlet), 1 update of "
        f"one of its members, 25 new stories; members over {args.outlets} outlets. Median per poll's "
        "record_assignments, wall (the "
        "commit included) and CPU of this process (less moved by other work on a shared machine)"
    )
    print(
        f"{'members':>8}  {'incremental wall / cpu':>23}  {'full recompute wall / cpu':>26}  "
        f"{'full/incr cpu':>13}"
    )
    with tempfile.TemporaryDirectory() as tmp:
        for size in (int(s) for s in args.sizes.split(",")):
            (inc, inc_cpu), (full, full_cpu) = measure(size, args.polls, args.outlets, Path(tmp))
            print(
                f"{size:>8}  {inc:>9.2f} / {inc_cpu:>6.2f} ms  {full:>12.2f} / {full_cpu:>6.2f} ms  "
                f"{full_cpu / inc_cpu:>12.1f}×"
            )


if __name__ == "__main__":
    main()
