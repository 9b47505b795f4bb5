"""Digest building (grouping, ranking, cap, true numbers) and rendering (every format, escaping, limits).

Golden files in tests/golden/ pin each format; regenerate them on purpose with
``MONITOR_REGEN_GOLDEN=1 pytest tests/test_digest.py`` and review the diff.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Callable
from dataclasses import replace
from datetime import timedelta
from html.parser import HTMLParser
from pathlib import Path

import pytest

from monitor.digest import (
    build_digest,
    kst_stamp,
    markdown_escape,
    render_html,
    render_markdown,
    render_slack,
    render_text,
    safe_link,
    slack_story_ids,
)
from monitor.models import Digest, DigestStory
from tests.digest_samples import (
    GENERATED_AT,
    SINCE,
    TOPIC_ORDER,
    check_slack_limits,
    hostile_story,
    many_stories,
    sample_stories,
)

GOLDEN = Path(__file__).parent / "golden"


def sample_digest(cap: int = 20, **kw: object) -> Digest:
    return build_digest(
        sample_stories(),
        channel="email",
        generated_at=GENERATED_AT,
        cap=cap,
        since=SINCE,
        topic_order=TOPIC_ORDER,
        **kw,  # type: ignore[arg-type]
    )


def story(story_id: int, **kw: object) -> DigestStory:
    fields: dict[str, object] = {
        "title": f"기사 {story_id}",
        "url": f"https://news.example.kr/{story_id}",
        "lead_outlet": "연합뉴스",
        "first_seen": GENERATED_AT - timedelta(hours=1),
        "topics": ("공급망",),
        "score": 0.5,
    }
    fields.update(kw)
    return DigestStory(story_id=story_id, **fields)  # type: ignore[arg-type]


# --------------------------------------------------------------------------------------------------
# Building
# --------------------------------------------------------------------------------------------------


def test_subject_counts_new_and_updated_with_kst_weekday() -> None:
    d = sample_digest()
    assert d.subject == "[한미일 경제안보] 새 소식 7건 · 업데이트 1건 — 2026-11-23 (월) 08:00 KST"
    assert (d.new_total, d.update_total) == (7, 1)


def test_subject_of_new_stories_only_matches_the_issue_example() -> None:
    d = build_digest([story(i) for i in range(5)], channel="email", generated_at=GENERATED_AT, cap=10)
    assert d.subject == "[한미일 경제안보] 새 소식 5건 — 2026-11-23 (월) 08:00 KST"


def test_sections_follow_topic_order_then_updates_last() -> None:
    d = sample_digest()
    assert [s.topic for s in d.sections] == ["공급망", "반도체", "경제안보대화", "핵심광물", "기타"]
    assert [i.story.story_id for i in d.updates] == [90]
    assert all(not i.story.is_update for s in d.sections for i in s.items)


def test_without_topic_order_the_strongest_section_comes_first() -> None:
    stories = [story(1, topics=("반도체",), score=0.9), story(2, topics=("공급망",), score=0.3), story(3)]
    d = build_digest(stories, channel="file", generated_at=GENERATED_AT, cap=10)
    assert [s.topic for s in d.sections] == ["반도체", "공급망"]
    assert [i.story.story_id for i in d.sections[1].items] == [3, 2]


def test_numbers_run_in_reading_order() -> None:
    d = sample_digest()
    assert [i.number for i in d.items] == list(range(1, 9))
    assert d.story_ids == (101, 104, 103, 105, 102, 106, 107, 90)


def test_rank_uses_score_then_outlets_then_recency() -> None:
    now = GENERATED_AT
    stories = [
        story(1, score=0.5),
        story(2, score=0.5, other_outlets=("뉴시스", "뉴스1")),  # more outlets beat equal score
        story(3, score=0.9, first_seen=now - timedelta(hours=72)),  # three half-lives: 0.11
        story(4, score=0.5, first_seen=now - timedelta(minutes=5)),  # newer beats equal score
    ]
    d = build_digest(stories, channel="file", generated_at=now, cap=10)
    assert d.story_ids == (2, 4, 1, 3)


def test_unusable_scores_rank_last_without_breaking_the_order() -> None:
    stories = [story(1, score=float("nan")), story(2, score=-1.0), story(3, score=0.1)]
    d = build_digest(stories, channel="file", generated_at=GENERATED_AT, cap=10)
    assert d.story_ids == (3, 1, 2)


def test_ties_are_broken_by_story_id_so_order_is_stable() -> None:
    d = build_digest([story(i) for i in (5, 3, 4)], channel="file", generated_at=GENERATED_AT, cap=10)
    assert d.story_ids == (3, 4, 5)


def test_cap_keeps_the_best_and_says_how_many_more() -> None:
    d = sample_digest(cap=5)
    assert len(d.items) == 5
    assert d.omitted_story_ids == (90, 104, 107)  # in rank order
    assert d.more == "외 3건 더 — `monitor stories`로 전체 보기"
    assert d.summary == "새 소식 7건 · 업데이트 1건 — 상위 5건"
    assert not set(d.omitted_story_ids) & set(d.story_ids)


def test_outlets_line_counts_every_other_outlet() -> None:
    item = sample_digest().items[0]
    assert item.outlets == "뉴스핌 외 7개 매체"
    assert item.other_outlets == "연합뉴스, 뉴시스, 뉴스1, 서울경제, 한국경제 등"
    single = next(i for i in sample_digest().items if i.story.story_id == 104)
    assert (single.outlets, single.other_outlets) == ("전자신문", "")


def test_times_are_kst_and_prefer_publication() -> None:
    item = sample_digest().items[0]
    assert item.when == "2026-11-23 05:30 KST"  # published 20:30 UTC


def test_snippet_is_cut_to_about_two_lines() -> None:
    d = build_digest([story(1, snippet="가나다라 " * 100)], channel="f", generated_at=GENERATED_AT, cap=1)
    snippet = d.items[0].snippet
    assert len(snippet) <= 110 and snippet.endswith("…") and "  " not in snippet


def test_snippet_starts_with_the_story_not_the_dateline() -> None:
    leads = [
        "[세종=뉴스핌] 김기랑 기자 = 한미일 산업장관이 모였다.",
        "(서울=연합뉴스) 홍길동 기자 = 한미일 산업장관이 모였다.",
    ]
    d = build_digest(
        [story(i, snippet=lead) for i, lead in enumerate(leads)],
        channel="f",
        generated_at=GENERATED_AT,
        cap=5,
    )
    assert [i.snippet for i in d.items] == ["한미일 산업장관이 모였다."] * 2


def test_topics_name_the_three_strongest_and_count_the_rest() -> None:
    topics = ("협의체·대화", "공급망 회복력", "반도체·배터리", "핵심광물", "수출통제")
    d = build_digest(
        [story(1, topics=topics), story(2, topics=topics[:2])], channel="f", generated_at=GENERATED_AT, cap=5
    )
    by_id = {i.story.story_id: i.topics for i in d.items}
    assert by_id[1] == "협의체·대화 · 공급망 회복력 · 반도체·배터리 외 2개"
    assert by_id[2] == "협의체·대화 · 공급망 회복력"


def test_text_is_one_clean_line_without_controls_or_bidi_overrides() -> None:
    d = build_digest(
        [story(1, title="첫 줄\n둘째 줄\t\u202e끝\x00", snippet="a\r\nb")],
        channel="f",
        generated_at=GENERATED_AT,
        cap=1,
    )
    assert d.items[0].title == "첫 줄 둘째 줄 끝"
    assert d.items[0].snippet == "a b"


def test_update_carries_its_note_and_only_updates_have_one() -> None:
    d = sample_digest()
    assert d.updates[0].note == "지난 브리핑 이후 4개 매체가 더 보도 (총 6개 매체)"
    assert {i.note for s in d.sections for i in s.items} == {""}


def test_empty_digest_says_so() -> None:
    d = build_digest([], channel="email", generated_at=GENERATED_AT, cap=10)
    assert d.is_empty and d.items == () and d.more == ""
    assert d.subject == "[한미일 경제안보] 새 소식 없음 — 2026-11-23 (월) 08:00 KST"
    slack = json.dumps(render_slack(d), ensure_ascii=False)
    for rendered in (render_text(d), render_markdown(d), render_html(d), slack):
        assert "새로 전할 소식이 없습니다" in rendered


def test_duplicate_story_ids_are_refused() -> None:
    with pytest.raises(ValueError, match="story 1 given twice"):
        build_digest([story(1), story(1)], channel="f", generated_at=GENERATED_AT, cap=5)


def test_cap_below_one_is_refused() -> None:
    with pytest.raises(ValueError, match="cap"):
        build_digest([story(1)], channel="f", generated_at=GENERATED_AT, cap=0)


def test_digest_id_is_stable_and_depends_on_channel() -> None:
    assert sample_digest().digest_id == sample_digest().digest_id
    other = build_digest(sample_stories(), channel="slack", generated_at=GENERATED_AT, cap=20)
    assert other.digest_id != sample_digest().digest_id


def test_kst_stamp_names_files_by_local_time() -> None:
    assert kst_stamp(sample_digest()) == "20261123-080000-KST"


@pytest.mark.parametrize(
    ("url", "expected"),
    [
        ("https://news.example.kr/a?b=1&c=2", "https://news.example.kr/a?b=1&c=2"),
        ("http://x.kr/기사 1", "http://x.kr/%EA%B8%B0%EC%82%AC%201"),
        ('https://x.kr/a"><script>', "https://x.kr/a%22%3E%3Cscript%3E"),
        ("javascript:alert(1)", None),
        ("data:text/html,<b>x</b>", None),
        ("//no-scheme.kr/a", None),
        ("", None),
        (None, None),
    ],
)
def test_safe_link_keeps_only_http_and_encodes_breakouts(url: str | None, expected: str | None) -> None:
    assert safe_link(url) == expected


# --------------------------------------------------------------------------------------------------
# Every format carries the same stories and the same numbers
# --------------------------------------------------------------------------------------------------


def test_every_format_shows_every_story_in_the_same_order() -> None:
    d = sample_digest()
    plain_formats = {"text": render_text(d), "markdown": render_markdown(d), "html": render_html(d)}
    for name, rendered in plain_formats.items():
        positions = [rendered.find(f"{i.number}.") for i in d.items]
        assert positions == sorted(positions) and -1 not in positions, name
        for item in d.items:
            assert item.outlets in rendered and item.when in rendered, (name, item.number)
    slack = render_slack(d)
    assert tuple(i for p in slack for i in slack_story_ids(p)) == d.story_ids


@pytest.mark.parametrize("render", [render_text, render_markdown, render_html])
def test_every_format_has_subject_facts_update_marker_and_more_line(render: Callable[[Digest], str]) -> None:
    d = sample_digest(cap=6)
    rendered = render(d)
    assert d.summary in rendered and "2026-11-23 (월) 08:00 KST" in rendered
    assert d.updates[0].note in rendered and "monitor stories" in rendered and "외 2건 더" in rendered
    assert "뉴스핌 외 7개 매체" in rendered and "(원문 링크 없음)" in rendered


def test_slack_has_the_same_facts() -> None:
    d = sample_digest(cap=6)
    text = json.dumps(render_slack(d), ensure_ascii=False)
    for fact in (
        "새 소식 7건 · 업데이트 1건 — 상위 6건",
        "뉴스핌 외 7개 매체",
        d.updates[0].note,
        "외 2건 더",
    ):
        assert fact in text


# --------------------------------------------------------------------------------------------------
# Hostile input: inert in every format
# --------------------------------------------------------------------------------------------------


class _Tags(HTMLParser):
    def __init__(self) -> None:
        super().__init__()
        self.tags: list[tuple[str, dict[str, str | None]]] = []

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        self.tags.append((tag, dict(attrs)))


def _tags(html: str) -> list[tuple[str, dict[str, str | None]]]:
    parser = _Tags()
    parser.feed(html)
    return parser.tags


def hostile_digest() -> Digest:
    return build_digest([hostile_story()], channel="x", generated_at=GENERATED_AT, cap=5)


def test_html_keeps_hostile_text_as_text() -> None:
    html = render_html(hostile_digest())
    tags = _tags(html)
    assert {t for t, _ in tags} <= {
        "html",
        "head",
        "meta",
        "title",
        "body",
        "div",
        "table",
        "tr",
        "td",
        "span",
        "b",
        "a",
        "code",
    }
    assert not any(k.startswith("on") for _, attrs in tags for k in attrs)
    assert "&lt;script&gt;alert(1)&lt;/script&gt; &amp; &lt;!channel&gt;" in html
    assert "a" not in {t for t, _ in tags}  # its javascript: URL is not linked


def test_html_links_are_only_the_stories_and_nothing_is_loaded() -> None:
    d = sample_digest()
    tags = _tags(render_html(d))
    hrefs = [a["href"] for t, a in tags if t == "a"]
    assert hrefs == [i.link for i in d.items if i.link]
    assert not any("src" in a or t in ("script", "link", "img", "style", "iframe") for t, a in tags)


def test_html_is_a_korean_utf8_table_layout_at_640px() -> None:
    html = render_html(sample_digest())
    tags = _tags(html)
    assert ("html", {"lang": "ko"}) in tags and ("meta", {"charset": "utf-8"}) in tags
    assert 'width="640"' in html and "max-width:640px" in html
    assert all("style" in attrs for tag, attrs in tags if tag in ("td", "div", "span", "a", "b", "code"))


def test_markdown_keeps_hostile_text_as_text() -> None:
    d = hostile_digest()
    md = render_markdown(d)
    item = d.items[0]
    for value in (item.title, item.outlets, item.other_outlets, item.topics, item.terms, item.snippet):
        assert markdown_escape(value) in md
    assert not re.search(r"(?<!\\)[<\[]", md)  # no raw HTML, and no link opened by feed text


def test_markdown_escape_covers_link_emphasis_and_html_syntax() -> None:
    assert markdown_escape("[x](y) *b* _i_ <b> a&b `c` #h |t| ~s~") == (
        r"\[x\](y) \*b\* \_i\_ \<b\> a\&b \`c\` \#h \|t\| \~s\~"
    )


def test_slack_neutralises_mentions_links_and_formatting() -> None:
    payload = json.dumps(render_slack(hostile_digest()), ensure_ascii=False)
    for live in (
        "<!channel>",
        "<!here>",
        "<!everyone>",
        "<@U123",
        "@here",
        "@channel",
        "*속보*",
        "_x_",
        "`code`",
        "<script>",
        "<img",
        "<b>",
        "<javascript",
    ):
        assert live not in payload, live
    assert "&lt;script&gt;" in payload and "&amp;" in payload and "∗속보∗" in payload


def test_slack_title_without_safe_link_is_not_linked() -> None:
    blocks = [b for p in render_slack(hostile_digest()) for b in p["blocks"]]
    story_text = next(b for b in blocks if b.get("block_id") == "story-999")["text"]["text"]
    assert story_text.startswith("*1. ") and "<http" not in story_text


# --------------------------------------------------------------------------------------------------
# Slack limits and splitting
# --------------------------------------------------------------------------------------------------


def test_slack_splits_500_stories_in_order_within_limits() -> None:
    d = build_digest(many_stories(500), channel="slack", generated_at=GENERATED_AT, cap=500)
    payloads = render_slack(d)
    check_slack_limits(payloads)
    assert len(payloads) >= 11  # 500 story blocks cannot fit in fewer 49-block messages
    assert tuple(i for p in payloads for i in slack_story_ids(p)) == d.story_ids
    assert [p["blocks"][-1]["elements"][0]["text"] for p in payloads][:2] == [
        f"메시지 1/{len(payloads)}",
        f"메시지 2/{len(payloads)}",
    ]
    assert payloads[1]["text"].endswith(f"(2/{len(payloads)})")


def test_slack_splits_by_size_when_stories_are_long() -> None:
    bulky = [
        replace(
            s,
            other_outlets=tuple(f"{'매체' * 100}{k}" for k in range(8)),
            url=f"{s.url or 'https://x.kr/a'}?{'q' * 1200}",
        )
        for s in many_stories(60)
    ]
    payloads = render_slack(build_digest(bulky, channel="s", generated_at=GENERATED_AT, cap=60))
    check_slack_limits(payloads)
    assert len(payloads) > 2 and max(len(p["blocks"]) for p in payloads) < 49  # size, not blocks, split them


def test_slack_single_message_has_no_part_marker() -> None:
    payloads = render_slack(sample_digest())
    assert len(payloads) == 1 and "메시지 1/1" not in json.dumps(payloads, ensure_ascii=False)


def test_slack_keeps_very_long_fields_within_limits() -> None:
    long = replace(
        hostile_story(),
        title="&" * 5000,
        snippet="<" * 5000,
        topics=("주제" * 200,),
        matched_terms=tuple("&" * 300 for _ in range(20)),
        other_outlets=tuple("&" * 300 for _ in range(20)),
        url="https://x.kr/" + "a" * 3000,
    )
    payloads = render_slack(build_digest([long], channel="s", generated_at=GENERATED_AT, cap=1))
    check_slack_limits(payloads)
    text = next(b for b in payloads[0]["blocks"] if b.get("block_id") == "story-999")["text"]["text"]
    assert not re.search(r"&(?!amp;|lt;|gt;)", text)  # no half entity left by a cut
    assert text.startswith("*1. &amp;&amp;")  # the 3,000-character URL gave way, the title did not


# --------------------------------------------------------------------------------------------------
# Golden files
# --------------------------------------------------------------------------------------------------


def _golden_forms() -> dict[str, str]:
    d = sample_digest(cap=7)
    return {
        "digest.txt": render_text(d),
        "digest.md": render_markdown(d),
        "digest.html": render_html(d),
        "digest.slack.json": json.dumps(render_slack(d), ensure_ascii=False, indent=2) + "\n",
    }


@pytest.mark.parametrize("name", ["digest.txt", "digest.md", "digest.html", "digest.slack.json"])
def test_golden(name: str) -> None:
    rendered = _golden_forms()[name]
    path = GOLDEN / name
    if os.environ.get("MONITOR_REGEN_GOLDEN") == "1":
        path.parent.mkdir(exist_ok=True)
        path.write_text(rendered, encoding="utf-8")
        pytest.skip(f"regenerated {path}; review the diff")
    if not path.exists():
        pytest.fail(f"{path} is missing: write it with MONITOR_REGEN_GOLDEN=1 and review it")
    assert rendered == path.read_text(encoding="utf-8"), f"{name} changed; regenerate on purpose if intended"
