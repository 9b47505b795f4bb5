"""build_digest with tiers: context stories in their own section after the core ones, numbered in reading
order before the updates; the one-sentence reason in place of the term list; topic ids worded by labels."""

from __future__ import annotations

from dataclasses import replace

from monitor.digest import CONTEXT_TITLE, build_digest, render_markdown, render_slack, render_text
from tests.digest_samples import GENERATED_AT, sample_stories

WHY = "한미일 + 핵심광물 in the title; 산업통상부 and 상무부 in the lede (core)"


def _stories():
    stories = sample_stories()
    # the strongest new story becomes context: it must still come after every core story
    first = next(s for s in stories if not s.is_update)
    rest = [s for s in stories if s.story_id != first.story_id]
    return [replace(first, tier="context", why="BIS + 수출통제 in the title (context)"), *rest]


def test_context_items_come_after_the_core_sections_and_before_the_updates() -> None:
    d = build_digest(_stories(), channel="file", generated_at=GENERATED_AT, cap=20)
    assert [i.story.tier for i in d.context] == ["context"]
    core = [i.number for s in d.sections for i in s.items]
    assert all(n < d.context[0].number for n in core)
    assert all(u.number > d.context[0].number for u in d.updates)
    assert [i.number for i in d.items] == list(range(1, len(d.items) + 1))
    assert d.context[0].story.story_id in d.story_ids  # delivered like any other item
    assert d.context[0].terms == "BIS + 수출통제 in the title (context)"
    for text in (render_text(d), render_markdown(d)):
        assert CONTEXT_TITLE in text
    headers = [b["text"]["text"] for p in render_slack(d) for b in p["blocks"] if b["type"] == "header"]
    assert f"{CONTEXT_TITLE} (1)" in headers
    assert headers.index(f"{CONTEXT_TITLE} (1)") > max(
        headers.index(f"{s.topic} ({len(s.items)})") for s in d.sections
    )


def test_the_reason_line_replaces_the_term_list_and_ids_become_labels() -> None:
    stories = [replace(s, why=WHY, topics=("supply_chain", *s.topics)) for s in sample_stories()]
    d = build_digest(stories, channel="file", generated_at=GENERATED_AT, cap=20,
                     topic_labels={"supply_chain": "공급망 회복력"})  # fmt: skip
    assert all(i.terms == WHY for i in d.items)
    assert all("supply_chain" not in i.topics for i in d.items)
    assert "공급망 회복력" in {s.topic for s in d.sections}
    text = render_text(d)
    assert "supply_chain" not in text and "외 " not in text.split(WHY)[0].splitlines()[-1]


def test_without_tiers_or_reasons_a_digest_reads_as_before() -> None:
    old = build_digest(sample_stories(), channel="file", generated_at=GENERATED_AT, cap=20)
    assert old.context == () and CONTEXT_TITLE not in render_text(old)
