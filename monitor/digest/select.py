"""Digests: from the stories a channel has not seen to text, HTML, Markdown and Slack Block Kit.

    DigestStory[] ─build_digest─▶ Digest ─render_text / render_html / render_markdown / render_slack─▶ …

:func:`build_digest` makes every decision a reader can notice: which stories are shown (ranking and cap),
how they are grouped, and every word and number printed (counts, "외 3개 매체", KST times, the cut
snippet). The renderers only lay that out and escape it for their format, so the formats of one digest
can never disagree on a fact. Selecting the stories from SQLite and the delivery ledger are not here:
the store builds the ``DigestStory`` values and records what a channel accepted.

Ranking (documented because readers see its result as "most important first")::

    weight = max(score, 0) × (1 + 0.25 · ln(outlet_count)) × 0.5 ^ (age_hours / 24)

The matcher's score leads; more outlets carrying a story raise it gently (log-damped, so a wire story
copied by 40 outlets gains ×1.9, not ×40); age since publication halves it every 24 hours, so
yesterday's big story can still beat this morning's marginal one. Ties go to more outlets, then the
newer story, then the lower story id, so the order is deterministic (golden files rely on that).
"""

from __future__ import annotations

import hashlib
import math
import re
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from urllib.parse import quote, urlsplit

from monitor.clock import format_kst, to_utc
from monitor.lang import strip_dateline
from monitor.models import Digest, DigestItem, DigestSection, DigestStory

BRAND = "한미일 경제안보"
HEADING = f"{BRAND} 브리핑"
UPDATES_TITLE = "업데이트"
#: The section of context-tier stories (../RELEVANCE.md: one actor's measure that shapes the agenda), shown
#: below every core section so a reader sees the cooperation first.
CONTEXT_TITLE = "참고: 관련 동향"
NO_TOPIC = "기타"
MORE_COMMAND = "monitor stories"

#: Characters of snippet shown: about two lines of Korean at the HTML layout's 640 px.
SNIPPET_CHARS = 110
#: A title longer than this is garbage from a broken feed; cut so it cannot swamp the layout.
TITLE_CHARS = 200
#: Other outlets named after "외 N개 매체" before "등"; the count always covers all of them.
OUTLETS_NAMED = 5
#: Matched terms listed before "외 N개".
TERMS_NAMED = 6
#: Topics named per story, strongest first: a briefing says what a story is mostly about.
TOPICS_NAMED = 3

OUTLET_WEIGHT = 0.25
RECENCY_HALF_LIFE_H = 24.0


# --------------------------------------------------------------------------------------------------
# Building the model
# --------------------------------------------------------------------------------------------------


def build_digest(
    stories: Iterable[DigestStory],
    *,
    channel: str,
    generated_at: datetime,
    cap: int,
    since: datetime | None = None,
    topic_order: Sequence[str] | None = None,
    topic_labels: Mapping[str, str] | None = None,
) -> Digest:
    """The digest of ``stories`` (new and updated, already selected for ``channel``), at most ``cap`` shown.

    ``topic_order`` (e.g. the topics in config order) fixes the order of the sections; topics not in it
    follow, strongest first, and stories without a topic come last under "기타". Without it, sections are
    ordered by their strongest story. The cap applies to new stories and updates together, by rank.
    New stories of the context tier are listed apart, below the core sections, in rank order.
    ``topic_labels`` (topic id → label) words any topic id a story still carries, so a reader never sees
    ``supply_chain``.
    """
    if cap < 1:
        raise ValueError(f"cap must be at least 1, not {cap}")
    stories = [_labelled(s, topic_labels) for s in stories] if topic_labels else list(stories)
    _check_unique(stories)
    now = to_utc(generated_at)
    ranked = sorted(stories, key=lambda s: rank_key(s, now))
    shown, omitted = ranked[:cap], ranked[cap:]
    groups = _group_new(s for s in shown if not s.is_update and s.tier != "context")
    order = _section_order(groups, topic_order)
    context_in = [s for s in shown if not s.is_update and s.tier == "context"]
    updates_in = [s for s in shown if s.is_update]
    numbered = _number([groups[t] for t in order] + [context_in, updates_in])
    *section_items, context_items, update_items = numbered
    sections = tuple(DigestSection(t, items) for t, items in zip(order, section_items, strict=True))
    new_total = sum(not s.is_update for s in stories)
    update_total = len(stories) - new_total
    return Digest(
        digest_id=_digest_id(channel, now, ranked),
        channel=channel,
        generated_at=now,
        since=to_utc(since) if since else None,
        subject=f"[{BRAND}] {_counts(new_total, update_total)} — {format_kst(now, weekday=True)}",
        heading=HEADING,
        dateline=_dateline(now, since),
        summary=_counts(new_total, update_total) + (f" — 상위 {len(shown)}건" if omitted else ""),
        sections=sections,
        updates=update_items,
        new_total=new_total,
        update_total=update_total,
        more=f"외 {len(omitted)}건 더 — `{MORE_COMMAND}`로 전체 보기" if omitted else "",
        omitted_story_ids=tuple(s.story_id for s in omitted),
        context=context_items,
    )


