"""`monitor label`, `monitor labels`, `monitor backtest`, `monitor rematch`: tuning on the stored articles.

* ``label ID relevant|irrelevant [--note]`` stores a user's judgment (``--remove`` forgets it);
  ``labels`` lists them beside the matcher's stored verdict. ``monitor eval --labels`` (match_cmds)
  measures the matcher on them.
* ``backtest NEW.toml`` previews a changed topics file (or a whole monitor config) on every stored
  article and writes nothing; ``rematch`` applies the configured one to the stored verdicts.

The "current" matcher here is exactly the one a poll uses (:func:`monitor.pipeline.load_configured_matcher`:
the ``[matching]`` topics file, threshold and morphology setting), so what rematch stores is what the next
poll would have stored.
"""

from __future__ import annotations

import argparse
import difflib
import sys
import tomllib
from pathlib import Path
from typing import Any

from monitor.cli.common import config_from, fit, open_store, print_json, table
from monitor.clock import format_kst
from monitor.config import MonitorConfig, load_config
from monitor.errors import ConfigError, MonitorError
from monitor.match import (
    BATCH_SIZE,
    BacktestReport,
    Change,
    Matcher,
    RematchReport,
    backtest,
    load_matcher,
    rematch,
)
from monitor.plural import counted
from monitor.store import LABELS


def register(sub: argparse._SubParsersAction) -> None:
    label = sub.add_parser(
        "label", help="store your judgment of a stored article (relevant/irrelevant) for `eval --labels`"
    )
    label.add_argument("article", nargs="?", metavar="ID_OR_URL", help="a stored article's id or URL")
    label.add_argument("label", nargs="?", metavar="relevant|irrelevant", help="your judgment")
    label.add_argument("--note", default="", help="why (kept with the label)")
    label.add_argument("--remove", action="store_true", help="forget the label on ID_OR_URL")
    label.add_argument(
        "--list", action="store_true", help="list the stored labels (same as `monitor labels`)"
    )
    label.add_argument("--json", action="store_true", help="with --list: print JSON")
    label.set_defaults(func=cmd_label, only=None, limit=None)

    labels = sub.add_parser("labels", help="list the stored labels beside the matcher's verdicts")
    labels.add_argument("--only", choices=LABELS, help="only this label")
    labels.add_argument("-n", "--limit", type=int, help="at most this many, newest first")
    labels.add_argument("--json", action="store_true", help="print JSON")
    labels.set_defaults(func=cmd_labels)

    bt = sub.add_parser(
        "backtest",
        help="what a changed topics file would newly match / stop matching among stored articles",
    )
    bt.add_argument(
        "new", nargs="?", metavar="NEW.toml", help="the changed topics file, or a monitor config naming one"
    )
    # The spelling, `monitor backtest --config NEW.toml`: after the command, --config names the
    # new config (the global --config before the command still names the current one).
    bt.add_argument("--config", dest="new_config", metavar="NEW.toml", help=argparse.SUPPRESS)
    bt.add_argument("--threshold", type=float, help="threshold for the new side (default: its own)")
    bt.add_argument("--limit", type=int, help="only the first N stored articles (by id)")
    bt.add_argument("--show", type=int, default=50, help="list at most N articles per direction (default 50)")
    bt.add_argument("--json", action="store_true", help="print one JSON object with every change")
    bt.set_defaults(func=cmd_backtest)

    rm = sub.add_parser(
        "rematch", help="re-score stored articles matched under another topics file or threshold"
    )
    rm.add_argument("--all", action="store_true", help="re-score every stored article")
    rm.add_argument("--batch-size", type=int, default=BATCH_SIZE, help=f"articles per transaction "
                    f"(default {BATCH_SIZE})")  # fmt: skip
    rm.add_argument("--json", action="store_true", help="print the summary as JSON")
    rm.set_defaults(func=cmd_rematch)


# --------------------------------------------------------------------------------------------------
# label / labels
# --------------------------------------------------------------------------------------------------


def cmd_label(args: argparse.Namespace) -> int:
    if args.list:
        if args.article or args.remove:
            raise MonitorError("--list takes no ID_OR_URL and no --remove")
        return cmd_labels(args)
    if not args.article:
        raise _error("give ID_OR_URL and relevant|irrelevant", "e.g. `monitor label 42 relevant`, or --list")
    if args.remove:
        if args.label:
            raise MonitorError("--remove takes no label")
    else:
        args.label = _label_value(args.label)
    config = config_from(args)
    with open_store(config) as store:
        article_id = store.article_id(args.article)
        if article_id is None:
            raise _error(
                f"no stored article with id or URL {args.article!r} in {config.storage.path}",
                "`monitor search WORDS` shows stored articles with their ids",
            )
        title = store.article(article_id)["title"]  # type: ignore[index]
        if args.remove:
            removed = store.remove_label(article_id)
            print(f"#{article_id}: label removed" if removed else f"#{article_id} had no label")
            return 0 if removed else 1
        replaced = store.set_label(article_id, args.label, args.note)
    print(
        f"#{article_id} labelled {args.label}{' (replaced the earlier label)' if replaced else ''}: {title}"
    )
    return 0


