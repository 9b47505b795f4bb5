"""Match: is an article about Korea–US–Japan economic security, and why.

No HTTP, no SQL. Behind this face:

- ``topics``: the topics file (config/topics.toml) and the seed corpus, loaded and checked;
- ``matcher``: ``Article -> MatchResult``, with the tier (core or context) and every piece of evidence;
- ``evaluation``: precision and recall on labelled items;
- ``tuning``: measured edits to the topics file proposed from labels;
- ``rescoring``: stored articles scored again under a changed topics file.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.faces import lazy_names

if TYPE_CHECKING:
    from monitor.match.evaluation import (
        EvalItem,
        LineError,
        eval_report_json,
        eval_report_text,
        evaluate,
        labelled_items,
        parse_lines,
    )
    from monitor.match.matcher import Matcher, load_matcher, result_from_dict, result_to_dict, verdict_row
    from monitor.match.rescoring import BATCH_SIZE, BacktestReport, Change, RematchReport, backtest, rematch
    from monitor.match.topics import (
        check_seeds,
        default_topics_path,
        load_background,
        load_topics,
        read_document,
        short_label,
        suggest_terms,
    )
    from monitor.match.tuning import apply_edits, tune, tune_report_json

__all__ = [
    "BATCH_SIZE",
    "BacktestReport",
    "Change",
    "EvalItem",
    "LineError",
    "Matcher",
    "RematchReport",
    "apply_edits",
    "backtest",
    "check_seeds",
    "default_topics_path",
    "eval_report_json",
    "eval_report_text",
    "evaluate",
    "labelled_items",
    "load_background",
    "load_matcher",
    "load_topics",
    "parse_lines",
    "read_document",
    "rematch",
    "result_from_dict",
    "result_to_dict",
    "short_label",
    "suggest_terms",
    "tune",
    "tune_report_json",
    "verdict_row",
]

__getattr__ = lazy_names(
    __name__,
    {
        "EvalItem": "evaluation",
        "LineError": "evaluation",
        "eval_report_json": "evaluation",
        "eval_report_text": "evaluation",
        "evaluate": "evaluation",
        "labelled_items": "evaluation",
        "parse_lines": "evaluation",
        "Matcher": "matcher",
        "load_matcher": "matcher",
        "result_from_dict": "matcher",
        "result_to_dict": "matcher",
        "verdict_row": "matcher",
        "BATCH_SIZE": "rescoring",
        "BacktestReport": "rescoring",
        "Change": "rescoring",
        "RematchReport": "rescoring",
        "backtest": "rescoring",
        "rematch": "rescoring",
        "check_seeds": "topics",
        "default_topics_path": "topics",
        "load_background": "topics",
        "load_topics": "topics",
        "read_document": "topics",
        "short_label": "topics",
        "suggest_terms": "topics",
        "apply_edits": "tuning",
        "tune": "tuning",
        "tune_report_json": "tuning",
    },
)
