"""`monitor demo`: the offline showcase (see monitor.demo.runner)."""

from __future__ import annotations

import argparse
from pathlib import Path

from monitor.demo import run_demo
from monitor.paths import seeds_dir, topics_file


def register(sub: argparse._SubParsersAction) -> None:  # type: ignore[type-arg]
    p = sub.add_parser("demo", help="run the whole monitor offline against a sample news site on loopback")
    p.add_argument("--dir", default="monitor-demo", help="where the demo config and database go")
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    workdir = Path(args.dir).resolve()
    result = run_demo(workdir, seeds_dir(), topics_file())
    print(f"\nconfig:   {result['config']}")
    print(f"database: {result['database']}")
    if result.get("digest"):
        print(f"digest:   {result['digest']}")
    print("try:")
    print(f"  monitor --config {result['config']} search 공급망")
    print(f"  monitor --config {result['config']} status")
    print(f"  monitor --config {result['config']} digest --preview preview/")
    print(f"  sqlite3 {result['database']} 'SELECT * FROM v_recent_articles'")
    return 0
