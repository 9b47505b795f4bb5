"""`monitor topics suggest|check`, `monitor explain`, `monitor eval`: tuning and inspecting the matcher.

Each command loads the topics file (``--topics``, default ``topics.toml`` next to the main config), calls
one library function and prints the result; ``--json`` where a script would want it. Library errors
(a broken topics file, an unreadable eval file) surface through ``monitor.cli.main`` as one message.

The two commands that read the database reach it through :func:`_stored_article` and
:func:`_stored_labels` only, which import the store lazily: matching and evaluating a file need neither
the main config nor SQLite.
"""

from __future__ import annotations

import argparse
import json
import os
import sys
from dataclasses import asdict
from pathlib import Path
from typing import Any

from monitor.config import MatchingSettings, load_config, resolve_config_path
from monitor.errors import ConfigError, MonitorError
from monitor.match import (
    EvalItem,
    LineError,
    Matcher,
    check_seeds,
    default_topics_path,
    eval_report_json,
    eval_report_text,
    evaluate,
    labelled_items,
    load_background,
    load_matcher,
    parse_lines,
    read_document,
    result_from_dict,
    result_to_dict,
    suggest_terms,
)
from monitor.models import MatchResult, TermHit
from monitor.why import why


def register(sub: argparse._SubParsersAction) -> None:
    topics = sub.add_parser("topics", help="check the topics file against the seeds, or suggest new terms")
    topics_sub = topics.add_subparsers(dest="topics_command", metavar="ACTION", required=True)

    check = topics_sub.add_parser("check", help="score every seed document: all must match (exit 1 if not)")
    _topics_option(check)
    check.add_argument("--json", action="store_true", help="print the results as JSON")
    check.set_defaults(func=cmd_topics_check)

    suggest = topics_sub.add_parser(
        "suggest", help="nouns and compounds the seeds (and FILES) use much more than ordinary news"
    )
    suggest.add_argument("files", nargs="*", metavar="FILE", help="extra documents (UTF-8 text)")
    suggest.add_argument("-n", "--limit", type=int, default=40, help="how many to show (default 40)")
    _topics_option(suggest)
    suggest.add_argument("--json", action="store_true")
    suggest.set_defaults(func=cmd_topics_suggest)

    from monitor.cli.tune_topics import register as register_tune

    register_tune(topics_sub)

    explain = sub.add_parser("explain", help="why an article matches or not: decision, scores, every term")
    explain.add_argument("article", nargs="?", metavar="ID_OR_URL", help="a stored article")
    explain.add_argument("--title", help="explain this title instead of a stored article")
    explain.add_argument("--text", help="... with this body text")
    _topics_option(explain)
    _threshold_option(explain)
    explain.add_argument(
        "--current",
        action="store_true",
        help="for a stored article: explain the current topics file's decision",
    )
    explain.add_argument("--json", action="store_true", help="print the evidence as JSON")
    explain.set_defaults(func=cmd_explain)

    ev = sub.add_parser("eval", help="precision/recall of the matcher on labelled JSONL or stored labels")
    ev.add_argument("file", nargs="?", metavar="FILE.jsonl", help='lines of {"title", "text", "label", ...}')
    ev.add_argument("--labels", action="store_true", help="evaluate on the labels stored by `monitor label`")
    _topics_option(ev)
    _threshold_option(ev)
    ev.add_argument("--json", action="store_true", help="print one JSON object (figures and every item)")
    ev.set_defaults(func=cmd_eval)


def _topics_option(p: argparse.ArgumentParser) -> None:
    p.add_argument("--topics", metavar="PATH", help="topics file (default: topics.toml next to the config)")


def _threshold_option(p: argparse.ArgumentParser) -> None:
    p.add_argument(
        "--threshold",
        type=_unit_float,
        help="relevance threshold (default: [matching].threshold of the config, else the topics file's)",
    )


def _unit_float(value: str) -> float:
    number = float(value)
    if not 0 < number <= 1:
        raise argparse.ArgumentTypeError(f"must be in (0, 1], got {value}")
    return number


def _matcher(args: argparse.Namespace) -> Matcher:
    """The matcher the poll would use, from the config read once: the topics file is ``--topics``, else
    ``[matching].topics`` (``topics.toml`` beside ``--config`` / ``$MONITOR_CONFIG`` / the default config
    when that config is unusable); the threshold is ``--threshold``, else ``[matching].threshold``, else
    the topics file's own. (With ``--topics`` the config's threshold still applies: only the topics
    change.)"""
    config_path = getattr(args, "config", None) or os.environ.get("MONITOR_CONFIG")
    try:
        matching: MatchingSettings | None = load_config(resolve_config_path(config_path)).matching
    except ConfigError:  # no usable main config: the topics file beside where it would be decides
        matching = None
    if getattr(args, "topics", None):
        topics = Path(args.topics)
    else:
        topics = Path(matching.topics) if matching else default_topics_path(config_path)
    threshold = getattr(args, "threshold", None)
    if threshold is None and matching and matching.threshold is not None:
        threshold = float(matching.threshold)
    return load_matcher(topics, threshold=threshold)


