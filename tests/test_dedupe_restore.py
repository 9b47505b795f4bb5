"""restore_all: a restarted process replays its window with the features computed in worker processes."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta

from monitor.models import ClusterItem
from monitor.stories import StoryClusterer, restore_all
from monitor.stories import batch as dedupe


def test_restore_all_in_workers_leaves_the_clusterer_as_restoring_one_by_one() -> None:
    """A restarted process replays its window through restore_all; with feature workers the next
    decisions are the same as after restoring one article at a time."""
    start = datetime(2024, 3, 12, tzinfo=UTC)
    items = [
        ClusterItem(
            n,
            f"반도체 수출통제 {n // 6}차 대응 회의",
            f"정부와 업계가 {n // 6}번째 대응을 논의했다. " * 3,
            f"https://o{n % 5}.kr/{n}",
            start + timedelta(minutes=n),
        )  # fmt: skip
        for n in range(2 * dedupe.FEATURE_CHUNK + 40)
    ]
    history, upcoming = items[:-40], items[-40:]
    decided = list(zip(history, dedupe.add_all(StoryClusterer(), history), strict=True))
    ids = {item.article_id for item in history}
    one_by_one, in_workers = StoryClusterer(), StoryClusterer()
    for item, assignment in decided:
        one_by_one.restore(item, assignment)
    restore_all(in_workers, decided, workers=2)
    assert len(in_workers) == len(one_by_one) == len(history)
    expected = [one_by_one.add(i) for i in upcoming]
    assert [in_workers.add(i) for i in upcoming] == expected
    assert any(a.reason != "new" and a.matched_article_id in ids for a in expected)
