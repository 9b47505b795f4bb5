"""`monitor stories` and `monitor story ID`: what the clusterer made of the stored articles.

Times are shown in KST (the analysts' clock); JSON carries the stored UTC ISO text plus a KST copy.
"""

from __future__ import annotations

import argparse
import re
from datetime import timedelta
from typing import Any

from monitor.cli.common import config_from, open_store, print_json, table
from monitor.clock import format_kst, utcnow
from monitor.deliver import topic_labels
from monitor.errors import MonitorError
from monitor.match import short_label
from monitor.plural import counted
from monitor.stories import StoryTracker, recluster


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("stories", help="recent stories: one development, however many outlets carried it")
    p.add_argument(
        "--since",
        metavar="AGE",
        default=None,
        help='only stories updated in this period, e.g. "24h", "3d", "90m" (default: all)',
    )
    p.add_argument("--relevant", action="store_true", help="only stories with a member matched relevant")
    p.add_argument("--min-size", type=int, default=1, metavar="N", help="only stories of N or more articles")
    p.add_argument("-n", "--limit", type=int, default=30, help="how many (newest updated first; 0: all)")
    p.add_argument("--json", action="store_true")
    p.add_argument(
        "--recluster",
        action="store_true",
        help="cluster every stored article again from scratch (deterministic), then list",
    )
    p.set_defaults(func=cmd_stories)

    s = sub.add_parser("story", help="one story's members: outlet, time, how and why each joined")
    s.add_argument("id", type=int, help="story id (as `monitor stories` shows), or any member's article id")
    s.add_argument("--json", action="store_true")
    s.set_defaults(func=cmd_story)


_AGE_RE = re.compile(r"^\s*(\d+(?:\.\d+)?)\s*([mhdw])\s*$")
_UNIT_S = {"m": 60, "h": 3600, "d": 86400, "w": 7 * 86400}


def _age(text: str) -> timedelta:
    found = _AGE_RE.match(text)
    if not found:
        raise MonitorError(f"--since {text!r}: give an age such as 90m, 24h, 3d or 2w")
    return timedelta(seconds=float(found.group(1)) * _UNIT_S[found.group(2)])


def cmd_stories(args: argparse.Namespace) -> int:
    config = config_from(args)
    since = utcnow() - _age(args.since) if args.since else None
    with open_store(config) as store:
        note = None
        if args.recluster:
            result = recluster(store, StoryTracker.from_settings(config.stories) or StoryTracker())
            note = (
                f"re-clustered {counted(result.articles, 'article')} "
                f"into {counted(result.stories, 'story')} "
                f"({counted(result.changed, 'decision')} changed)"
            )
        rows = store.recent_stories(
            since=since, relevant=args.relevant, min_size=args.min_size, limit=args.limit or None
        )
        counts = store.story_counts()
    if args.json:
        print_json(
            {"stories": [_story_json(r) for r in rows], **counts, **({"recluster": note} if note else {})}
        )
        return 0
    if note:
        print(note)
    if not rows:
        print(
            "no stories" + (" in that period" if since else "") + " (stories form as `monitor poll` stores "
            "articles)"
        )
        return 0
    label = _labeller(config)
    print(
        table(
            [
                [
                    str(r["id"]),
                    format_kst(r["last_updated_at"]),
                    str(r["size"]),
                    str(r["outlet_count"]),
                    f"{r['best_score']:.2f}" + (" ✓" if r["relevant"] else ""),
                    ", ".join(map(label, r["topics"][:3])),
                    r["title"],
                ]
                for r in rows
            ],
            ["story", "updated (KST)", "articles", "outlets", "score", "topics", "lead title"],
        )
    )
    print(
        f"\n{len(rows)} shown; {counted(counts['total_stories'], 'story')} from "
        f"{counted(counts['clustered_articles'], 'article')} "
        f"(largest {counts['largest_story']}). Members: monitor story ID"
    )
    return 0


def _labeller(config: Any) -> Any:
    """Topic id → its Korean label without the examples (공급망 회복력), for the text a person reads; the
    JSON keeps the ids, which scripts compare."""
    labels = topic_labels(config)

    def label(topic: str) -> str:
        return short_label(labels.get(topic, topic))

    return label


def cmd_story(args: argparse.Namespace) -> int:
    config = config_from(args)
    with open_store(config) as store:
        story = store.story_row(args.id)
        if story is None:  # an article id works too: show the story it belongs to
            owner = store.story_of(args.id)
            story = store.story_row(owner) if owner is not None else None
        if story is None:
            error = MonitorError(f"no story or article with id {args.id} in {config.storage.path}")
            error.hint = "`monitor stories` lists story ids"
            raise error
        members = store.story_members(story["id"])
    if args.json:
        print_json({**_story_json(story), "members": [_member_json(m) for m in members]})
        return 0
    print(f"story {story['id']}: {story['title']}")
    print(
        f"  {counted(story['size'], 'article')} from {counted(story['outlet_count'], 'outlet')} "
        f"({', '.join(story['outlets'])})"
    )
    print(
        f"  first {format_kst(story['first_seen_at'])}, last updated {format_kst(story['last_updated_at'])}"
        f", last development {format_kst(story['last_development_at'])}"
        f"; best score {story['best_score']:.2f}"
        + (" (relevant)" if story["relevant"] else "")
        + (f"; topics {', '.join(map(_labeller(config), story['topics']))}" if story["topics"] else "")
    )
    print()
    print(
        table(
            [
                [
                    str(m["article_id"]) + (" *" if m["article_id"] == story["lead_article_id"] else ""),
                    m["outlet"],
                    format_kst(m["time"]),
                    m["reason"],
                    f"{m['similarity']:.2f}",
                    _via(m),
                    _why(m),
                    m["title"],
                    m["url"],
                ]
                for m in members
            ],
            ["article", "outlet", "time (KST)", "joined as", "sim", "via", "why", "title", "url"],
        )
    )
    print(
        "\n* lead article. joined as: new = first report; exact = same URL or text; near_duplicate = a copy"
        " (sim = body similarity); same_event = another write-up (sim = event score); updated = content"
        " changed since. via = the member it was matched against (its outlet); why = the features that"
        " carried the join, strongest first"
    )
    return 0


#: Features shown per member in the table (all of them are in --json).
_WHY_SHOWN = 4


def _via(m: dict[str, Any]) -> str:
    via = m["joined_via"]
    if via is None:
        return "-"
    return f"{via['article_id']} ({via['outlet']})" if via["outlet"] else str(via["article_id"])


def _why(m: dict[str, Any]) -> str:
    shown = [f"{e['feature']} {e['value']:.2f}" for e in m["evidence"][:_WHY_SHOWN]]
    more = len(m["evidence"]) - _WHY_SHOWN
    return ", ".join(shown) + (f" +{more}" if more > 0 else "") if shown else "-"


def _story_json(r: dict[str, Any]) -> dict[str, Any]:
    return {
        **r,
        "first_seen_kst": format_kst(r["first_seen_at"]),
        "last_updated_kst": format_kst(r["last_updated_at"]),
        "last_development_kst": format_kst(r.get("last_development_at")),
        "relevant": bool(r["relevant"]),
    }


def _member_json(m: dict[str, Any]) -> dict[str, Any]:
    return {
        **m,
        "time_kst": format_kst(m["time"]),
        "relevant": None if m["relevant"] is None else bool(m["relevant"]),
    }
