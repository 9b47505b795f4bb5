"""The feed checker's rules on fetched answers (pure: monitor.sources.check.inspect_result), and OPML writing."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from email.utils import format_datetime

from monitor.models import FeedSpec, FetchResult
from monitor.sources.check import ZOMBIE_MIN_AGE, discover_alternates, inspect_result, zombie_after
from monitor.sources.opml import write_opml

NOW = datetime(2026, 12, 7, 12, 0, tzinfo=UTC)
SPEC = FeedSpec("피드", "https://feeds.example/rss.xml")


def answer(
    body: bytes, *, content_type: str = "application/rss+xml", redirects=(), statuses=()
) -> FetchResult:
    return FetchResult(
        SPEC.url,
        redirects[-1] if redirects else SPEC.url,
        200,
        {"content-type": content_type},
        body,
        redirects=tuple(redirects),
        redirect_statuses=tuple(statuses),
    )


def feed(*dates: datetime) -> bytes:
    items = "".join(
        f"<item><title>기사 {i}</title><link>https://n.example/{i}</link>"
        f"<pubDate>{format_datetime(d)}</pubDate></item>"
        for i, d in enumerate(dates)
    )
    return (
        f'<?xml version="1.0"?><rss version="2.0"><channel><title>t</title>{items}</channel></rss>'.encode()
    )


def test_a_fresh_feed_is_usable():
    check, seen = inspect_result(SPEC, answer(feed(NOW - timedelta(hours=1))), None, NOW)
    assert check.usable and check.items == 1 and check.newest == NOW - timedelta(hours=1) and seen


def test_zombie_after_is_96_intervals_but_never_under_three_days():
    assert zombie_after(SPEC) == ZOMBIE_MIN_AGE  # 96 × 15 min = 1 day < 3 days
    assert zombie_after(FeedSpec("x", "https://x/", interval_s=3600)) == timedelta(days=4)


def test_a_feed_whose_newest_item_is_old_is_a_zombie():
    check, _ = inspect_result(SPEC, answer(feed(NOW - timedelta(days=90))), None, NOW)
    assert check.problem == "zombie" and not check.usable and "90.0 days ago" in check.detail


def test_the_same_items_for_longer_than_the_limit_is_a_zombie():
    body = feed(NOW)  # dated today, but the same item ids for a week (a CMS that re-stamps old items)
    _, seen = inspect_result(SPEC, answer(body), None, NOW - timedelta(days=7))
    check, _ = inspect_result(SPEC, answer(body), seen, NOW)
    assert check.problem == "zombie" and "the same 1 items" in check.detail


def test_an_html_page_names_its_feed():
    page = (
        b"<html><head><link rel='stylesheet' href='/s.css'>"
        b"<link rel='alternate' type='application/atom+xml' href='atom.xml'>"
        b"<link rel=alternate type=application/rss+xml href=https://feeds.example/all.xml></head></html>"
    )
    check, _ = inspect_result(SPEC, answer(page, content_type="text/html"), None, NOW)
    assert check.problem == "html"
    assert check.alternates == ("https://feeds.example/atom.xml", "https://feeds.example/all.xml")
    assert check.fix == 'url = "https://feeds.example/atom.xml"'


def test_discover_alternates_ignores_other_links_and_schemes():
    html = (
        '<link rel="alternate" hreflang="en" href="/en/">'
        '<link rel="alternate" type="application/rss+xml" href="javascript:alert(1)">'
        '<LINK REL="Alternate feed" TYPE="application/rss+xml; charset=utf-8" HREF="/rss">'
    )
    assert discover_alternates(html, "https://site.example/news/") == ["https://site.example/rss"]


def test_a_permanent_redirect_is_usable_with_a_fix():
    new = "https://feeds.example/new.xml"
    check, _ = inspect_result(SPEC, answer(feed(NOW), redirects=[new], statuses=[308]), None, NOW)
    assert check.usable and check.fix.startswith(f'url = "{new}"')


def test_empty_body_and_feed_without_items():
    check, _ = inspect_result(SPEC, answer(b"  \n"), None, NOW)
    assert check.problem == "empty" and SPEC.url in check.detail
    check, _ = inspect_result(SPEC, answer(feed()), None, NOW)
    assert check.problem == "no_items"


def test_opml_export_escapes_and_keeps_order():
    feeds = [
        FeedSpec("A & B <경제>", "https://a.example/rss?x=1&y=2", tags=("경제", "wire"), language="ko"),
        FeedSpec("C", "https://c.example/rss"),
    ]
    text = write_opml(feeds, title="t", now=NOW)
    assert 'text="A &amp; B &lt;경제&gt;"' in text and 'xmlUrl="https://a.example/rss?x=1&amp;y=2"' in text
    assert 'category="/wire"' in text and 'language="ko"' in text
    assert text.index("A &amp; B") < text.index('text="C"')
