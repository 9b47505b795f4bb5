"""`monitor feeds check | add | import | export`: the feed list, checked and exchanged (issue 15)."""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

from monitor.cli.common import config_from, print_json, table
from monitor.clock import format_kst, utcnow
from monitor.errors import ConfigError
from monitor.plural import counted


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("feeds", help="check the configured feeds, add one, import or export OPML")
    feeds = p.add_subparsers(dest="feeds_command", metavar="ACTION")

    c = feeds.add_parser(
        "check",
        help="fetch every enabled feed once (stores nothing) and say what is wrong "
        "with each: status, redirects, items, newest item, zombies, fixes",
    )
    c.add_argument("--feed", action="append", metavar="NAME", help="check only this feed (repeatable)")
    c.add_argument("--json", action="store_true", help="print one JSON object per feed")
    c.set_defaults(func=cmd_check)

    a = feeds.add_parser(
        "add",
        help="discover a site's feed (or take a feed URL), check it and append it "
        "to the config file, keeping its comments and layout",
    )
    a.add_argument("url", help="a feed URL, or a site whose page names its feed")
    a.add_argument("--name", help="the feed's name (default: the feed's own title)")
    a.add_argument("--language", choices=("ko", "en"), help="the language its articles are written in")
    a.set_defaults(func=cmd_add)

    i = feeds.add_parser(
        "import",
        help="add the feeds of an OPML file (Feedly, Inoreader, Miniflux) to the "
        "config; feeds already there are skipped",
    )
    i.add_argument("file", help="the OPML file")
    i.set_defaults(func=cmd_import)

    e = feeds.add_parser("export", help="print the configured feeds as OPML 2.0")
    e.add_argument("-o", "--output", metavar="FILE", help="write to FILE instead of stdout")
    e.set_defaults(func=cmd_export)

    p.set_defaults(func=lambda args: (p.print_help(), 2)[1])


def cmd_check(args: argparse.Namespace) -> int:
    from monitor.sources import run_checks, state_path_for

    config = config_from(args)
    names = {f.name for f in config.feeds}
    unknown = [n for n in args.feed or () if n not in names]
    if unknown:
        raise ConfigError(
            [f"--feed {n!r}: no feed of that name in the config" for n in unknown], str(config.path)
        )
    specs = [f for f in config.feeds if (f.name in args.feed if args.feed else f.enabled)]
    checks = run_checks(specs, config.fetch, state_path=state_path_for(config.storage.path))
    if args.json:
        print_json([c.as_json() for c in checks])
    else:
        now = utcnow()
        rows = []
        for c in checks:
            newest = format_kst(c.newest) if c.newest else "-"
            rows.append(
                [
                    c.feed,
                    "ok" if c.usable else c.problem or "?",
                    str(c.http_status or "-"),
                    str(c.items),
                    newest,
                    c.encoding or "-",
                    f"{c.elapsed_s:.1f}s",
                ]
            )
        print(table(rows, ["feed", "verdict", "http", "items", "newest (KST)", "encoding", "time"]))
        for c in checks:
            if c.problem or c.fix:
                print(f"\n{c.feed}: {c.detail or 'usable'}")
                if c.redirects:
                    print("  redirects: " + " → ".join(f"{s} {u}" for s, u in c.redirects))
                for alt in c.alternates:
                    print(f"  names the feed {alt}")
                if c.fix:
                    print(f"  fix: {c.fix}")
        bad = sum(1 for c in checks if not c.usable)
        print(f"\n{len(checks) - bad} of {counted(len(checks), 'feed')} usable (checked {format_kst(now)})")
    return 0 if all(c.usable for c in checks) else 1


def cmd_add(args: argparse.Namespace) -> int:
    from monitor.sources import add_feed

    config = config_from(args)
    added = add_feed(config, args.url, name=args.name, language=args.language)
    print(
        f"added feed {added.name!r}: {added.url} ({counted(added.items, 'item')}, {added.how}) "
        f"to {config.path}"
    )
    return 0


def cmd_import(args: argparse.Namespace) -> int:
    from monitor.sources import import_opml

    config = config_from(args)
    outcome = import_opml(config, Path(args.file))
    for line in outcome.skipped:
        print(f"skipped: {line}", file=sys.stderr)
    print(
        f"imported {counted(len(outcome.added), 'feed')} into {config.path}"
        + (f" ({len(outcome.skipped)} skipped)" if outcome.skipped else "")
    )
    for name in outcome.added:
        print(f"  + {name}")
    return 0


def cmd_export(args: argparse.Namespace) -> int:
    from monitor.sources import write_opml

    config = config_from(args)
    text = write_opml(config.feeds, title=f"monitor feeds ({config.path.name})")
    if args.output:
        Path(args.output).write_text(text, encoding="utf-8")
        print(f"wrote {counted(len(config.feeds), 'feed')} to {args.output}")
    else:
        sys.stdout.write(text)
    return 0
