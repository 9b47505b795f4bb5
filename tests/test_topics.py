"""monitor.match.topics and `monitor topics check|suggest`: the topics file, its errors, and the tuning aids."""

from __future__ import annotations

import argparse
import copy
from pathlib import Path
from typing import Any

import pytest

from monitor.cli import match_cmds
from monitor.errors import ConfigError
from monitor.match.topics import (
    Background,
    default_topics_path,
    load_background,
    load_topics,
    parse_topics,
    read_document,
    suggest_terms,
)

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ROOT / "config" / "topics.toml"

MINIMAL: dict[str, Any] = {
    "version": 1,
    "actors": {"korea_us": {"countries": ["kr", "us"], "terms": ["한미"]}},
    "topics": {
        "supply_chain": {"label": "공급망", "terms": ["공급망", {"term": "조기경보시스템", "weight": 0.8}]},
        "export_controls": {"terms": ["수출통제"]},
    },
    "exclusions": {"companies": {"reason": "회사명", "terms": ["한미약품"]}},
}


def problems(data: dict[str, Any]) -> list[str]:
    with pytest.raises(ConfigError) as info:
        parse_topics(data, path="t.toml")
    return info.value.problems


def test_the_shipped_file_loads_with_every_required_topic() -> None:
    config = load_topics(TOPICS)
    topics = {t.id for t in config.topics}
    assert {
        "supply_chain", "semiconductors_batteries", "critical_minerals", "export_controls", "technology",
        "clean_energy", "biopharma", "frameworks",
    } <= topics  # fmt: skip
    spellings = {s for t in config.all_terms() for s in (t.term, *t.aliases)}
    assert {"한미일", "한미", "한일", "미일", "산업통상자원부", "상무부", "BIS", "경제산업성", "국가안보실",
            "백악관", "러몬도", "사이토 겐", "안덕근", "에스테베즈"} <= spellings  # fmt: skip
    assert {"한미약품", "한미반도체", "한일전", "한미사이언스", "한일시멘트"} <= spellings
    assert {t.term for t in config.all_terms() if t.standalone} >= {"IPEF", "한미일 산업 장관 회의"}
    assert len(config.digest) == 12


def test_minimal_file_parses() -> None:
    config = parse_topics(MINIMAL)
    assert config.topic("supply_chain").terms[1].weight == 0.8
    assert config.actors[0].countries == ("kr", "us")
    assert config.scoring.threshold == 0.5


def test_duplicate_term_names_both_places() -> None:
    data = copy.deepcopy(MINIMAL)
    data["topics"]["export_controls"]["terms"].append("공급 망")  # same term, other spacing
    (p,) = problems(data)
    assert p.startswith(
        "topics.export_controls.terms[1]: '공급 망' is already a term at topics.supply_chain.terms[0]"
    )


def test_exclusion_equal_to_a_term_is_a_duplicate() -> None:
    data = copy.deepcopy(MINIMAL)
    data["exclusions"]["companies"]["terms"].append("수출통제")
    assert any("exclusions.companies.terms[1]" in p and "already a term" in p for p in problems(data))


@pytest.mark.parametrize("weight", ["high", -1, 0, 11, True, float("nan")])
def test_bad_weight(weight: Any) -> None:
    data = copy.deepcopy(MINIMAL)
    data["topics"]["supply_chain"]["terms"][1]["weight"] = weight
    (p,) = problems(data)
    assert p.startswith("topics.supply_chain.terms[1].weight: must be a number > 0 and <= 10")


def test_unknown_topic_reference_suggests_the_right_one() -> None:
    data = copy.deepcopy(MINIMAL)
    data["topics"]["supply_chain"]["terms"].append({"term": "EWS", "near": ["@suply_chain"], "within": 20})
    (p,) = problems(data)
    assert p == (
        "topics.supply_chain.terms[2].near[0]: unknown topic '@suply_chain' (did you mean '@supply_chain'?)"
    )


def test_every_problem_is_reported_at_once() -> None:
    data = copy.deepcopy(MINIMAL)
    data["version"] = 2
    data["scoring"] = {"threshhold": 0.4, "title_bonus": "x"}
    data["actors"]["korea_us"]["countries"] = ["kr", "usa"]
    data["topics"]["supply_chain"]["wieght"] = 1
    data["topics"]["supply_chain"]["terms"].append({"term": "", "boundary": "wrod"})
    found = problems(data)
    expected = [
        "version: must be 1, got 2",
        "scoring.threshhold: unknown key (did you mean 'threshold'?)",
        "scoring.title_bonus: must be a number from 1.0 to 10.0, got 'x'",
        "actors.korea_us.countries[1]: must be one of kr, us, jp, cn (once), got 'usa' (did you mean 'us'?)",
        "topics.supply_chain.wieght: unknown key (did you mean 'weight'?)",
        "topics.supply_chain.terms[2].term: must be a non-empty string, got ''",
    ]
    for e in expected:
        assert e in found
    assert len(found) == len(expected)


