"""monitor.match.evaluation and `monitor eval`: parsing labelled JSONL, the figures, the JSON shape."""

from __future__ import annotations

import argparse
import json
from pathlib import Path

import pytest

from monitor.cli import match_cmds
from monitor.match.evaluation import (
    EvalReport,
    eval_report_json,
    eval_report_text,
    evaluate,
    labelled_items,
    matched_terms,
    parse_lines,
)
from monitor.match.matcher import Matcher, load_matcher
from monitor.models import MatchResult

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ROOT / "config" / "topics.toml"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_matcher(TOPICS)


LINES = [
    '{"id": "r1", "title": "한미 반도체 공급망 협력", "text": null, "label": "relevant", "event": "e1"}',
    '{"id": "r2", "title": null, "text": "한미일 산업장관회의가 열렸다.", "label": "Relevant "}',
    "",
    '{"id": "n1", "title": "한미약품 신약 임상", "label": "irrelevant", "kind": "hard"}',
    "not json at all",
    '["a list"]',
    '{"id": "x", "title": "제목", "label": "relevent"}',
    '{"id": "y", "title": null, "text": "  ", "label": "relevant"}',
    '{"id": "z", "title": 5, "label": "relevant"}',
    '{"title": "한미 청정수소 협력", "label": "irrelevant", "url": "https://example.com/a"}',
    '{"title": "날씨", "label": "irrelevant"}',
]


def test_parse_keeps_good_lines_and_reports_bad_ones_by_number() -> None:
    items, errors = parse_lines(LINES)
    assert [i.id for i in items] == ["r1", "r2", "n1", "https://example.com/a", "line 11"]
    assert items[1].label == "relevant" and items[1].title is None  # label case and spaces forgiven
    assert items[0].event == "e1" and items[2].extra == {"kind": "hard"}
    assert [(e.line, e.message) for e in errors] == [
        (5, "not valid JSON (Expecting value at column 1)"),
        (6, "expected a JSON object, got list"),
        (7, '"label" must be "relevant" or "irrelevant", got \'relevent\' (did you mean \'relevant\'?)'),
        (8, 'neither "title" nor "text" has any text'),
        (9, '"title" must be a string or null, got int'),
    ]


def _result(decision: str, score: float) -> MatchResult:
    return MatchResult(
        decision=decision, score=score, threshold=0.5, reason="", actor_ok=False, actor_mass=0.0,  # type: ignore[arg-type]
        countries=(), topic_mass=0.0, topics=(), hits=(), dropped=(), exclusions=(), standalone=(),
        morphology_used=False, truncated=False, config_digest="",
    )  # fmt: skip


def test_counts_and_ratios() -> None:
    items, _ = parse_lines(LINES)
    predicted = {"r1": "relevant", "r2": "irrelevant", "n1": "relevant"}
    report = evaluate(items, lambda title, text: _result("irrelevant", 0.1))
    assert (report.tp, report.fp, report.fn, report.tn) == (0, 0, 2, 3)
    assert report.precision == 0.0 and report.recall == 0.0 and report.f1 == 0.0  # no division by zero
    by_id = {i.title or i.text: predicted.get(str(i.id), "irrelevant") for i in items}
    report = evaluate(items, lambda title, text: _result(by_id[title or text], 0.9))
    assert (report.tp, report.fp, report.fn, report.tn) == (1, 1, 1, 2)
    assert report.precision == 0.5 and report.recall == 0.5 and report.f1 == 0.5


def test_json_has_exactly_the_agreed_keys(matcher: Matcher) -> None:
    items, errors = parse_lines(LINES)
    data = eval_report_json(evaluate(items, matcher.match, errors))
    cluster_keys = [
        "cluster_precision",
        "cluster_recall",
        "cluster_f1",
        "cluster_true_pairs",
        "cluster_predicted_pairs",
        "cluster_gold_pairs",
        "cluster_mixed_stories",
        "cluster_missed_pairs",
        "cluster_wrong_pairs",
    ]
    # issue 13 added "tiers" (predicted relevant per tier) and each item's "tier"
    figures = ["precision", "recall", "f1", "tp", "fp", "fn", "tn", "tiers"]
    assert list(data) == [*figures, *cluster_keys, "items"]
    assert data["items"][0] == {"id": "r1", "predicted": "relevant", "tier": "core",
                                "score": data["items"][0]["score"],
                                "matched_terms": ["한미", "반도체", "공급망"]}  # fmt: skip
    json.dumps(data)


