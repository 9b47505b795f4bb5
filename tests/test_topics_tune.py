"""`monitor topics tune`: measured edits from labelled items, --write, and what it writes being accepted.

The labelled file is invented for these tests: four relevant items about a Korea–US topic the shipped
topics file lacks (submarine-cable protection), which it therefore misses, and irrelevant items that
never use the word. The obvious edit is to add the term; tune must find it, measure it, and write it.
Two false alerts about tourism supply chains make the other obvious edit an exclusion.
"""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from monitor.cli import main
from monitor.match.evaluation import evaluate, parse_lines
from monitor.match.matcher import load_matcher
from monitor.match.tuning import Edit, apply_edits, tune
from monitor.paths import topics_file
from monitor.store import Store
from tests.test_rematch import _save

MISSING = "해저케이블"
ITEMS = [
    ("한미, 해저케이블 보호 협력 강화",
     "양국 정부는 해저케이블 안전을 위한 공동 점검 체계를 만들기로 했다.", "relevant"),
    ("한미 외교차관, 해저케이블 공동 대응 논의",
     "차관들은 해저케이블 훼손에 대비한 정보 공유를 늘리기로 했다.", "relevant"),
    ("한미 해저케이블 안보 회의 첫 개최",
     "두 나라는 해저케이블 복구 역량을 함께 키우기로 했다.", "relevant"),
    ("한미, 해저케이블 표준 공동 마련",
     "정부는 미국과 해저케이블 부설 기준을 맞추기로 했다.", "relevant"),
    ("한미일 산업장관회의, 반도체 공급망 협력 강화",
     "3국 장관은 공급망 조기경보 체계를 함께 운영하기로 했다.", "relevant"),
    ("주말 전국 맑고 포근",
     "기상청은 주말 동안 전국이 대체로 맑겠다고 밝혔다.", "irrelevant"),
    ("한미 연합훈련 시작",
     "양국 군은 다음 주부터 연합 훈련을 한다.", "irrelevant"),
    ("프로야구 개막전 매진",
     "개막전 표가 모두 팔렸다.", "irrelevant"),
    ("바닷가 관광객 늘어",
     "여름 휴가철 해변 관광객이 크게 늘었다.", "irrelevant"),
    # two false alerts of the shipped file: tourism, not economic security (RELEVANCE.md, other senses)
    ("한미, 관광 공급망 회복력 논의",
     "양국 관광업계는 관광 공급망 회복력을 높이기로 했다.", "irrelevant"),
    ("한미 관광 공급망 회복력 강화 합의",
     "두 나라 여행사들이 관광 공급망 회복력 협의체를 만든다.", "irrelevant"),
]  # fmt: skip


def _lines() -> list[str]:
    return [
        json.dumps({"id": f"t{n}", "title": t, "text": x, "label": label}, ensure_ascii=False)
        for n, (t, x, label) in enumerate(ITEMS, start=1)
    ]


@pytest.fixture
def labelled(tmp_path: Path) -> Path:
    path = tmp_path / "labelled.jsonl"
    path.write_text("\n".join(_lines()) + "\n", encoding="utf-8")
    return path


def _f1(topics: Path, path: Path) -> float:
    items, _ = parse_lines(path.read_text(encoding="utf-8").splitlines())
    return evaluate(items, load_matcher(topics).match).f1


def test_tune_proposes_the_missing_term_measured_and_best_first(labelled: Path) -> None:
    items, _ = parse_lines(_lines())
    report = tune(items, topics_file())
    assert report.baseline.recall == pytest.approx(1 / 5)  # only the 산업장관회의 item is caught
    best = report.proposals[0]
    assert best.edit.kind == "add_term" and best.edit.term == MISSING and best.edit.catches == 4
    assert best.gain > 0 and best.after.recall == 1.0 and best.after.fp == 2
    assert [p.gain for p in report.proposals] == sorted((p.gain for p in report.proposals), reverse=True)
    exclusions = [p for p in report.proposals if p.edit.kind == "exclusion" and p.gain > 0]
    assert exclusions and "관광" in exclusions[0].edit.term and exclusions[0].after.fp == 0
    assert exclusions[0].edit.path == "exclusions.tuned.terms"
    assert report.final is not None and report.final.f1 == 1.0 and report.text is not None
    assert [e.kind for e in report.accepted][:2] == ["add_term", "exclusion"]