def _labelled(story: DigestStory, labels: Mapping[str, str]) -> DigestStory:
    topics = tuple(labels.get(t, t) for t in story.topics)
    return story if topics == story.topics else replace(story, topics=topics)


def weight(story: DigestStory, now: datetime) -> float:
    """The ranking weight (formula in the module docstring)."""
    age_h = max(0.0, (now - to_utc(story.shown_at)).total_seconds() / 3600)
    outlets = 1 + OUTLET_WEIGHT * math.log(story.outlet_count)
    score = story.score if math.isfinite(story.score) and story.score > 0 else 0.0  # NaN would break sorting
    return score * outlets * math.pow(0.5, age_h / RECENCY_HALF_LIFE_H)


def rank_key(story: DigestStory, now: datetime) -> tuple[float, int, float, int]:
    """Sort key, best first: weight, then outlets, then newer, then story id (for a stable order)."""
    return (-weight(story, now), -story.outlet_count, -to_utc(story.shown_at).timestamp(), story.story_id)


def _check_unique(stories: list[DigestStory]) -> None:
    seen: set[int] = set()
    for s in stories:
        if s.story_id in seen:
            raise ValueError(f"story {s.story_id} given twice")
        seen.add(s.story_id)


def _group_new(stories: Iterable[DigestStory]) -> dict[str, list[DigestStory]]:
    """Ranked stories by primary topic; each list keeps the rank order."""
    groups: dict[str, list[DigestStory]] = {}
    for s in stories:
        topic = _clean(s.topics[0]) if s.topics else ""
        groups.setdefault(topic or NO_TOPIC, []).append(s)
    return groups


def _section_order(groups: dict[str, list[DigestStory]], topic_order: Sequence[str] | None) -> list[str]:
    """Configured topics in their order, then the others in the order of their best story; 기타 last.

    ``groups`` is filled in rank order, so its insertion order already is "strongest first".
    """
    position = {t: i for i, t in enumerate(topic_order or ())}
    return sorted(groups, key=lambda t: (t == NO_TOPIC, position.get(t, len(position))))


def _number(groups: list[list[DigestStory]]) -> list[tuple[DigestItem, ...]]:
    """Items for each group, numbered 1.. across all of them in reading order."""
    out: list[tuple[DigestItem, ...]] = []
    n = 0
    for group in groups:
        items = []
        for s in group:
            n += 1
            items.append(_item(s, n))
        out.append(tuple(items))
    return out


