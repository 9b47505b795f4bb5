"""OPML 2.0, the format feed readers (Feedly, Inoreader, Miniflux, NetNewsWire) exchange subscriptions in.

Reading takes every ``<outline>`` with an ``xmlUrl``, at any depth: the folders above it (Feedly's
categories, Inoreader's folders) become its path, which the import turns into the feed's tags. Writing
gives one folder per feed's first tag, so the tags survive a round trip through a reader.

Read with lxml (already a dependency) rather than listparser: listparser is lenient and reports a
broken file as a flag on a partial result; an import should instead stop and name the line, and lxml's
errors carry it. Entities are not resolved and nothing is fetched (an OPML file is someone else's).
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, datetime
from email.utils import format_datetime
from pathlib import Path
from xml.sax.saxutils import quoteattr

from lxml import etree

from monitor.errors import ConfigError
from monitor.models import FeedSpec

_PARSER = etree.XMLParser(resolve_entities=False, no_network=True, remove_comments=True, huge_tree=False)


@dataclass(frozen=True, slots=True)
class OpmlFeed:
    """One subscription of an OPML file."""

    title: str
    url: str
    folders: tuple[str, ...]  # the outlines above it, outermost first
    line: int  # where it is in the file, for messages
    language: str | None = None
    html_url: str | None = None
    #: OPML 2.0's ``category`` attribute, each "/path" as a tag ("/wire,/economy" → wire, economy).
    categories: tuple[str, ...] = ()


def read_opml(path: Path) -> list[OpmlFeed]:
    """Every subscription in an OPML file, in file order; a ConfigError naming the line if unreadable."""
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"cannot read {path}: {exc.strerror or exc}"]) from None
    try:
        root = etree.fromstring(data, _PARSER)
    except etree.XMLSyntaxError as exc:
        line = exc.lineno or (exc.position[0] if exc.position else 0)
        raise ConfigError([f"{path}:{line}: not well-formed XML: {exc.msg}"]) from None
    if not isinstance(root.tag, str) or root.tag.lower() != "opml":
        raise ConfigError(
            [f"{path}:{root.sourceline}: not an OPML file (the root element is <{root.tag}>, not <opml>)"]
        )
    body = root.find("body")
    if body is None:
        raise ConfigError([f"{path}: an OPML file without <body>: no subscriptions"])
    found: list[OpmlFeed] = []
    _walk(body, (), found)
    return found


def _walk(node: etree._Element, folders: tuple[str, ...], found: list[OpmlFeed]) -> None:
    for child in node:
        if not isinstance(child.tag, str) or child.tag.lower() != "outline":
            continue
        attrs = {k.lower() if isinstance(k, str) else k: v for k, v in child.attrib.items()}
        label = (attrs.get("title") or attrs.get("text") or "").strip()
        url = (attrs.get("xmlurl") or "").strip()
        if url:
            found.append(
                OpmlFeed(
                    label,
                    url,
                    folders,
                    child.sourceline or 0,
                    (attrs.get("language") or "").strip() or None,
                    (attrs.get("htmlurl") or "").strip() or None,
                    tuple(
                        c.strip().strip("/")
                        for c in (attrs.get("category") or "").split(",")
                        if c.strip().strip("/")
                    ),
                )
            )
        # A subscription's own children are unusual but harmless; a folder's are its feeds.
        _walk(child, (*folders, label) if not url and label else folders, found)


def write_opml(feeds: Sequence[FeedSpec], *, title: str, now: datetime | None = None) -> str:
    """The feeds as an OPML 2.0 document: one folder per first tag, untagged feeds at the top level."""
    now = now or datetime.now(UTC)
    lines = [
        '<?xml version="1.0" encoding="UTF-8"?>',
        '<opml version="2.0">',
        "  <head>",
        f"    <title>{_text(title)}</title>",
        f"    <dateCreated>{format_datetime(now)}</dateCreated>",
        "  </head>",
        "  <body>",
    ]
    # Config order is kept: a folder stands where its first feed is, with all of its feeds.
    folders: dict[str, list[FeedSpec]] = {}
    for feed in feeds:
        if feed.tags:
            folders.setdefault(feed.tags[0], []).append(feed)
    done: set[str] = set()
    for feed in feeds:
        if not feed.tags:
            lines.append("    " + _outline(feed))
            continue
        folder = feed.tags[0]
        if folder in done:
            continue
        done.add(folder)
        lines.append(f"    <outline text={quoteattr(folder)} title={quoteattr(folder)}>")
        lines += ["      " + _outline(member) for member in folders[folder]]
        lines.append("    </outline>")
    lines += ["  </body>", "</opml>", ""]
    return "\n".join(lines)


def _outline(feed: FeedSpec) -> str:
    attrs = [
        f"type={quoteattr('rss')}",
        f"text={quoteattr(feed.name)}",
        f"title={quoteattr(feed.name)}",
        f"xmlUrl={quoteattr(feed.url)}",
    ]
    if feed.language:
        attrs.append(f"language={quoteattr(feed.language)}")
    if len(feed.tags) > 1:
        # OPML 2.0's category: comma-separated, each a slash path; the first tag is the folder.
        attrs.append(f"category={quoteattr(','.join('/' + t for t in feed.tags[1:]))}")
    if not feed.enabled:
        attrs.append('isDisabled="true"')  # not in OPML 2.0's list; readers ignore unknown attributes
    return f"<outline {' '.join(attrs)}/>"


def _text(value: str) -> str:
    return value.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")