def test_write_gives_a_file_config_check_backtest_and_eval_accept_with_no_lower_f1(
    labelled: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    new = tmp_path / "topics.toml"  # beside the config below: the file `config check` validates
    code = main(["topics", "tune", str(labelled), "--topics", str(topics_file()), "--write", str(new)])
    out = capsys.readouterr().out
    assert code == 0 and f"add term '{MISSING}'" in out and "✓" in out and f"written: {new}" in out
    text = new.read_text(encoding="utf-8")
    original = topics_file().read_text(encoding="utf-8")
    # the copy keeps every comment of the original and only adds lines
    kept = [line for line in text.splitlines() if line.lstrip().startswith("#")]
    comments = [line for line in original.splitlines() if line.lstrip().startswith("#")]
    assert [line for line in kept if line in comments] == comments
    assert MISSING in text and len(text.splitlines()) > len(original.splitlines())
    assert _f1(new, labelled) >= _f1(topics_file(), labelled)
    config = tmp_path / "monitor.toml"
    config.write_text('[storage]\npath = "m.db"\n[[feeds]]\nname = "a"\nurl = "https://example.kr/rss"\n')
    assert main(["--config", str(config), "config", "check"]) == 0
    assert "config OK" in capsys.readouterr().out
    assert main(["--config", str(config), "backtest", str(new)]) == 0
    assert main(["topics", "check", "--topics", str(new)]) == 0  # every seed still matches


def test_json_lists_every_proposal_with_its_figures(
    labelled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["topics", "tune", str(labelled), "--topics", str(topics_file()), "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["items"] == len(ITEMS) and data["baseline"]["recall"] == 0.2
    first = data["proposals"][0]
    assert first["term"] == MISSING and first["accepted"] and first["after"]["recall"] == 1.0
    assert data["final"]["f1"] == 1.0 > data["baseline"]["f1"]


def test_tune_from_the_stored_labels(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    db = tmp_path / "m.db"
    with Store.open(db) as s:
        _save(s, rows=[(t, x, "") for t, x, _ in ITEMS])
        for n, (_, _, label) in enumerate(ITEMS, start=1):
            s.set_label(n, label, "")
    config = tmp_path / "monitor.toml"
    config.write_text(f'[storage]\npath = "m.db"\n[matching]\ntopics = "{topics_file().as_posix()}"\n')
    assert main(["--config", str(config), "topics", "tune", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["items"] == len(ITEMS) and data["proposals"][0]["term"] == MISSING


def test_bad_input_is_a_clear_error(
    tmp_path: Path, labelled: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    only = tmp_path / "only.jsonl"
    only.write_text(_lines()[0] + "\n", encoding="utf-8")
    assert main(["topics", "tune", str(only), "--topics", str(topics_file())]) != 0
    assert "tuning needs both labels" in capsys.readouterr().err
    same = main(
        ["topics", "tune", str(labelled), "--topics", str(topics_file()), "--write", str(topics_file())]
    )
    assert same != 0 and "is the topics file itself" in capsys.readouterr().err
    broken = tmp_path / "broken.toml"
    broken.write_text("version = 1\n[topics.x]\nterms = 3\n", encoding="utf-8")
    assert main(["topics", "tune", str(labelled), "--topics", str(broken)]) != 0
    err = capsys.readouterr().err
    assert "topics.x.terms" in err and "Traceback" not in err


def test_apply_edits_keeps_the_file_valid_for_each_kind_of_edit(tmp_path: Path) -> None:
    text = topics_file().read_text(encoding="utf-8")
    edits = [
        Edit("add_term", "topics.supply_chain.terms", "해저케이블"),
        Edit("add_term", "topics.frameworks.terms", "칩4 예비회의", standalone=True),
        Edit("weight", "topics.supply_chain.terms[0]", "공급망", weight=1.2, old_weight=1.0),
        Edit("exclusion", "exclusions.tuned.terms", "편의점 공급망"),
    ]
    new = apply_edits(text, edits)
    path = tmp_path / "edited.toml"
    path.write_text(new, encoding="utf-8")
    matcher = load_matcher(path)
    spellings = {t.term: t for t in matcher.config.all_terms()}
    assert spellings["칩4 예비회의"].standalone and spellings["공급망"].weight == 1.2
    assert spellings["편의점 공급망"].group == "tuned"
    assert not matcher.match("편의점 공급망 점검", "").relevant


def test_an_english_alias_read_as_a_korean_term_is_an_error_with_its_key_path(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "topics.toml").write_text(
        "version = 1\n"
        '[actors.korea_us]\ncountries = ["kr", "us"]\nterms = ["한미"]\n'
        '[topics.supply_chain]\nlabel = "공급망"\nterms = [{ term = "공급망", aliases = ["Korea-US"] }]\n',
        encoding="utf-8",
    )
    config = tmp_path / "monitor.toml"
    config.write_text('[storage]\npath = "m.db"\n[[feeds]]\nname = "a"\nurl = "https://example.kr/rss"\n')
    assert main(["--config", str(config), "config", "check"]) == 1
    out = capsys.readouterr().out
    assert "matching.topics:" in out and "topics.supply_chain.terms[0].aliases[0]" in out
    assert "'Korea-US' (it is read as '한미') is already a term at actors.korea_us.terms[0]" in out
    assert "Traceback" not in out