def test_topic_terms_need_actors_and_topics() -> None:
    found = problems({"version": 1})
    assert "actors: at least one actor group is needed (relevance requires an actor)" in found
    assert "topics: at least one topic is needed" in found


def test_load_reports_syntax_errors_with_the_path(tmp_path: Path) -> None:
    bad = tmp_path / "topics.toml"
    bad.write_text('version = 1\n[topics.x\nterms = ["a"]\n', encoding="utf-8")
    with pytest.raises(ConfigError, match=r"topics\.toml: not valid TOML"):
        load_topics(bad)
    bad.write_bytes(b"version = 1\n# \xff\n")
    with pytest.raises(ConfigError, match="not UTF-8"):
        load_topics(bad)
    with pytest.raises(ConfigError, match="cannot read the topics file"):
        load_topics(tmp_path / "missing.toml")


def test_default_path_is_next_to_the_main_config() -> None:
    assert default_topics_path("/etc/monitor/monitor.toml") == Path("/etc/monitor/topics.toml")
    assert default_topics_path(None) == Path("config/topics.toml")


def test_read_document_takes_front_matter_title_or_first_line(tmp_path: Path) -> None:
    front = tmp_path / "a.txt"
    front.write_text("---\ntitle: 한미일 산업장관회의\ncategories: [News]\n---\n\n본문", encoding="utf-8")
    assert read_document(front) == ("한미일 산업장관회의", "\n\n본문")
    plain = tmp_path / "b.txt"
    plain.write_text("\n제목 줄\n본문 첫 줄\n", encoding="utf-8")
    assert read_document(plain) == ("제목 줄", "본문 첫 줄")


def test_shipped_background_table_loads() -> None:
    background = load_background()
    assert background.documents > 1000
    assert background.df["대통령"] > background.df.get("희토류", 0)


def test_suggest_ranks_distinctive_terms_and_omits_known_ones() -> None:
    config = parse_topics(MINIMAL)
    docs = [
        (
            "a",
            "희토류 영구자석 협력",
            "3국은 희토류 영구자석 공급망을 논의했다. 희토류 분리정제 기술도 논의했다.",
        ),
        ("b", "영구자석 공동 생산", "희토류 영구자석 공동 생산을 논의했다. 공급망 협력도 논의했다."),
    ]
    background = Background(documents=1000, df={"논의": 300, "협력": 200, "희토류": 1}, source="test")
    suggestions = suggest_terms(config, docs, background, limit=10)
    terms = [s.term for s in suggestions]
    assert "희토류 영구자석" in terms
    assert "공급망" not in terms  # already in the file
    assert "논의" not in terms  # ordinary vocabulary
    top = suggestions[0]
    assert top.count >= 2 and top.snippet and top.source in {"a", "b"}


# -- CLI ---------------------------------------------------------------------------------------------


def run(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    match_cmds.register(parser.add_subparsers(dest="command"))
    args = parser.parse_args(argv)
    return int(args.func(args))


def test_topics_check_passes_every_seed(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["topics", "check", "--topics", str(TOPICS)]) == 0
    out = capsys.readouterr().out
    assert "5/5 seed documents match" in out
    assert out.count("top topics:") == 5


def test_topics_check_fails_when_a_seed_does_not_match(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    narrow = tmp_path / "topics.toml"
    narrow.write_text(
        'version = 1\n[actors.kr_us]\ncountries = ["kr", "us"]\nterms = ["한미"]\n'
        '[topics.minerals]\nterms = ["희토류"]\n',
        encoding="utf-8",
    )
    assert run(["topics", "check", "--topics", str(narrow)]) == 1
    assert "FAIL" in capsys.readouterr().out


def test_topics_suggest_prints_terms_with_counts(capsys: pytest.CaptureFixture[str]) -> None:
    assert run(["topics", "suggest", "--topics", str(TOPICS), "-n", "5"]) == 0
    out = capsys.readouterr().out
    assert "5 documents; background:" in out
    assert out.count(" docs (background ") == 5


def test_short_label_drops_the_examples_in_brackets() -> None:
    from monitor.match.topics import short_label

    assert short_label("수출통제·제재 (BIS, VEU, 대러 제재)") == "수출통제·제재"
    assert short_label("공급망 회복력") == "공급망 회복력"
