"""Rendering a Digest: text, HTML and Markdown through Jinja templates, and Slack Block Kit.

Every decision a reader can notice was made by :func:`monitor.digest.select.build_digest`; the
renderers only lay the model out and escape it for their format, so the formats of one digest can
never disagree on a fact.
"""

from __future__ import annotations

import functools
import json
import re
from collections.abc import Sequence
from typing import Any

import jinja2
from markupsafe import Markup, escape

from monitor.clock import format_kst
from monitor.digest.select import CONTEXT_TITLE, UPDATES_TITLE, cut_text
from monitor.models import Digest, DigestItem

# --------------------------------------------------------------------------------------------------
# Rendering: text, HTML and Markdown through templates
# --------------------------------------------------------------------------------------------------


def render_text(d: Digest) -> str:
    """The plain-text form (the email's text/plain part)."""
    return _template("digest.txt.j2").render(d=d)


def render_html(d: Digest) -> str:
    """A complete HTML document with inline CSS and table layout, for mail clients and browsers."""
    return _template("digest.html.j2").render(d=d)


def render_markdown(d: Digest) -> str:
    """The Markdown form (the file channel); every value from a feed is escaped, so it stays text."""
    return _template("digest.md.j2").render(d=d)


@functools.cache
def _environment() -> jinja2.Environment:
    env = jinja2.Environment(
        loader=jinja2.PackageLoader("monitor.digest", "templates"),
        autoescape=jinja2.select_autoescape(enabled_extensions=("html.j2",), default_for_string=False),
        undefined=jinja2.StrictUndefined,
        trim_blocks=True,
        lstrip_blocks=True,
        keep_trailing_newline=True,
    )
    env.filters["md"] = markdown_escape
    env.filters["md_link"] = _markdown_link_target
    env.filters["code_spans"] = _html_code_spans
    return env


def _template(name: str) -> jinja2.Template:
    return _environment().get_template(name)


_MD_SPECIAL = re.compile(r"([\\`*_\[\]<>#+!|~&])")


def markdown_escape(text: str) -> str:
    """Backslash-escape every character Markdown (CommonMark/GFM) could read as syntax or raw HTML."""
    return _MD_SPECIAL.sub(r"\\\1", text)


def _markdown_link_target(url: str) -> str:
    """A link destination that cannot end early: ``safe_link`` already encoded spaces and ``<>``."""
    return url.replace("(", "%28").replace(")", "%29")


def _html_code_spans(text: str) -> Markup:
    """Escape ``text`` and show its `backticked` parts as <code> (the "monitor stories" hint)."""
    parts = str(escape(text)).split("`")
    code = '<code style="font-family:Consolas,Menlo,monospace;background:#f3f4f6;padding:1px 4px;">'
    return Markup("".join(f"{code}{p}</code>" if i % 2 else p for i, p in enumerate(parts)))


# --------------------------------------------------------------------------------------------------
# Rendering: Slack Block Kit
# --------------------------------------------------------------------------------------------------

SLACK_MAX_BLOCKS = 50
SLACK_MAX_TEXT = 3000
SLACK_MAX_HEADER = 150
#: Our own ceiling on one message's JSON; Slack rejects very large messages ("msg_too_long").
SLACK_MAX_PAYLOAD = 40_000
#: Room kept in each message for the "k/n" line and the notification text.
_PACK_BUDGET = SLACK_MAX_PAYLOAD - 2_000
#: Prefix of the block_id of a story's block; the Slack channel reads story ids back from it.
SLACK_STORY_BLOCK = "story-"

# Lookalikes for mrkdwn's formatting characters: Slack has no backslash escape, and a title such as
# "*속보*" or "1~3월" must not turn bold or struck through.
_MRKDWN_NEUTRAL = str.maketrans({"*": "∗", "_": "ˍ", "~": "∼", "`": "ˋ"})


def render_slack(d: Digest) -> list[dict[str, Any]]:
    """Webhook payloads, in order, each within Slack's limits; one digest may need several messages.

    Every story is one block whose ``block_id`` is ``story-<id>`` (see :func:`slack_story_ids`), so a
    sender knows which stories a message carried. A topic header never ends a message without its first
    story. When there are several messages each ends with a "k/n" context line.
    """
    units = [_slack_intro(d)]
    for section in d.sections:
        units += _slack_group(f"{section.topic} ({len(section.items)})", section.items)
    if d.context:
        units += _slack_group(f"{CONTEXT_TITLE} ({len(d.context)})", d.context)
    if d.updates:
        units += _slack_group(f"{UPDATES_TITLE} ({len(d.updates)})", d.updates)
    if d.is_empty:
        units.append([_slack_context("새로 전할 소식이 없습니다.")])
    if d.more:
        units.append([_slack_context(_entities(d.more))])
    messages = _pack(units)
    return [_slack_payload(d, blocks, k, len(messages)) for k, blocks in enumerate(messages, 1)]


def slack_story_ids(payload: dict[str, Any]) -> tuple[int, ...]:
    """The story ids a payload from :func:`render_slack` carries, in order."""
    ids = (b.get("block_id", "") for b in payload.get("blocks", ()))
    return tuple(int(i[len(SLACK_STORY_BLOCK) :]) for i in ids if i.startswith(SLACK_STORY_BLOCK))