def test_text_report_lists_mistakes_with_reasons(matcher: Matcher) -> None:
    items, errors = parse_lines(LINES)
    text = eval_report_text(evaluate(items, matcher.match, errors))
    assert "items: 5 (5 bad lines skipped)" in text
    assert "false positives (1):" in text and "https://example.com/a" in text


def test_cluster_mistakes_are_listed_by_item_id(matcher: Matcher) -> None:
    """Figures say how much; the pairs say which, so a person can read why."""
    lines = [
        '{"id": "a1", "title": "한미일 산업장관회의 첫 개최… 공급망 공조 합의", "label": "relevant", "event": "m",'
        ' "published": "2026-11-20T09:00:00+09:00"}',
        '{"id": "a2", "title": "한미일 산업장관회의 첫 개최… 공급망 공조 합의", "label": "relevant", "event": "m",'
        ' "published": "2026-11-20T10:00:00+09:00"}',
        '{"id": "b1", "title": "오늘의 날씨: 전국 맑음", "label": "irrelevant", "event": "w",'
        ' "published": "2026-11-20T06:00:00+09:00"}',
        '{"id": "b2", "title": "프로야구 결승전 결과", "label": "irrelevant", "event": "w",'
        ' "published": "2026-11-20T22:00:00+09:00"}',
    ]
    items, _ = parse_lines(lines)
    report = evaluate(items, matcher.match)
    data = eval_report_json(report)
    assert data["cluster_missed_pairs"] == [["b1", "b2"]]  # labelled one event, clustered apart
    assert data["cluster_wrong_pairs"] == []
    assert (data["cluster_true_pairs"], data["cluster_gold_pairs"]) == (1, 2)
    listed = "same event, apart (1 pair):\n  b1 + b2  오늘의 날씨: 전국 맑음  |  프로야구 결승전 결과"
    assert listed in eval_report_text(report)


def test_matched_terms_are_distinct_and_ordered(matcher: Matcher) -> None:
    result = matcher.match("한미 반도체 협력", "한미 양국은 반도체와 공급망, 반도체를 논의했다.")
    assert matched_terms(result) == ["한미", "반도체", "공급망"]


def test_stored_labels_become_items() -> None:
    rows = [{"id": 7, "title": "한미 공급망", "text": None, "label": "relevant", "url": "https://x"}]
    (item,) = labelled_items(rows)
    assert (item.id, item.label, item.line) == (7, "relevant", None)


def test_an_empty_report_is_zero_not_an_error() -> None:
    report = EvalReport(())
    assert eval_report_json(report)["precision"] == 0.0


# -- CLI ---------------------------------------------------------------------------------------------


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    match_cmds.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(["eval", "--topics", str(TOPICS), *argv])
    return int(args.func(args))


def test_eval_json_and_bad_lines_on_stderr(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_text("\n".join(LINES) + "\n", encoding="utf-8")
    assert run([str(path), "--json"]) == 0
    captured = capsys.readouterr()
    data = json.loads(captured.out)  # exactly one object on stdout
    assert data["tp"] + data["fn"] == 2 and len(data["items"]) == 5
    assert f"{path}:5: not valid JSON" in captured.err
    assert captured.err.count("(skipped)") == 5


def test_eval_text(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_text(LINES[0] + "\n", encoding="utf-8")
    assert run([str(path)]) == 0
    assert "precision 1.000   recall 1.000   F1 1.000" in capsys.readouterr().out


def test_eval_without_usable_items_exits_1(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    path = tmp_path / "eval.jsonl"
    path.write_text("garbage\n", encoding="utf-8")
    assert run([str(path)]) == 1
    assert "no usable items" in capsys.readouterr().err


def test_eval_needs_a_file_or_labels(tmp_path: Path) -> None:
    from monitor.errors import MonitorError

    with pytest.raises(MonitorError, match="give FILE.jsonl or --labels"):
        run([])
    with pytest.raises(MonitorError, match="cannot read"):
        run([str(tmp_path / "missing.jsonl")])