def _item(s: DigestStory, number: int) -> DigestItem:
    others = [_clean(o) for o in s.other_outlets]
    lead = _clean(s.lead_outlet) or "출처 미상"
    return DigestItem(
        story=s,
        number=number,
        title=cut_text(_clean(s.title), TITLE_CHARS) or "(제목 없음)",
        link=safe_link(s.url),
        outlets=f"{lead} 외 {len(others)}개 매체" if others else lead,
        other_outlets=_named(others, OUTLETS_NAMED, "등"),
        when=format_kst(s.shown_at),
        topics=_named([t for t in map(_clean, s.topics) if t], TOPICS_NAMED, None, sep=" · "),
        # the one-sentence reason when the store could word it; the term list for older callers
        terms=_clean(s.why) or _named([t for t in map(_clean, s.matched_terms) if t], TERMS_NAMED, None),
        # a feed summary often starts with the dateline ("[세종=뉴스핌] 김기랑 기자 ="): not the story
        snippet=cut_text(strip_dateline(_clean(s.snippet)), SNIPPET_CHARS),
        note=cut_text(_clean(s.update_note or ""), TITLE_CHARS) if s.is_update else "",
        other_outlet_links=_outlet_links(s, others),
    )


def _outlet_links(s: DigestStory, others: list[str]) -> tuple[tuple[str, str | None], ...]:
    """The named other outlets, each with its own report's link where the store has one."""
    links = {_clean(name): safe_link(link) for name, link in s.outlet_links}
    if not any(links.get(o) for o in others[:OUTLETS_NAMED]):
        return ()
    return tuple((o, links.get(o)) for o in others[:OUTLETS_NAMED])


def _named(names: list[str], limit: int, rest: str | None, *, sep: str = ", ") -> str:
    """The first ``limit`` names; then "등" (``rest``) or a true "외 N개" for what was left out."""
    shown = sep.join(names[:limit])
    left = len(names) - limit
    if left <= 0:
        return shown
    return f"{shown} {rest}" if rest else f"{shown} 외 {left}개"


def _counts(new: int, updated: int) -> str:
    parts = [f"새 소식 {new}건"] if new else []
    if updated:
        parts.append(f"{UPDATES_TITLE} {updated}건")
    return " · ".join(parts) or "새 소식 없음"


def _dateline(now: datetime, since: datetime | None) -> str:
    line = format_kst(now, weekday=True)
    return f"{line} · {format_kst(since, weekday=True)} 이후" if since else line


def _digest_id(channel: str, now: datetime, stories: list[DigestStory]) -> str:
    """Same channel, time and stories → same id; a hex string safe in Message-IDs and file names."""
    basis = f"{channel}|{now.isoformat()}|{','.join(str(s.story_id) for s in stories)}"
    return hashlib.sha256(basis.encode()).hexdigest()[:16]


_INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060-\u2069\ufeff]")
_CONTROL = re.compile("[\x00-\x1f\x7f-\x9f]")  # Unicode category Cc, exactly


def _clean(text: str) -> str:
    """One line of visible text: control and bidi/zero-width characters out, whitespace runs to a space.

    Bidi overrides could make a title display as something else; newlines would break every layout
    (and start a Slack quote or a Markdown heading).
    """
    text = _INVISIBLE.sub("", text)
    text = _CONTROL.sub(" ", text)
    return " ".join(text.split())


def cut_text(text: str, limit: int) -> str:
    """At most ``limit`` characters, ending with "…" when cut; at a space if one is near the end."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    space = head.rfind(" ")
    if space >= limit * 0.7:
        head = head[:space]
    return head.rstrip(" ,.·") + "…"


def safe_link(url: str | None) -> str | None:
    """``url`` if it is an absolute http(s) URL, with characters that could break out of a link encoded.

    Escaping cannot make ``javascript:`` harmless in an href, so anything but http(s) is not linked.
    """
    if not url:
        return None
    url = url.strip()
    try:
        parts = urlsplit(url)
    except ValueError:
        return None
    if parts.scheme.lower() not in ("http", "https") or not parts.netloc:
        return None
    return quote(url, safe="/:?#[]@!$&'*+,;=%~-._")
