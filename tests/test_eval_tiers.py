"""`monitor eval` with tiers: per item `tier` in --json, tier counts in the text report, and bad labelled
lines (unknown labels or tiers, no text, 5 MB of English, mixed Korean and English) as clear errors with line
numbers."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.match.evaluation import MAX_ITEM_CHARS, eval_report_json, eval_report_text, evaluate, parse_lines
from monitor.match.matcher import load_matcher
from monitor.paths import topics_file

GOOD = [
    {"id": "k1", "title": "한미일, 핵심광물 공급망 협력 강화", "text": "3국 산업장관이 공동성명을 냈다.",
     "label": "relevant", "tier": "core"},
    {"id": "m1", "title": "한미 반도체 supply chain 협력 논의",
     "text": "양국은 semiconductor 공급망을 논의했다.", "label": "relevant"},
    {"id": "n1", "title": "주말 날씨 맑음", "text": "전국이 대체로 맑겠다.", "label": "irrelevant"},
]  # fmt: skip
BAD = [
    {"id": "b1", "title": "한미 공급망", "label": "relevent"},  # typo in the label
    {"id": "b2", "title": "한미 공급망", "label": "relevant", "tier": "adjacent"},  # the corpus's word
    {"id": "b3", "title": "한미 공급망", "label": "relevant", "tier": "peripheral"},
    {"id": "b4", "title": "날씨", "label": "irrelevant", "tier": "core"},  # tier on an irrelevant
    {"id": "b5", "title": None, "text": "  ", "label": "relevant"},
    {"id": "b6", "title": "Seoul and Washington", "text": "supply chain talks. " * 270_000,
     "label": "relevant"},  # 5 MB of English
]  # fmt: skip


def _lines() -> list[str]:
    return [json.dumps(o, ensure_ascii=False) for o in (*GOOD, *BAD)]


def test_bad_lines_are_clear_errors_with_their_line_numbers() -> None:
    items, errors = parse_lines(_lines())
    assert [i.id for i in items] == ["k1", "m1", "n1"]
    assert items[0].tier == "core" and items[1].tier is None
    by_line = {e.line: e.message for e in errors}
    assert sorted(by_line) == [4, 5, 6, 7, 8, 9]
    assert "did you mean 'relevant'?" in by_line[4]
    assert '"tier" must be "core" or "context"' in by_line[5] and "did you mean 'context'?" in by_line[5]
    assert "'peripheral'" in by_line[6]
    assert 'goes only with "label": "relevant"' in by_line[7]
    assert "neither" in by_line[8]
    assert f"{MAX_ITEM_CHARS:,}" in by_line[9] and "5,400,020 characters" in by_line[9]


@pytest.fixture(scope="module")
def matcher():
    return load_matcher(topics_file())


def test_json_gives_each_item_its_tier_and_the_text_counts_tiers(matcher) -> None:
    items, errors = parse_lines(_lines())
    report = evaluate(items, matcher.match, errors)
    data = eval_report_json(report)
    tiers = {i["id"]: i["tier"] for i in data["items"]}
    assert tiers["k1"] in ("core", "context") and tiers["n1"] is None
    assert all((i["tier"] is None) == (i["predicted"] == "irrelevant") for i in data["items"])
    assert data["tiers"] == {t: sum(1 for v in tiers.values() if v == t) for t in ("core", "context")}
    assert data["items"][0]["labelled_tier"] == "core" and "labelled_tier" not in data["items"][1]
    assert data["tier_labelled_caught"] == 1 and data["tier_agreement"] in (0.0, 1.0)
    text = eval_report_text(report)
    assert f"tiers of the predicted relevant: core {data['tiers']['core']}, context" in text
    assert "tier as labelled:" in text


def test_the_command_reports_bad_lines_and_carries_on(tmp_path: Path, capsys) -> None:
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(_lines()) + "\n", encoding="utf-8")
    code = main(["eval", str(path), "--topics", str(topics_file()), "--json"])
    out, err = capsys.readouterr()
    assert code == 0
    assert [i["id"] for i in json.loads(out)["items"]] == ["k1", "m1", "n1"]
    assert f"{path}:5: " in err and f"{path}:9: " in err and "Traceback" not in err
