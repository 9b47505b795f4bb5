"""Digests: from the stories a channel has not seen to what a reader gets.

    DigestStory[] ─build_digest─▶ Digest ─render_text / render_html / render_markdown / render_slack─▶ …

Behind this face:

- ``select``: :func:`build_digest`, every decision a reader can notice (ranking, cap, grouping, the words
  and numbers printed);
- ``render``: the formats (Jinja templates in ``templates/`` for text, HTML and Markdown; Slack Block Kit);
- ``dispatch``: a digest run, where the store, the digest and the channels meet (loaded on first use, since
  it needs the store and the channels, and the channels need this package's renderers).
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from monitor.digest.render import (
    SLACK_MAX_BLOCKS,
    SLACK_MAX_HEADER,
    SLACK_MAX_PAYLOAD,
    SLACK_MAX_TEXT,
    kst_stamp,
    markdown_escape,
    render_html,
    render_markdown,
    render_slack,
    render_text,
    slack_escape,
    slack_story_ids,
)
from monitor.digest.select import BRAND, CONTEXT_TITLE, UPDATES_TITLE, build_digest, rank_key, safe_link, weight

if TYPE_CHECKING:
    from monitor.digest.dispatch import (
        channel_plans,
        digest_schedules,
        in_quiet_hours,
        preview,
        run_alerts,
        run_digest,
        topic_labels,
    )

__all__ = [
    "BRAND",
    "CONTEXT_TITLE",
    "SLACK_MAX_BLOCKS",
    "SLACK_MAX_HEADER",
    "SLACK_MAX_PAYLOAD",
    "SLACK_MAX_TEXT",
    "UPDATES_TITLE",
    "build_digest",
    "channel_plans",
    "digest_schedules",
    "in_quiet_hours",
    "kst_stamp",
    "markdown_escape",
    "preview",
    "rank_key",
    "render_html",
    "render_markdown",
    "render_slack",
    "render_text",
    "run_alerts",
    "run_digest",
    "safe_link",
    "slack_escape",
    "slack_story_ids",
    "topic_labels",
    "weight",
]

#: Names loaded on first use: a digest run needs the store and the channels.
_LAZY = {name: "monitor.digest.dispatch" for name in (
    "channel_plans", "digest_schedules", "in_quiet_hours", "preview", "run_alerts", "run_digest", "topic_labels")}


def __getattr__(name: str) -> Any:
    module = _LAZY.get(name)
    if module is None:
        raise AttributeError(f"module 'monitor.digest' has no attribute {name!r}")
    import importlib

    return getattr(importlib.import_module(module), name)