def _print_json(obj: Any) -> None:
    json.dump(obj, sys.stdout, ensure_ascii=False, indent=2)
    sys.stdout.write("\n")


# --------------------------------------------------------------------------------------------------
# topics check / suggest
# --------------------------------------------------------------------------------------------------


def cmd_topics_check(args: argparse.Namespace) -> int:
    from monitor.paths import seeds_dir

    matcher = _matcher(args)
    seeds = sorted(seeds_dir().glob("*.txt"))
    checks = check_seeds(matcher, seeds)
    failed = [c for c in checks if not c.result.relevant]
    if args.json:
        _print_json(
            {
                "topics": str(matcher.config.path),
                "passed": not failed,
                "seeds": [
                    {"path": c.path, "title": c.title, "decision": c.result.decision, "score": c.result.score,
                     "top_topics": list(c.result.top_topics[:3]), "reason": c.result.reason}
                    for c in checks
                ],
            }
        )  # fmt: skip
    else:
        print(f"topics file: {matcher.config.path} ({matcher.config.digest})")
        for c in checks:
            mark = "ok  " if c.result.relevant else "FAIL"
            print(f"{mark} {Path(c.path).name}  score {c.result.score:.2f}  {c.title[:60]}")
            print(f"     top topics: {', '.join(_topic_line(c.result))}")
            if not c.result.relevant:
                print(f"     {c.result.reason}")
        print(f"\n{len(checks) - len(failed)}/{len(checks)} seed documents match")
    return 1 if failed or not checks else 0


def _topic_line(result: MatchResult) -> list[str]:
    return [f"{t.topic} {t.raw:.2f}" for t in result.topics[:3]] or ["none"]


def cmd_topics_suggest(args: argparse.Namespace) -> int:
    from monitor.paths import seeds_dir

    matcher = _matcher(args)
    paths = [*sorted(seeds_dir().glob("*.txt")), *(Path(f) for f in args.files)]
    documents = []
    for path in paths:
        try:
            title, text = read_document(path)
        except OSError as exc:
            raise ConfigError([f"cannot read {path}: {exc.strerror or exc}"]) from exc
        documents.append((str(path), title, text))
    background = load_background()
    suggestions = suggest_terms(matcher.config, documents, background, limit=args.limit)
    if args.json:
        _print_json([asdict(s) for s in suggestions])
        return 0
    print(f"{len(documents)} documents; background: {background.source} ({background.documents} documents)")
    print("terms the topics file lacks, most distinctive first:\n")
    for s in suggestions:
        print(f"{s.score:7.1f}  {s.term}  ×{s.count} in {s.documents} docs (background {s.background_df})")
        print(f"         {s.snippet}")
    return 0


# --------------------------------------------------------------------------------------------------
# explain
# --------------------------------------------------------------------------------------------------


def cmd_explain(args: argparse.Namespace) -> int:
    given_text = args.title is not None or args.text is not None  # an empty title is still a title
    if args.article and given_text:
        raise MonitorError("give either ID_OR_URL or --title/--text, not both")
    if args.article:
        return _explain_stored(args, _stored_article(args, args.article))
    if not given_text:
        raise MonitorError("nothing to explain: give ID_OR_URL or --title/--text")
    result = _matcher(args).match(args.title, args.text, full=True)
    if args.json:
        _print_json(result_to_dict(result))
    else:
        print(explanation(result))
    return 0


def _explain_stored(args: argparse.Namespace, row: dict[str, Any]) -> int:
    """A stored article: the verdict and evidence stored when it was matched (what digests show), and
    what the current topics file decides when that differs or nothing was stored (``--current``: only
    the current decision)."""
    from monitor.clock import format_kst

    title, text = row.get("title"), row.get("text") or row.get("summary")
    stored = row.get("match")
    matcher = _matcher(args)
    current: MatchResult | None = None
    if stored is None or args.current or stored["config_digest"] != matcher.config.digest:
        current = matcher.match(title, text, full=True)
    if stored is None or args.current:
        assert current is not None
        shown = current
    else:
        shown = result_from_dict(json.loads(stored["evidence"]))
    header = [f"article:   #{row['id']} {title or ''}", f"           {row.get('url', '')}"]
    if stored is None:
        header.append(f"stored:    no verdict stored; matched now with {matcher.config.path}")
    elif args.current:
        header.append(
            f"stored:    {stored['decision']} {stored['score']:.2f}; shown: the current topics file"
        )
    else:
        same = "the current file" if current is None else f"current file: {matcher.config.digest}"
        header.append(
            f"stored:    matched {format_kst(stored['matched_at'])} with topics {stored['config_digest']}"
            f" ({same})"
        )
    if args.json:
        _print_json(
            {"article": {"id": row["id"], "url": row.get("url"), "title": title},
             "source": "stored" if shown is not current else "current",
             "result": result_to_dict(shown),
             "current": result_to_dict(current) if current is not None and shown is not current else None}
        )  # fmt: skip
        return 0
    print("\n".join(header) + "\n")
    print(explanation(shown))
    if current is not None and shown is not current:
        print(
            f"\nnow:       {current.decision} (score {current.score:.2f}) under the current topics file"
            f" {matcher.config.path} — `monitor rematch` stores it, `--current` explains it"
        )
    return 0