def slack_escape(text: str) -> str:
    """Text that Slack shows as written: no links, mentions (<!channel>, @here) or *formatting* from it.

    Slack's required escaping of ``& < >`` makes ``<!channel>`` and ``<http://x|y>`` plain text; a word
    joiner after "@" keeps "@here" from being read as a mention; formatting characters become lookalikes.
    """
    return _entities(text).replace("@", "@\u2060").translate(_MRKDWN_NEUTRAL)


def _entities(text: str) -> str:
    """Slack's own escaping, enough for text we wrote ourselves (it keeps our `code` and *bold*)."""
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def _slack_intro(d: Digest) -> list[dict[str, Any]]:
    return [
        _slack_header(d.heading),
        _slack_context(slack_escape(f"{d.dateline}\n{d.summary}")),
    ]


def _slack_group(title: str, items: Sequence[DigestItem]) -> list[list[dict[str, Any]]]:
    """Packing units: the header travels with the first story; each further story stands alone."""
    if not items:
        return []
    blocks = [_slack_story(i) for i in items]
    return [[_slack_divider(), _slack_header(title), blocks[0]], *([b] for b in blocks[1:])]


def _slack_story(item: DigestItem) -> dict[str, Any]:
    """One section block for a story; an absurdly long URL is dropped before the story's text is cut."""
    link = _entities(item.link) if item.link else None
    text = _story_mrkdwn(item, link)
    if len(text) > SLACK_MAX_TEXT and link:
        text = _story_mrkdwn(item, None)
    return {
        "type": "section",
        "block_id": f"{SLACK_STORY_BLOCK}{item.story.story_id}",
        "text": {"type": "mrkdwn", "text": _cut_escaped(text, SLACK_MAX_TEXT), "verbatim": True},
    }


def _story_mrkdwn(item: DigestItem, link: str | None) -> str:
    """Linked title (and update note), outlets and time, topics and terms, then the snippet as a quote."""
    label = slack_escape(f"{item.number}. {item.title}").replace("|", "¦")
    lines = [f"*<{link}|{label}>*" if link else f"*{label}*"]
    if item.note:
        lines = [f"*[{UPDATES_TITLE}]* {lines[0]}", slack_escape(item.note)]
    others = f" ({slack_escape(item.other_outlets)})" if item.other_outlets else ""
    if item.other_outlet_links:
        named = ", ".join(
            f"<{link}|{slack_escape(name).replace('|', '¦')}>" if link else slack_escape(name)
            for name, link in item.other_outlet_links
        )
        more = " 등" if item.other_outlets.endswith(" 등") else ""
        others = f" ({named}{more})"
    lines.append(f"{slack_escape(item.outlets)}{others} · {slack_escape(item.when)}")
    if item.topics or item.terms:
        why = (_label("주제", item.topics), _label("근거", item.terms))
        lines.append(slack_escape(" | ".join(p for p in why if p)))
    if item.snippet:
        lines.append(">" + slack_escape(item.snippet))
    return "\n".join(lines)


def _label(name: str, value: str) -> str:
    return f"{name}: {value}" if value else ""


def _cut_escaped(text: str, limit: int) -> str:
    """Cut escaped mrkdwn to ``limit`` characters without leaving half an entity such as "&am"."""
    if len(text) <= limit:
        return text
    head = text[: limit - 1]
    amp = head.rfind("&")
    if amp != -1 and ";" not in head[amp:]:
        head = head[:amp]
    return head + "…"


def _slack_header(text: str) -> dict[str, Any]:
    """A header block: plain text (never parsed for mentions or links), at most 150 characters."""
    return {"type": "header", "text": {"type": "plain_text", "text": cut_text(text, SLACK_MAX_HEADER)}}


def _slack_context(mrkdwn: str) -> dict[str, Any]:
    text = _cut_escaped(mrkdwn, SLACK_MAX_TEXT)
    return {"type": "context", "elements": [{"type": "mrkdwn", "text": text, "verbatim": True}]}


def _slack_divider() -> dict[str, Any]:
    return {"type": "divider"}


def _pack(units: list[list[dict[str, Any]]]) -> list[list[dict[str, Any]]]:
    """Units into messages in order: at most 49 blocks (one is kept for the "k/n" line) and a bounded size."""
    messages: list[list[dict[str, Any]]] = [[]]
    size = 0
    for unit in units:
        unit_size = len(json.dumps(unit, ensure_ascii=False))
        current = messages[-1]
        full = len(current) + len(unit) >= SLACK_MAX_BLOCKS or size + unit_size > _PACK_BUDGET
        if current and full:
            messages.append([])
            size = 0
        if unit[0]["type"] == "divider" and not messages[-1]:
            unit = unit[1:]  # a message does not start with a divider
        messages[-1].extend(unit)
        size += unit_size
    return messages


def _slack_payload(d: Digest, blocks: list[dict[str, Any]], k: int, n: int) -> dict[str, Any]:
    """One webhook body; ``text`` is the notification preview (and the fallback for old clients)."""
    text = slack_escape(d.subject if n == 1 else f"{d.subject} ({k}/{n})")
    if n > 1:
        blocks = [*blocks, _slack_context(f"메시지 {k}/{n}")]
    return {"text": text, "blocks": blocks}


# --------------------------------------------------------------------------------------------------
# Times for file names
# --------------------------------------------------------------------------------------------------


def kst_stamp(d: Digest) -> str:
    """'20261123-080000-KST': the digest's time for file names (sortable, no ':' for Windows)."""
    return format_kst(d.generated_at, seconds=True).replace("-", "").replace(":", "").replace(" ", "-")
