"""Digests: from the stories a channel has not seen to what a reader gets.

    DigestStory[] ─build_digest─▶ Digest ─render_text / render_html / render_markdown / render_slack─▶ …

Behind this face:

- ``select``: :func:`build_digest`, every decision a reader can notice (ranking, cap, grouping, the words
  and numbers printed);
- ``render``: the formats (Jinja templates in ``templates/`` for text, HTML and Markdown; Slack Block Kit).

Pure: no store, no channels. A digest run, where those meet, is :mod:`monitor.deliver.dispatch`.
"""

from __future__ import annotations

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
from monitor.digest.select import (
    BRAND,
    CONTEXT_TITLE,
    UPDATES_TITLE,
    build_digest,
    rank_key,
    safe_link,
    weight,
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
    "kst_stamp",
    "markdown_escape",
    "rank_key",
    "render_html",
    "render_markdown",
    "render_slack",
    "render_text",
    "safe_link",
    "slack_escape",
    "slack_story_ids",
    "weight",
]
