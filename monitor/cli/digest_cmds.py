"""`monitor digest`: send a digest now, try one without sending, preview every format, or show the channels.

    monitor digest                         channels, their schedules (KST), next run and last digest
    monitor digest --now [--channel NAME]  one digest per channel now (ignores quiet hours and backoff)
    monitor digest --now --dry-run         what would go out; nothing sent or recorded
    monitor digest --alerts                instant alerts now (also ignores quiet hours and backoff)
    monitor digest --preview DIR           every format into DIR; nothing sent or recorded

Exit code 1 when a channel failed, so cron and scripts notice; the other channels still went out.
"""

from __future__ import annotations

import argparse
from datetime import datetime

from monitor.cli.common import config_from, open_store, print_json
from monitor.clock import KST, format_kst, utcnow
from monitor.deliver import channel_plans, preview, run_alerts, run_digest
from monitor.models import DigestOutcome
from monitor.plural import counted


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser(
        "digest",
        help="send, try or preview a digest; without options, show the channels and their schedules",
        description="Digests go to the channels in [delivery.*] (file by default) on the [digest] schedules.",
    )
    what = p.add_mutually_exclusive_group()
    what.add_argument("--now", action="store_true", help="send one digest per channel now")
    what.add_argument(
        "--alerts", action="store_true", help="send instant alerts now (digest.alert_threshold)"
    )
    what.add_argument("--preview", metavar="DIR", help="write every format to DIR; send and record nothing")
    p.add_argument(
        "--include-sent",
        action="store_true",
        help="with --preview: also the stories already sent (look at a digest that went out again)",
    )
    p.add_argument("--channel", metavar="NAME", help="only this channel: file, email or slack")
    p.add_argument(
        "--dry-run", action="store_true", help="with --now/--alerts: select and build, send nothing"
    )
    p.add_argument("--json", action="store_true", help="outcomes as JSON")
    p.set_defaults(func=cmd_digest)


def cmd_digest(args: argparse.Namespace) -> int:
    config = config_from(args)
    with open_store(config) as store:
        if args.preview:
            written = preview(config, store, args.preview, args.channel, include_sent=args.include_sent)
            for channel, paths in written.items():
                print(f"{channel}: preview written, nothing sent or recorded")
                for path in paths:
                    print(f"  {path}")
            return 0
        if args.include_sent:
            print("monitor: --include-sent goes with --preview DIR")
            return 2
        if args.now or args.alerts:
            if args.alerts:
                outcomes = run_alerts(config, store, dry_run=args.dry_run, channel=args.channel, manual=True)
            else:
                outcomes = run_digest(config, store, args.channel, dry_run=args.dry_run, manual=True)
            if args.json:
                print_json([_as_dict(o) for o in outcomes])
            else:
                if not outcomes:
                    print("no channel has alerts on (set digest.alert_threshold)")
                for o in outcomes:
                    print(describe(o))
            return 1 if any(o.status == "failed" for o in outcomes) else 0
        if args.dry_run:
            print("monitor: --dry-run goes with --now or --alerts")
            return 2
        return _show(config, store, args)


def describe(o: DigestOutcome) -> str:
    """One truthful line (two with an error) for a channel's outcome."""
    what = "an alert" if o.kind == "alert" else "a digest"
    bare = what.split()[1]
    ids = f" [{', '.join(o.message_ids)}]" if o.message_ids else ""
    updates = f" ({counted(o.updates, 'update')})" if o.updates else ""
    left = f"; {o.pending} more pending" if o.pending else ""
    retry = f"; next try {format_kst(o.next_retry)}" if o.next_retry else ""
    if o.dry_run and o.status == "sent":
        line = f"{o.channel}: would send {what} of {counted(o.stories, 'story')}{updates}{left} (dry run)"
    elif o.status == "sent":
        line = f"{o.channel}: sent {what} of {counted(o.stories, 'story')}{updates}{ids}{left}"
        line += f"\n  warning: {o.error}" if o.error else ""
        line += "".join(f"\n  {p}" for p in o.paths)
    elif o.status == "empty":
        line = f"{o.channel}: nothing new, no {bare} sent"
    elif o.status == "quiet":
        line = f"{o.channel}: quiet hours, held{retry}"
    elif o.status == "busy":
        line = f"{o.channel}: another digest run is sending to this channel; nothing done"
    elif o.status == "skipped":
        line = f"{o.channel}: skipped, backing off after a failure{retry}"
    else:
        partly = (
            (
                f"; {counted(o.stories, 'story')} {'was' if o.stories == 1 else 'were'} accepted before it "
                f"failed{ids}"
            )
            if o.stories
            else ""
        )
        line = f"{o.channel}: FAILED: {o.error}{partly}{retry}"
    return line


def _show(config, store, args: argparse.Namespace) -> int:
    from apscheduler.triggers.cron import CronTrigger

    plans = channel_plans(config)
    last = store.last_digests()
    now = utcnow()
    rows = []
    for name, plan in plans.items():
        if args.channel and name != args.channel:
            continue
        nexts = [
            CronTrigger.from_crontab(c, timezone=KST).get_next_fire_time(None, now.astimezone(KST))
            for c in plan.schedules
        ]
        upcoming = min((n for n in nexts if n is not None), default=None)
        state = last.get(name, {})
        quiet = None
        if plan.quiet_hours:
            (h1, m1), (h2, m2) = (divmod(m, 60) for m in plan.quiet_hours)
            quiet = f"{h1:02d}:{m1:02d}-{h2:02d}:{m2:02d}"
        rows.append(
            {
                "channel": name,
                "schedules": list(plan.schedules),
                "next_run": upcoming,
                "threshold": plan.threshold,
                "cap": plan.cap,
                "alert_threshold": plan.alert_threshold,
                "quiet_hours": quiet,
                **state,
            }
        )
    if args.json:
        print_json(rows)
        return 0
    for r in rows:
        print(f"{r['channel']}: {', '.join(r['schedules'])} (Asia/Seoul); next {_kst(r['next_run'])}")
        least = f"score ≥ {r['threshold']:g}" if r["threshold"] else "every relevant story"
        rules = [f"cap {r['cap']}", least]
        if r["alert_threshold"]:
            rules.append(f"alerts at score ≥ {r['alert_threshold']:g}")
        if r["quiet_hours"]:
            rules.append(f"quiet {r['quiet_hours']} KST")
        print(f"  {'; '.join(rules)}")
        if r.get("last_attempt_at"):
            print(
                f"  last run {format_kst(r['last_attempt_at'])}: {r['last_status']}, "
                f"{counted(r['last_story_count'], 'story')}; "
                f"last sent {format_kst(r.get('last_success_at'))}; "
                f"{counted(r['delivered_total'], 'story')} delivered in all"
            )
        if r.get("next_attempt_at"):
            print(
                f"  failing ({r['consecutive_failures']}×): {r['last_error']}; "
                f"next try {format_kst(r['next_attempt_at'])}"
            )
    return 0


def _kst(value: datetime | None) -> str:
    return format_kst(value) if value else "-"


def _as_dict(o: DigestOutcome) -> dict[str, object]:
    return {name: getattr(o, name) for name in o.__dataclass_fields__}
