"""News-search feeds over loopback: items credited to their publishers, and one story with the publisher's
own feed (issue 15, "Checked": three publishers → three outlets, headlines without the suffix)."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

import pytest

from monitor.config import load_config
from monitor.pipeline import run_poll
from monitor.store import Store
from monitor.stories import StoryTracker
from tests.integration.test_poll import BODY, RSS, page, rss, write_config
from tests.servers import LoopbackHTTPServer, Reply

#: Written for these tests (no third-party text): one development, three publishers.
HEADLINE = "한미일 산업장관 공급망 협력 강화 합의"
OTHER_1 = "정부, 핵심광물 공급망 조기경보 체계 점검"
OTHER_2 = "美 수출통제 강화에 반도체 업계 대응 분주"


def news_search_feed(items: list[dict]) -> bytes:
    """A feed shaped like Google News search results: headline " - 매체", redirect links, <source>."""
    parts = []
    for it in items:
        parts.append(
            f"<item><title>{it['title']} - {it['publisher']}</title><link>{it['link']}</link>"
            f'<guid isPermaLink="false">{it["guid"]}</guid><pubDate>{format_datetime(it["date"])}</pubDate>'
            f'<description>&lt;a href="{it["link"]}"&gt;{it["title"]}&lt;/a&gt;&amp;nbsp;&amp;nbsp;'
            f'&lt;font color="#6f6f6f"&gt;{it["publisher"]}&lt;/font&gt;</description>'
            f'<source url="{it["source_url"]}">{it["publisher"]}</source></item>'
        )
    return (
        '<?xml version="1.0" encoding="UTF-8"?><rss version="2.0"><channel>'
        '<title>"공급망" - 뉴스 검색</title><link>https://news.example/</link>'
        + "".join(parts)
        + "</channel></rss>"
    ).encode("utf-8")


@pytest.fixture
def servers():
    with LoopbackHTTPServer() as publisher, LoopbackHTTPServer() as search:
        yield publisher, search


def _one_item_feed(server, path, item):
    server.route(path, Reply(body=rss([item]), headers={"Content-Type": RSS}))


def _publisher_feed(publisher, now):
    """The publisher's own feed: the report of HEADLINE with its article page, half an hour old."""
    publisher.route("/article/1", Reply(body=page(HEADLINE, BODY), headers={"Content-Type": "text/html"}))
    _one_item_feed(
        publisher,
        "/feed",
        {
            "title": HEADLINE,
            "link": publisher.url("/article/1"),
            "guid": "yna-1",
            "date": now - timedelta(minutes=30),
        },
    )


def _setup(tmp_path, publisher, search):
    now = datetime.now(UTC).replace(microsecond=0)
    _publisher_feed(publisher, now)
    items = [
        {
            "title": HEADLINE,
            "publisher": "연합뉴스",
            "source_url": publisher.url("/"),
            "link": search.url("/rss/articles/CBMiAAA?oc=5"),
            "guid": "CBMiAAA",
            "date": now - timedelta(minutes=20),
        },
        {
            "title": OTHER_1,
            "publisher": "뉴시스",
            "source_url": "https://www.newsis.com",
            "link": search.url("/rss/articles/CBMiBBB?oc=5"),
            "guid": "CBMiBBB",
            "date": now - timedelta(minutes=10),
        },
        {
            "title": OTHER_2,
            "publisher": "뉴스1",
            "source_url": "https://www.news1.kr",
            "link": search.url("/rss/articles/CBMiCCC?oc=5"),
            "guid": "CBMiCCC",
            "date": now,
        },
    ]
    search.route("/rss/search", Reply(body=news_search_feed(items), headers={"Content-Type": RSS}))
    # The publisher's own feed is named after it, as its <source> element names it: loopback addresses
    # name no outlet, so both copies are counted under that name.
    return write_config(
        tmp_path, {"연합뉴스": publisher.url("/feed"), "검색 공급망": search.url("/rss/search")}
    )


def test_three_publishers_are_three_outlets_with_clean_headlines(tmp_path, servers):
    publisher, search = servers
    cfg = _setup(tmp_path, publisher, search)
    config = load_config(cfg)
    with Store.open(config.storage.path) as store:
        report = run_poll(config, store, tracker=StoryTracker())
        assert [f.status for f in report.feeds] == ["ok", "ok"]
        rows = store.db.execute(
            "SELECT a.title, a.outlet, a.text_source, s.outlet FROM articles a "
            "JOIN article_sources s ON s.article_id = a.id JOIN feeds f ON f.id = s.feed_id "
            "WHERE f.name = '검색 공급망' ORDER BY a.published_at"
        ).fetchall()
    assert [r[0] for r in rows] == [HEADLINE, OTHER_1, OTHER_2]  # no " - 연합뉴스"
    assert [r[1] for r in rows] == ["연합뉴스", "www.newsis.com", "www.news1.kr"]
    assert [r[3] for r in rows] == [r[1] for r in rows]  # the source rows credit the same publishers
    assert all(r[2] == "title" for r in rows)  # Google's description is the headline again: no text
    # The redirect links were never fetched as article pages.
    assert [r.path for r in search.requests] == ["/rss/search"]