def _label_value(value: str | None) -> str:
    if value is None:
        raise _error("give the label: relevant or irrelevant", "e.g. `monitor label 42 relevant`")
    if value in LABELS:
        return value
    close = difflib.get_close_matches(value.lower(), LABELS, n=1)
    raise MonitorError(
        f"unknown label {value!r}: must be relevant or irrelevant"
        + (f" (did you mean {close[0]!r}?)" if close else "")
    )


def cmd_labels(args: argparse.Namespace) -> int:
    with open_store(config_from(args)) as store:
        rows = store.labels(label=args.only, limit=args.limit)
        counts = store.label_counts()
    if args.json:
        print_json({"counts": counts, "labels": rows})
        return 0
    if not rows:
        print("no labels stored yet: `monitor label ID relevant|irrelevant` adds one")
        return 0
    body = [
        [str(r["id"]), r["label"], _verdict(r), format_kst(r["labelled_at"]), r["title"], r["note"]]
        for r in rows
    ]
    print(table(body, ["id", "label", "matcher", "labelled", "title", "note"]))
    disagree = sum(1 for r in rows if r["matcher_decision"] and r["matcher_decision"] != r["label"])
    print(
        f"\n{counts['relevant']} relevant, {counts['irrelevant']} irrelevant;"
        f" the matcher disagrees on {disagree} of the {len(rows)} shown"
    )
    return 0


def _verdict(row: dict[str, Any]) -> str:
    if row["matcher_decision"] is None:
        return "(not matched)"
    mark = "" if row["matcher_decision"] == row["label"] else " ≠"
    return f"{row['matcher_decision']} {row['matcher_score']:.2f}{mark}"


# --------------------------------------------------------------------------------------------------
# backtest
# --------------------------------------------------------------------------------------------------


def configured_matcher(config: MonitorConfig) -> Matcher:
    """The matcher a poll would use, or a clear error when the config has none."""
    from monitor.pipeline import load_configured_matcher

    matcher = load_configured_matcher(config)
    if matcher is None:
        settings = config.matching
        raise _error(
            f"{config.path}: matching is off or its topics file is missing "
            f"(matching.topics = {settings.topics}, matching.enabled = {settings.enabled})",
            "set [matching] topics to a topics file and enabled = true",
        )
    return matcher


