"""`monitor demo`: the offline showcase (see monitor.demo.runner).

Where it writes: ``--dir``, else ``./monitor-demo`` when the current folder is writable, else
``$XDG_STATE_HOME/monitor/demo`` (``~/.local/state/monitor/demo``), else a new temporary folder; it
says which. In the container the current folder (/app) belongs to root, so the demo must not assume it.

Its next steps: without ``--serve`` the sample site stops with the demo, so it only suggests commands that
read the database; ``--serve`` keeps the site up (until Ctrl-C or SIGTERM) and suggests a poll as well.
"""

from __future__ import annotations

import argparse
import os
import shlex
import signal
import sys
import tempfile
import threading
from pathlib import Path
from typing import Any

from monitor.demo import run_demo
from monitor.paths import seeds_dir, topics_file

DEFAULT_DIR = "monitor-demo"


def register(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("demo", help="run the whole monitor offline against a sample news site on loopback")
    p.add_argument(
        "--dir",
        help=f"where the demo config and database go (default: ./{DEFAULT_DIR} if the current folder is "
        "writable, else $XDG_STATE_HOME/monitor/demo, else a new temporary folder)",
    )
    p.add_argument(
        "--serve",
        action="store_true",
        help="keep the sample site running afterwards (until Ctrl-C or SIGTERM), so the next commands it "
        "prints, a poll included, work against it",
    )
    p.set_defaults(func=cmd_demo)


def cmd_demo(args: argparse.Namespace) -> int:
    seeds, topics = seeds_dir(), topics_file()  # a ConfigError saying where they were looked for
    if args.dir:
        workdir = Path(args.dir).expanduser().resolve()
        problem = _unwritable(workdir)
        if problem:
            return _cannot_write(workdir, problem)
    else:
        workdir, note = _default_workdir()
        if note:
            print(f"writing the demo to {workdir} ({note})")
    try:
        result = run_demo(workdir, seeds, topics, while_serving=_serve if args.serve else None)
    except PermissionError as exc:  # a file inside the folder (a read-only demo.db left from before, say)
        return _cannot_write(Path(exc.filename or workdir), exc.strerror or str(exc))
    if not args.serve:
        _print_paths(result)
        print("\nthe demo site has stopped, so a poll on this config cannot reach its feeds now;")
        print("`monitor demo --serve` keeps it running and prints a poll to try against it.")
        print("look at what was stored:")
        for command in _read_commands(result):
            print(f"  {command}")
    return 0


def _serve(result: dict[str, Any]) -> None:
    """Print what to try against the running site, then wait for Ctrl-C or SIGTERM."""
    _print_paths(result)
    config = shlex.quote(str(result["config"]))
    print(f"\nsite: {result['site']} (serving until Ctrl-C or SIGTERM)")
    print("in another terminal, try:")
    print(f"  monitor --config {config} poll --once")
    for command in _read_commands(result):
        print(f"  {command}")
    sys.stdout.flush()  # a script reading our pipe sees the port now, not when we exit
    stop = threading.Event()
    previous = {sig: signal.signal(sig, lambda *_: stop.set()) for sig in (signal.SIGINT, signal.SIGTERM)}
    try:
        while not stop.wait(0.5):
            pass
    finally:
        for sig, handler in previous.items():
            signal.signal(sig, handler)
    print("demo site stopped")


def _print_paths(result: dict[str, Any]) -> None:
    print(f"\nconfig:   {result['config']}")
    print(f"database: {result['database']}")
    if result.get("digest"):
        print(f"digest:   {result['digest']}")


def _read_commands(result: dict[str, Any]) -> list[str]:
    """Commands that work on the demo's database whether or not its site still runs."""
    config = shlex.quote(str(result["config"]))
    preview = shlex.quote(str(Path(result["config"]).parent / "preview"))
    database = shlex.quote(str(result["database"]))
    return [
        f"monitor --config {config} status",
        f"monitor --config {config} search 공급망",
        f"monitor --config {config} stories",
        # the demo delivered its digest, so a plain preview has nothing new: show the sent stories again
        f"monitor --config {config} digest --preview {preview} --include-sent",
        f"sqlite-utils search {database} articles 공급망",
    ]


def _default_workdir() -> tuple[Path, str]:
    """The first writable of ./monitor-demo, $XDG_STATE_HOME/monitor/demo and a new temporary folder,
    with a note saying why when it is not the first."""
    here = Path.cwd() / DEFAULT_DIR
    if not _unwritable(here):
        return here, ""
    state = Path(os.environ.get("XDG_STATE_HOME") or Path.home() / ".local" / "state") / "monitor" / "demo"
    if not _unwritable(state):
        return state, "the current folder is not writable"
    temporary = Path(tempfile.mkdtemp(prefix="monitor-demo-"))
    return temporary, f"neither the current folder nor {state} is writable"


def _unwritable(path: Path) -> str | None:
    """Why the demo cannot write in ``path`` (created if missing), or None when it can."""
    try:
        path.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryFile(dir=path):
            pass
    except OSError as exc:
        return exc.strerror or str(exc)
    return None


def _cannot_write(path: Path, why: str) -> int:
    print(f"monitor: error: cannot write the demo to {path}: {why}", file=sys.stderr)
    print(
        "  hint: pass --dir with a folder you can write, e.g. `monitor demo --dir /tmp/monitor-demo`",
        file=sys.stderr,
    )
    return 2
