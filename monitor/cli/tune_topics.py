"""`monitor topics tune [FILE.jsonl] [--write NEW.toml] [--json]`: measured edits to the topics file.

From a labelled file in `monitor eval`'s format, or from the labels stored with `monitor label`, it lists
concrete edits (terms to add, weights to change, exclusions to add), each with its measured effect on that
data's precision and recall, best first; ``--write`` writes the accepted ones to a copy of the topics file
(comments kept) that `monitor backtest NEW.toml` and `monitor config check` accept. The logic is
:mod:`monitor.match.tuning`; this module only reads the inputs and prints.
"""

from __future__ import annotations

import argparse
import sys
import time
from pathlib import Path
from typing import Any

from monitor.errors import MonitorError
from monitor.match import EvalItem, parse_lines

#: Proposals printed by default (--limit); --json always has them all.
SHOWN = 20


def register(topics_sub: argparse._SubParsersAction) -> None:
    tune = topics_sub.add_parser(
        "tune", help="propose measured edits to the topics file from labelled items (--write NEW.toml)"
    )
    tune.add_argument(
        "file",
        nargs="?",
        metavar="FILE.jsonl",
        help="labelled items in `monitor eval`'s format (default: the labels of `monitor label`)",
    )
    tune.add_argument(
        "--write", metavar="NEW.toml", help="write the accepted edits to this copy of the topics file"
    )
    tune.add_argument(
        "--topics", metavar="PATH", help="topics file (default: topics.toml next to the config)"
    )
    tune.add_argument(
        "--threshold", type=float, help="relevance threshold (default: the config's or the file's)"
    )
    tune.add_argument("-n", "--limit", type=int, default=SHOWN, help=f"proposals shown (default {SHOWN})")
    tune.add_argument("--json", action="store_true", help="print one JSON object with every proposal")
    tune.set_defaults(func=cmd_topics_tune)  # fmt: skip


def cmd_topics_tune(args: argparse.Namespace) -> int:
    from monitor.cli.match_cmds import _matcher, _print_json, _read_lines, _stored_labels
    from monitor.match import apply_edits, tune, tune_report_json

    matcher = _matcher(args)  # validates the topics file and resolves the threshold as `eval` does
    if args.file:
        items, errors = parse_lines(_read_lines(Path(args.file)))
        for error in errors:
            print(f"{args.file}:{error.line}: {error.message} (skipped)", file=sys.stderr)
    else:
        items = _stored_labels(args)
    _check_items(items, args.file)
    if args.write and Path(args.write).resolve() == Path(matcher.config.path).resolve():
        raise MonitorError(f"--write {args.write} is the topics file itself: give a new file name")
    started = time.perf_counter()
    report = tune(items, matcher.config.path, threshold=matcher.threshold, morphology=matcher.morphology)
    elapsed = time.perf_counter() - started
    if args.write and report.text is not None:
        Path(args.write).write_text(report.text, encoding="utf-8")
    elif args.write:  # nothing improves: the copy is the original, so backtest/config check still work
        Path(args.write).write_text(apply_edits(Path(matcher.config.path).read_text(encoding="utf-8"), []),
                                    encoding="utf-8")  # fmt: skip
    if args.json:
        _print_json({**tune_report_json(report), "topics": str(matcher.config.path), "written": args.write,
                     "seconds": round(elapsed, 1)})  # fmt: skip
        return 0
    print(_text(report, args, matcher.config.path, elapsed))
    return 0


def _check_items(items: list[EvalItem], file: str | None) -> None:
    source = file or "the stored labels"
    if not items:
        raise MonitorError(
            f"no usable labelled items in {source}",
        )
    labels = {i.label for i in items}
    if labels != {"relevant", "irrelevant"}:
        error = MonitorError(f"{source} has only {labels.pop()} items: tuning needs both labels")
        error.hint = "label some of the other kind (`monitor label ID relevant|irrelevant`)"
        raise error


def _figures(f: Any) -> str:
    counts = f"(tp {f.tp}, fp {f.fp}, fn {f.fn})"
    return f"precision {f.precision:.3f}  recall {f.recall:.3f}  F1 {f.f1:.3f}  {counts}"


def _text(report: Any, args: argparse.Namespace, topics: str, elapsed: float) -> str:
    lines = [
        f"topics: {topics}; {report.items} labelled items ({report.relevant} relevant); {elapsed:.1f} s",
        f"now:    {_figures(report.baseline)}",
        "",
    ]
    improving = [p for p in report.proposals if p.gain > 0]
    lines.append(f"proposals ({len(report.proposals)} measured, {len(improving)} improve F1), best first:")
    for p in report.proposals[: args.limit]:
        mark = "✓" if p.edit in report.accepted else " "
        lines.append(
            f" {mark} {p.gain:+.3f} F1  P {report.baseline.precision:.2f}→{p.after.precision:.2f}"
            f"  R {report.baseline.recall:.2f}→{p.after.recall:.2f}  {p.edit.describe()}"
        )
    if len(report.proposals) > args.limit:
        lines.append(f"   … {len(report.proposals) - args.limit} more (--limit, or --json for all)")
    lines.append("")
    if report.final is not None:
        lines.append(f"accepted {len(report.accepted)} (✓), together: {_figures(report.final)}")
    else:
        lines.append("no edit improves F1 on this data")
    if args.write:
        lines.append(f"written: {args.write} — check it with `monitor backtest {args.write}` and on labelled "
                     "items it was not tuned on")  # fmt: skip
    return "\n".join(lines)