def test_stories_count_publishers_not_the_aggregator(tmp_path, servers):
    publisher, search = servers
    cfg = _setup(tmp_path, publisher, search)
    config = load_config(cfg)
    with Store.open(config.storage.path) as store:
        run_poll(config, store, tracker=StoryTracker())
        stories = store.recent_stories(limit=None)
    outlets = {o for s in stories for o in s["outlets"]}
    assert "news.google.com" not in outlets and "127.0.0.1" not in outlets
    assert {"연합뉴스", "www.newsis.com", "www.news1.kr"} <= outlets


def test_the_same_report_from_both_feeds_is_one_story(tmp_path, servers):
    publisher, search = servers
    cfg = _setup(tmp_path, publisher, search)
    config = load_config(cfg)
    with Store.open(config.storage.path) as store:
        run_poll(config, store, tracker=StoryTracker())
        ids = dict(
            store.db.execute(
                "SELECT f.name, a.id FROM articles a JOIN feeds f ON f.id = a.feed_id WHERE a.title = ?",
                (HEADLINE,),
            ).fetchall()
        )
        own, aggregated = ids["연합뉴스"], ids["검색 공급망"]
        assert store.story_of(own) == store.story_of(aggregated)
        story = store.story_row(store.story_of(own))
    assert story["size"] == 2
    # Both copies are 연합뉴스's: one outlet, and the story is not counted twice over.
    assert story["outlets"] == ["연합뉴스"]


def test_every_outlet_a_digest_names_links_to_its_own_report(tmp_path, servers):
    from monitor.digest import build_digest, render_html, render_markdown, render_text

    publisher, search = servers
    now = datetime.now(UTC).replace(microsecond=0)
    _publisher_feed(publisher, now)
    newsis_link = search.url("/rss/articles/CBMiNNN?oc=5")
    search.route(
        "/rss/search",
        Reply(
            body=news_search_feed(
                [
                    {
                        "title": HEADLINE,
                        "publisher": "뉴시스",
                        "source_url": "https://www.newsis.com",
                        "link": newsis_link,
                        "guid": "CBMiNNN",
                        "date": now - timedelta(minutes=20),
                    }
                ]
            ),
            headers={"Content-Type": RSS},
        ),
    )
    cfg = write_config(tmp_path, {"연합뉴스": publisher.url("/feed"), "검색": search.url("/rss/search")})
    config = load_config(cfg)
    with Store.open(config.storage.path) as store:
        run_poll(config, store, tracker=StoryTracker())
        (story_id,) = [s["id"] for s in store.recent_stories(limit=None)]
        # Matching is not what is tested here: the story is marked relevant by hand.
        store.db.execute("UPDATE stories SET relevant = 1, best_score = 0.9 WHERE id = ?", (story_id,))
        pending = store.pending_stories(
            "file", now=datetime.now(UTC), threshold=None, max_age=timedelta(days=1), update_min_outlets=1
        )
    (story,) = [p.story for p in pending]
    assert dict(story.outlet_links) == {
        "연합뉴스": publisher.url("/article/1"),
        "www.newsis.com": newsis_link,
    }
    digest = build_digest([story], channel="file", generated_at=datetime.now(UTC), cap=10)
    assert f"www.newsis.com: {newsis_link}" in render_text(digest)
    assert f'<a href="{newsis_link}"' in render_html(digest)
    assert f"[www.newsis.com]({newsis_link})" in render_markdown(digest).replace("\\", "")


def test_articles_carry_the_feeds_declared_or_detected_language(tmp_path, servers):
    publisher, _ = servers
    now = datetime.now(UTC).replace(microsecond=0)
    _one_item_feed(
        publisher,
        "/ko",
        {
            "title": HEADLINE,
            "link": publisher.url("/k1"),
            "guid": "k1",
            "date": now,
            "summary": "정부는 공급망 점검 회의를 열었다.",
        },
    )
    _one_item_feed(
        publisher,
        "/en",
        {
            "title": "Seoul and Tokyo review chip supply chains",
            "guid": "e1",
            "link": publisher.url("/e1"),
            "date": now,
            "summary": "Officials met to review supply chains.",
        },
    )
    _one_item_feed(
        publisher,
        "/declared",
        {"title": "한미일 공급망 브리핑 (KH)", "guid": "d1", "link": publisher.url("/d1"), "date": now},
    )
    cfg = write_config(
        tmp_path,
        {"ko": publisher.url("/ko"), "en": publisher.url("/en")},
        extra="[feed_defaults]\nfetch_articles = false",
    )
    with cfg.open("a", encoding="utf-8") as out:
        out.write(f'\n[[feeds]]\nname = "declared"\nurl = "{publisher.url("/declared")}"\nlanguage = "en"\n')
    config = load_config(cfg)
    with Store.open(config.storage.path) as store:
        run_poll(config, store, tracker=StoryTracker())
        langs = dict(
            store.db.execute(
                "SELECT f.name, a.language FROM articles a JOIN feeds f ON f.id = a.feed_id"
            ).fetchall()
        )
    assert langs == {"ko": "ko", "en": "en", "declared": "en"}