def _stored_article(args: argparse.Namespace, key: str) -> dict[str, Any]:
    """A stored article by id or URL, with its stored verdict under ``match`` (None if never matched)."""
    from monitor.cli.common import config_from, open_store

    config = config_from(args)
    with open_store(config) as store:
        row = store.article(key)
        if row is None:
            error = MonitorError(f"no stored article with id or URL {key!r} in {config.storage.path}")
            error.hint = "`monitor search WORDS` shows stored articles with their ids"
            raise error
        row["match"] = store.stored_match(row["id"])
    return row


def explanation(result: MatchResult) -> str:
    """The evidence for people: decision and score parts, then every hit with where and why."""
    tier = result.tier or ("core" if result.relevant else None)
    lines = [
        f"decision:  {result.decision} (score {result.score:.2f}, threshold {result.threshold:g})"
        + (f", tier {tier}" if tier else ""),
        f"why:       {why(result)}",
        f"reason:    {result.reason}",
        f"actor:     {'yes' if result.actor_ok else 'no'} — countries {'+'.join(result.countries) or 'none'},"
        f" evidence {result.actor_mass:.2f}",
        f"topics:    total {result.topic_mass:.2f}",
    ]
    # the label people read ("공급망 회복력"), not the id in the file
    lines += [f"           {t.label or t.topic}  {t.raw:.2f}  ({', '.join(t.terms)})" for t in result.topics]
    if result.truncated:
        lines.append("note:      the text was cut to the matcher's size cap before matching")
    if result.morphology_used:
        lines.append("note:      morphology (kiwipiepy) decided ambiguous spellings")
    lines += ["", f"counted ({len(result.hits)}):"] + [_hit_line(h) for h in result.hits]
    if result.dropped:
        lines += ["", f"not counted ({len(result.dropped)}):"] + [_hit_line(h) for h in result.dropped]
    if result.exclusions:
        lines += ["", f"exclusions that fired ({len(result.exclusions)}):"]
        lines += [_hit_line(h) for h in result.exclusions]
    return "\n".join(lines)


def _hit_line(h: TermHit) -> str:
    where = "title" if h.in_title else "body "
    name = h.term if h.matched == h.term else f"{h.term} ← {h.matched!r}"
    flags = " standalone" if h.standalone else ""
    line = (
        f"  [{where} {h.start:>5}-{h.end:<5}] {name}"
        f" ({h.kind} {h.group}, w {h.weight:g}, +{h.score:.2f}{flags})"
    )
    if h.note:
        line += f"\n      why not: {h.note}"
    return f"{line}\n      {h.snippet}"


# --------------------------------------------------------------------------------------------------
# eval
# --------------------------------------------------------------------------------------------------


def cmd_eval(args: argparse.Namespace) -> int:
    if bool(args.file) == bool(args.labels):
        raise MonitorError("give FILE.jsonl or --labels (one of them)")
    matcher = _matcher(args)
    errors: list[LineError] = []
    if args.labels:
        items = _stored_labels(args)
    else:
        items, errors = parse_lines(_read_lines(Path(args.file)))
        for error in errors:
            print(f"{args.file}:{error.line}: {error.message} (skipped)", file=sys.stderr)
    report = evaluate(items, matcher.match, errors)
    if args.json:
        _print_json(eval_report_json(report))
    else:
        print(eval_report_text(report))
    if not items:
        print("no usable items", file=sys.stderr)
        return 1
    return 0


def _read_lines(path: Path) -> list[str]:
    try:
        return path.read_text(encoding="utf-8", errors="replace").splitlines()
    except OSError as exc:
        raise MonitorError(f"cannot read {path}: {exc.strerror or exc}") from exc


def _stored_labels(args: argparse.Namespace) -> list[EvalItem]:
    """Items from the labels stored with ``monitor label`` (``Store.labelled_articles()``)."""
    from monitor.cli.common import config_from, open_store

    with open_store(config_from(args)) as store:
        return labelled_items(store.labelled_articles())
