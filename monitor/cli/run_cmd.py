"""`monitor run` (the long-running service) and `monitor health` (its probe for Docker/Kubernetes)."""

from __future__ import annotations

import argparse
import logging
import signal
from pathlib import Path

from monitor.cli.common import config_from, print_json
from monitor.clock import utcnow
from monitor.config import parse_duration
from monitor.service import HEALTH_MAX_AGE_S, default_health_file, judge_health, read_health


def register(sub: argparse._SubParsersAction) -> None:
    r = sub.add_parser(
        "run",
        help="keep polling on each feed's interval, send digests, prune old text (stop with SIGTERM/Ctrl-C)",
    )
    r.add_argument(
        "--health-port",
        type=int,
        metavar="PORT",
        help="serve /healthz and /metrics on this port (default: service.health_port; 0: any free)",
    )
    r.add_argument(
        "--health-host", metavar="ADDR", help="listen address for --health-port (default 127.0.0.1)"
    )
    r.add_argument("--health-file", metavar="PATH", help="heartbeat JSON (default: <database>.health.json)")
    r.set_defaults(func=cmd_run)

    h = sub.add_parser("health", help="exit 0 if `monitor run` is alive (recent heartbeat), else 1")
    h.add_argument(
        "--max-age",
        default=f"{int(HEALTH_MAX_AGE_S)}s",
        metavar="DURATION",
        help="oldest acceptable heartbeat (default %(default)s)",
    )
    h.add_argument("--health-file", metavar="PATH", help="the file `monitor run` writes")
    h.add_argument("--json", action="store_true")
    h.set_defaults(func=cmd_health)


def cmd_run(args: argparse.Namespace) -> int:
    # A SIGTERM before the service's loop is up (loading the config, the scheduler) must still end in a
    # clean stop with exit 0, not the default die-at-once: note it, and let the service act on it.
    early: list[int] = []
    for sig in (signal.SIGTERM, signal.SIGINT):
        signal.signal(sig, lambda signum, frame: early.append(signum))
    from monitor.service import Service

    config = config_from(args)
    # A service's log is its record: one line per event at INFO unless asked to be quiet.
    root = logging.getLogger("monitor")
    if not args.quiet and not args.verbose:
        root.setLevel(logging.INFO)
    # APScheduler's own warnings (a missed or skipped run) go through our handler, with our format.
    aps = logging.getLogger("apscheduler")
    aps.handlers[:] = list(root.handlers)
    aps.setLevel(logging.WARNING)
    aps.propagate = False
    service = Service(
        config,
        health_port=args.health_port,
        health_host=args.health_host,
        health_file=args.health_file,
        early_signals=early,
    )
    return service.run()


def cmd_health(args: argparse.Namespace) -> int:
    if args.health_file:
        path = Path(args.health_file)
    else:
        config = config_from(args)
        configured = config.service.health_file
        path = Path(configured) if configured else default_health_file(config.storage.path)
    verdict = judge_health(read_health(path), now=utcnow(), max_age_s=parse_duration(args.max_age))
    if args.json:
        print_json(
            {"healthy": verdict.healthy, "reason": verdict.reason, "file": str(path), **verdict.payload}
        )
    else:
        print(("healthy: " if verdict.healthy else "UNHEALTHY: ") + verdict.reason)
    return 0 if verdict.healthy else 1