def new_matcher(path: Path, threshold: float | None) -> Matcher:
    """A topics file, or a monitor config whose [matching] section names one (its threshold too)."""
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
    except OSError as exc:
        raise MonitorError(f"cannot read {path}: {exc.strerror or exc}") from exc
    except (UnicodeDecodeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError([f"not valid UTF-8 TOML: {exc}"], str(path)) from exc
    if "topics" in data or "actors" in data:  # a topics file
        return load_matcher(path, threshold=threshold)
    if "matching" not in data:
        raise ConfigError(
            ["neither a topics file ([[topics]], [[actors]]) nor a monitor config with a [matching] section"],
            str(path),
        )
    config = load_config(path)
    settings = config.matching
    return load_matcher(
        settings.topics,
        threshold=settings.threshold if threshold is None else threshold,
        morphology=settings.morphology,
    )


def cmd_backtest(args: argparse.Namespace) -> int:
    given = [p for p in (args.new, args.new_config) if p]
    if len(given) != 1:
        raise _error(
            "give the changed config once: `monitor backtest NEW.toml`",
            "NEW.toml is a topics file, or a monitor config whose [matching] names one",
        )
    if args.threshold is not None and not 0 < args.threshold <= 1:
        raise MonitorError(f"--threshold must be in (0, 1], got {args.threshold}")
    config = config_from(args)
    old = configured_matcher(config)
    new = new_matcher(Path(given[0]), args.threshold)
    with open_store(config) as store:
        report = backtest(store, old, new, limit=args.limit, progress=_progress("backtest", args.json))
    if args.json:
        print_json(backtest_json(report, old, new))
    else:
        print(backtest_text(report, old, new, show=args.show))
    return 0


def backtest_json(report: BacktestReport, old: Matcher, new: Matcher) -> dict[str, Any]:
    def change(c: Change) -> dict[str, Any]:
        return {
            "id": c.article_id, "url": c.url, "title": c.title, "published_kst": format_kst(c.published),
            "old_score": c.old_score, "new_score": c.new_score, "gained_terms": list(c.gained),
            "lost_terms": list(c.lost), "new_exclusions": list(c.exclusions),
            "old_reason": c.old_reason, "new_reason": c.new_reason,
        }  # fmt: skip

    return {
        "old": {"topics": str(old.config.path), "digest": report.old_digest,
                "threshold": report.old_threshold},
        "new": {"topics": str(new.config.path), "digest": report.new_digest,
                "threshold": report.new_threshold},
        "scanned": report.scanned, "relevant_before": report.relevant_before,
        "relevant_after": report.relevant_after, "score_changed": report.score_changed,
        "newly_relevant": [change(c) for c in report.newly_relevant],
        "no_longer_relevant": [change(c) for c in report.no_longer_relevant],
    }  # fmt: skip


def backtest_text(report: BacktestReport, old: Matcher, new: Matcher, *, show: int = 50) -> str:
    lines = [
        f"current: {old.config.path} ({report.old_digest}, threshold {report.old_threshold:g})",
        f"new:     {new.config.path} ({report.new_digest}, threshold {report.new_threshold:g})",
        f"{report.scanned} stored articles re-scored (nothing written): relevant {report.relevant_before}"
        f" → {report.relevant_after}; {len(report.newly_relevant)} would newly match,"
        f" {len(report.no_longer_relevant)} would stop matching; score changed for {report.score_changed}",
    ]
    for heading, changes in (
        ("would newly match", report.newly_relevant),
        ("would stop matching", report.no_longer_relevant),
    ):
        if not changes:
            continue
        lines += ["", f"{heading} ({len(changes)}):"]
        for c in changes[:show]:
            lines.append(
                f"  #{c.article_id:<6} {format_kst(c.published)}  {c.old_score:.2f} → {c.new_score:.2f}"
                f"  {fit(c.title, 60).rstrip()}"
            )
            why = [f"+{t}" for t in c.gained] + [f"−{t}" for t in c.lost]
            why += [f"excluded by {t}" for t in c.exclusions]
            lines.append(f"          {', '.join(why) if why else 'same terms; ' + c.new_reason}")
        if len(changes) > show:
            lines.append(f"  … and {len(changes) - show} more (--show N or --json for all)")
    return "\n".join(lines)


# --------------------------------------------------------------------------------------------------
# rematch
# --------------------------------------------------------------------------------------------------


def cmd_rematch(args: argparse.Namespace) -> int:
    if args.batch_size < 1:
        raise MonitorError(f"--batch-size must be at least 1, got {args.batch_size}")
    config = config_from(args)
    matcher = configured_matcher(config)
    with open_store(config) as store:
        report = rematch(
            store, matcher, all_articles=args.all, batch_size=args.batch_size,
            progress=_progress("rematch", False),
        )  # fmt: skip
        # Stories derive best_score, relevance and topics from their members' verdicts: recompute them
        # when any verdict moved (a full pass; it rewrites only what it derives, never last_updated_at).
        if report.changed_decision or report.score_changed:
            store.refresh_stories()
    if args.json:
        print_json(rematch_json(report))
    else:
        print(rematch_text(report, matcher))
    return 0


def rematch_json(report: RematchReport) -> dict[str, Any]:
    return {
        "digest": report.digest, "threshold": report.threshold, "all": report.all,
        "scanned": report.scanned, "batches": report.batches, "first_verdicts": report.first_verdicts,
        "changed_decision": report.changed_decision, "newly_relevant": report.newly_relevant,
        "no_longer_relevant": report.no_longer_relevant, "score_changed": report.score_changed,
        "changed_article_ids": list(report.changed_article_ids),
    }  # fmt: skip


def rematch_text(report: RematchReport, matcher: Matcher) -> str:
    which = "(all stored)" if report.all else "(matched under another topics file or threshold, or not yet)"
    head = f"topics {matcher.config.path} ({report.digest}, threshold {report.threshold:g})"
    if not report.scanned:
        return f"{head}\nnothing to re-match: every stored verdict is from this config (--all re-scores all)"
    return (
        f"{head}\nre-scored {counted(report.scanned, 'article')} {which} "
        f"in {counted(report.batches, 'batch')}\n"
        f"decision changed for {report.changed_decision}: {report.newly_relevant} now relevant, "
        f"{report.no_longer_relevant} no longer relevant"
        f" ({report.first_verdicts} had no verdict before; score changed for {report.score_changed})"
    )


def _error(message: str, hint: str) -> MonitorError:
    error = MonitorError(message)
    error.hint = hint
    return error


def _progress(what: str, quiet: bool) -> Any:
    """A progress line on stderr: rewritten in place on a terminal, else one line per tenth of the work."""
    tty = sys.stderr.isatty()
    state = {"tenth": -1}

    def report(done: int, total: int) -> None:
        if quiet or not total:
            return
        if tty:
            end = "\n" if done >= total else ""
            print(f"\r{what}: {done}/{total} articles", end=end, file=sys.stderr, flush=True)
            return
        tenth = done * 10 // total
        if tenth != state["tenth"]:
            state["tenth"] = tenth
            print(f"{what}: {done}/{total} articles", file=sys.stderr, flush=True)

    return report
