"""monitor.match.matcher: decisions, evidence, the prefilter's promise, and `monitor explain`."""

from __future__ import annotations

import argparse
import json
from pathlib import Path
from typing import Any

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from monitor.cli import match_cmds
from monitor.match.evaluation import evaluate, parse_lines
from monitor.match.matcher import MAX_TEXT_CHARS, Matcher, load_matcher, result_from_dict, result_to_dict
from monitor.match.topics import parse_topics, read_document
from monitor.paths import seeds_dir

ROOT = Path(__file__).resolve().parent.parent
TOPICS = ROOT / "config" / "topics.toml"


@pytest.fixture(scope="module")
def matcher() -> Matcher:
    return load_matcher(TOPICS)


def small(**scoring: Any) -> Matcher:
    """A small config for rules that the shipped file should not have to demonstrate."""
    data: dict[str, Any] = {
        "version": 1,
        "scoring": scoring,
        "actors": {
            "korea_us": {"countries": ["kr", "us"], "terms": ["한미"]},
            "us": {"countries": ["us"], "terms": [{"term": "상무부", "weight": 0.5}]},
            "kr_name": {"countries": ["kr"], "generic": True, "weight": 0.5, "terms": ["한국"]},
        },
        "topics": {
            "chips": {"terms": [{"term": "반도체", "weight": 0.8}, {"term": "IPEF", "standalone": True}]},
            "controls": {
                "terms": [
                    {"term": "BIS", "near": ["수출통제", "@chips"], "within": 15},
                    {"term": "제재", "weight": 0.6, "not_near": ["금감원"], "within": 10},
                    "수출통제",
                ]
            },
        },
        "exclusions": {"companies": {"terms": ["한미반도체"]}},
    }
    return Matcher(parse_topics(data))


# -- the seeds and the dev set -----------------------------------------------------------------------


def test_every_seed_is_relevant(matcher: Matcher) -> None:
    for path in sorted(seeds_dir().glob("*.txt")):
        title, text = read_document(path)
        result = matcher.match(title, text)
        assert result.relevant, (path.name, result.reason)


def test_dev_set_quality(matcher: Matcher) -> None:
    """The tuning target, on the dev set (the seeds are checked above): precision and recall at least
    0.95, and at most 10% of the hard negatives flagged."""
    items, errors = parse_lines(
        (ROOT / "tests" / "data" / "dev.jsonl").read_text(encoding="utf-8").splitlines()
    )
    assert not errors
    report = evaluate(items, matcher.match)
    hard = [p for p in report.predictions if str(p.item.extra["kind"]).startswith("hard")]
    assert len(items) >= 150 and report.tp + report.fn >= 40 and len(hard) >= 60
    assert report.precision >= 0.95 and report.recall >= 0.95
    assert sum(p.predicted == "relevant" for p in hard) <= 0.10 * len(hard)


# -- what makes an article relevant ------------------------------------------------------------------


@pytest.mark.parametrize(
    "title",
    [
        "한미, 공급망을 논의",  # particles
        "한·미, 반도체와 배터리 협력",
        "韓美 수출통제에 공조",
        "한국·미국·일본, 핵심광물 공동투자",
        "한-미-일 AI반도체 협력",  # English glued to Hangul counts
        "안덕근 장관, 러몬도 美 상무장관과 공급망 협의",  # officials of two countries
        "日, 韓 화이트리스트 4년 만에 복원",  # two country names in the headline
        "IPEF 공급망 협정 발효",  # standalone in the title
        "일본 수출규제 4년 만에 해제…화이트리스트 복원",  # Japan's white list: Korea goes unnamed
        "정부, 미국과 반도체 공급망 협력 강화",  # 정부 alone is Korea's
    ],
)
def test_relevant_headlines(matcher: Matcher, title: str) -> None:
    result = matcher.match(title, None)
    assert result.relevant, result.reason


@pytest.mark.parametrize(
    "title",
    [
        "한미약품, 비만 신약 임상 3상 진입",
        "한미반도체, 美 마이크론에 HBM 장비 공급",
        "축구 한일전 0-3 참패",
        "한미 연합훈련 시작…北 반발",  # actor, no economic topic
        "삼성전자 2분기 반도체 영업이익 6조",  # topic, no actor
        "美 연준 금리 동결",
        "한미 금리차 역대 최대…반도체 수출 부진 겹쳐",
        "공급망 대란에 日선 중고가전, 美선 중고의류 잘 팔리네",  # places, not actors
        "저축은행 BIS 비율 하락",
        "가상자산 화이트리스트 도입 검토",  # another white list
    ],
)
def test_irrelevant_headlines(matcher: Matcher, title: str) -> None:
    result = matcher.match(title, None)
    assert not result.relevant, result.reason


@pytest.mark.parametrize(
    "title",
    [
        "美 상무부, 中 화웨이 수출통제 강화",  # the US and China: no pair in the trio, one actor's measure
        "미국 정부, 반도체 보조금 지급 개시",  # 정부 right after another country's name is theirs
        "바이든 정부, 배터리 공급망 행정명령",
        "中 상무부, 갈륨·게르마늄 수출통제 발표",
        "日, 對中 반도체 장비 23개 품목 수출규제 시행",
        "US Commerce Department tightens chip export controls on China",
    ],
)
def test_one_actors_measure_is_context(matcher: Matcher, title: str) -> None:
    """../RELEVANCE.md's context tier: one government's measure on the agenda, without the three
    cooperating, belongs in the digest below the core items."""
    result = matcher.match(title, None)
    assert result.relevant and result.tier == "context", result.reason


@pytest.mark.parametrize(
    "title",
    [
        "한국 반도체 주력 D램 가격, 7월에만 14% 폭락",  # a market: no measure
        "美비웃는 中 반도체 굴기… 7나노 성공, 공장 31곳 신설",  # an industry's progress: no measure
        "한-인니 정상회담…공급망·경제안보 협력",  # outside the three: no government of theirs acts
    ],
)
def test_one_country_without_a_measure_is_not_context(matcher: Matcher, title: str) -> None:
    result = matcher.match(title, None)
    assert not result.relevant, result.reason


def test_a_standalone_term_in_the_body_alone_decides_nothing(matcher: Matcher) -> None:
    body = "카네기재단 이사장은 미중 갈등을 두고 칩4 같은 구상이 세계 경제에 부담이 된다고 말했다."
    assert not matcher.match("미중 경제, 뒤엉켜 자란 나무", body).relevant
    assert matcher.match("칩4 동맹 논란", None).relevant


def test_title_evidence_weighs_more_than_body(matcher: Matcher) -> None:
    in_title = matcher.match("한미 반도체 협력", "양국은 회의를 열었다.", full=True)
    in_body = matcher.match("한미 회의", "양국은 반도체 협력을 논의했다.", full=True)
    assert in_title.score > in_body.score
    (hit,) = [h for h in in_title.hits if h.term == "반도체"]
    assert hit.in_title and hit.score == pytest.approx(2 * hit.weight)


def test_repeats_have_diminishing_returns(matcher: Matcher) -> None:
    once = matcher.match("한미 회의", "반도체 협력을 논의했다.", full=True)
    many = matcher.match("한미 회의", "반도체 협력을 논의했다. " + "반도체 " * 40, full=True)
    assert once.topic_mass < many.topic_mass <= 1.5 * once.topic_mass


def test_exclusions_remove_only_the_hits_they_cover() -> None:
    m = small()
    assert not m.match("한미반도체 주가 급등", None).relevant
    result = m.match("한미반도체 주가 급등", "한미 양국은 반도체 수출통제를 논의했다.")
    assert result.relevant
    assert [h.term for h in result.exclusions] == ["한미반도체"]
    assert {h.note for h in result.dropped} == {"excluded by '한미반도체' (companies)"}


def test_english_terms_match_whole_words_only() -> None:
    m = small()
    assert not m.match("한미 BISTRO 개업", None).topics
    assert not m.match("한미 said ipef", None).relevant  # all-capital terms are case-sensitive
    assert m.match("한미 수출통제 BIS 규정", None).relevant


def test_near_and_not_near() -> None:
    m = small()
    near = m.match("한미 회의", "BIS는 수출통제 규정을 발표했다.")
    assert "BIS" in [h.term for h in near.hits]
    far = m.match("한미 회의", "BIS 발표." + " 가나다라마바사" * 10 + " 수출통제", full=True)
    assert [h.note for h in far.dropped if h.term == "BIS"] == ["needs 수출통제 / @chips within 15 chars"]
    blocked = m.match("한미 회의", "금감원 제재 결정", full=True)
    assert [h.note for h in blocked.dropped if h.term == "제재"] == ["금감원 within 10 chars"]


def test_country_names_count_in_the_title_but_only_add_weight_in_the_body() -> None:
    m = small()
    titled = m.match("한국 반도체 수출 동향", "상무부가 수출통제 규정을 설명했다.", full=True)
    assert titled.actor_ok and titled.countries == ("kr", "us")
    body = m.match("반도체 수출 동향", "한국 기업과 상무부가 만났다. 한국 정부도 참석했다.", full=True)
    assert not body.actor_ok and body.countries == ("us",)  # 한국 adds weight beside 상무부, no country
    unsupported = m.match("반도체 수출 동향", "한국 반도체 기업들이 한국 시장에서 경쟁했다.", full=True)
    assert not unsupported.actor_ok
    assert {h.note for h in unsupported.dropped} == {
        "country name in the body, with no named actor to support"
    }


def test_morphology_decides_glued_short_terms_only_when_it_matters() -> None:
    m = small()
    company = m.match("한미약품 반도체 사업 진출", None)  # 한미 glued to 약품: not the pair
    assert not company.relevant and company.morphology_used
    assert any(h.note == "morphology: not a word of its own here" for h in company.dropped)
    alliance = m.match("한미동맹 반도체 협력", None)
    assert alliance.relevant and alliance.morphology_used
    particle = m.match("한미는 반도체 협력", None)  # a particle: no morphology needed
    assert particle.relevant and not particle.morphology_used


def test_morphology_can_be_switched_off() -> None:
    data = {"version": 1, "actors": {"p": {"countries": ["kr", "us"], "terms": ["한미"]}},
            "topics": {"t": {"terms": ["반도체"]}}}  # fmt: skip
    m = Matcher(parse_topics(data), morphology=False)
    result = m.match("한미약품 반도체 사업", None)
    assert not result.relevant and not result.morphology_used


# -- bad input ---------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("title", "text"),
    [(None, None), ("", ""), ("   ", "\n\n"), ("\u200b", None), ("🇰🇷🇺🇸", "сотрудничество 協力")],
)
def test_empty_and_odd_input(matcher: Matcher, title: str | None, text: str | None) -> None:
    result = matcher.match(title, text)
    assert result.decision == "irrelevant" and result.score == 0.0


def test_entities_full_width_and_zero_width_in_titles(matcher: Matcher) -> None:
    result = matcher.match("한&amp;middot;미 반도체 &amp;#8595; 협력", None)
    assert result.relevant
    assert matcher.match("ＩＰＥＦ 공급망 협정", None).relevant
    assert matcher.match("한\u200b미\u200b일 공급망 협력", None).relevant


def test_five_megabytes(matcher: Matcher) -> None:
    text = "한미 반도체 공급망 협력. " * 400_000
    result = matcher.match("한미 협력", text)
    assert result.truncated and result.relevant
    assert all(h.end <= MAX_TEXT_CHARS + 100 for h in result.hits)


# -- evidence ----------------------------------------------------------------------------------------


def test_evidence_is_json_and_round_trips(matcher: Matcher) -> None:
    result = matcher.match("한미반도체 아닌 한미 반도체 공급망 협력", "BIS 수출통제 협의. 한일전도 있었다.")
    data = json.loads(json.dumps(result_to_dict(result), ensure_ascii=False))
    assert result_from_dict(data) == result
    hit = next(h for h in result.hits if h.term == "공급망")
    assert (hit.kind, hit.group, hit.weight) == ("topic", "supply_chain", 1.0)
    assert hit.snippet and hit.start < hit.end and hit.in_title
    assert {h.term for h in result.exclusions} == {"한미반도체", "한일전"}


def test_prefilter_rejections_say_so(matcher: Matcher) -> None:
    result = matcher.match("오늘의 날씨", "전국 대부분 지역에 비가 내린다.")
    assert result.reason == "too little topic or actor evidence (prefilter)"
    assert result.config_digest == matcher.config.digest


_WORDS = st.sampled_from(
    ["한미", "한·미", "한국과 미국이", "韓美", "미일", "美", "日", "한국", "미국", "일본", "상무부", "안덕근",
     "한미약품", "한미반도체", "한일전", "공급망", "반도체", "수출통제", "수출 통제", "핵심광물", "IPEF",
     "AI",
     "BIS", "제재", "희토류", "청정 수소", "칩4", "관세", "경제안보대화", "한미일 산업장관회의", "은", "을",
     "의", "와", " ", "  ", "\n", "\n\n", "·", "-", ",", "협력", "날씨", "가나다", "3국", "정부"]
)  # fmt: skip


@given(title=st.lists(_WORDS, max_size=10).map("".join), text=st.lists(_WORDS, max_size=30).map("".join))
@settings(max_examples=400, deadline=None)
def test_the_prefilter_never_rejects_a_relevant_article(matcher: Matcher, title: str, text: str) -> None:
    """The prefilter may only skip work: with or without it, every article gets the same decision."""
    assert matcher.match(title, text).decision == matcher.match(title, text, full=True).decision


# -- `monitor explain` -------------------------------------------------------------------------------


def explain(argv: list[str]) -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--config")
    match_cmds.register(parser.add_subparsers(dest="command"))
    config = [*argv[:2]] if argv[:1] == ["--config"] else []
    args = parser.parse_args([*config, "explain", "--topics", str(TOPICS), *argv[len(config) :]])
    return int(args.func(args))


def test_explain_shows_decision_terms_and_exclusions(capsys: pytest.CaptureFixture[str]) -> None:
    assert (
        explain(["--title", "한미반도체 말고 한미 공급망 협력", "--text", "양국은 반도체도 논의했다."]) == 0
    )
    out = capsys.readouterr().out
    assert out.startswith("decision:  relevant (score ")
    assert "] 한미 (actor korea_us, w 1, +2.00)" in out  # the separate 한미 counts in full
    assert "공급망 (topic supply_chain, w 1, +2.00)" in out
    assert "why not: excluded by '한미반도체' (companies)" in out
    assert "exclusions that fired (1):" in out


def test_explain_json(capsys: pytest.CaptureFixture[str]) -> None:
    assert explain(["--title", "오늘의 날씨", "--json"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert data["decision"] == "irrelevant" and data["hits"] == []


def test_explain_a_stored_article_goes_through_the_lookup(
    monkeypatch: pytest.MonkeyPatch, capsys: pytest.CaptureFixture[str]
) -> None:
    row = {"id": 42, "url": "http://a.example/42", "title": "IPEF 공급망 협정", "text": "", "match": None}
    monkeypatch.setattr(match_cmds, "_stored_article", lambda args, key: row)
    assert explain(["42"]) == 0
    out = capsys.readouterr().out
    assert "article:   #42 IPEF 공급망 협정" in out and "no verdict stored" in out
    assert "standalone term 'IPEF'" in out


def test_explain_empty_input_is_an_answer_not_an_error(capsys: pytest.CaptureFixture[str]) -> None:
    assert explain(["--title", "", "--text", ""]) == 0
    assert capsys.readouterr().out.startswith("decision:  irrelevant (score 0.00")


def test_explain_needs_something_to_explain() -> None:
    from monitor.errors import MonitorError

    with pytest.raises(MonitorError, match="nothing to explain"):
        explain([])


def test_explain_uses_the_configs_threshold_unless_told_otherwise(
    tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """What explain and eval decide must be what the poll decides: [matching].threshold counts."""
    config = tmp_path / "monitor.toml"
    config.write_text(f'[matching]\ntopics = "{TOPICS}"\nthreshold = 0.95\n', encoding="utf-8")
    article = ["--title", "한미 공급망 협력", "--text", "양국은 반도체 공급망을 논의했다."]
    assert explain(["--config", str(config), *article]) == 0
    assert "threshold 0.95)" in capsys.readouterr().out
    assert explain(["--config", str(config), "--threshold", "0.4", *article]) == 0
    assert "threshold 0.4)" in capsys.readouterr().out


# -- English inflections (monitor.lang.ENGLISH_INFLECTIONS) -------------------------------------------


def english() -> Matcher:
    data: dict[str, Any] = {
        "version": 1,
        "actors": {"korea_us": {"countries": ["kr", "us"], "terms": ["한미"]}},
        "topics": {
            "controls": {
                "terms": [
                    {"term": "수출 통제", "aliases": ["export license"]},
                    {"term": "제재", "aliases": ["sanction", "ban"]},
                    {"term": "배터리", "aliases": ["battery"]},
                    {"term": "검증된 최종 사용자", "aliases": ["VEU"]},
                ]
            }
        },
    }
    return Matcher(parse_topics(data))


@pytest.mark.parametrize(
    ("text", "term"),
    [
        ("Washington sanctioned two suppliers", "제재"),  # regular: sanction + ed
        ("export licensing for chip tools", "수출 통제"),  # silent e: licens + ing, in a two-word alias
        ("export licensed to Samsung", "수출 통제"),  # the base form's own -d
        ("new batteries for cars", "배터리"),  # consonant y: batter + ies
        ("Seoul banned the shipments", "제재"),  # doubled consonant: bann + ed
        ("two VEUs revoked", "검증된 최종 사용자"),  # an acronym keeps its plural
    ],
)
def test_english_terms_match_their_inflected_forms(text: str, term: str) -> None:
    assert term in {h.term for h in english().match(text, None, full=True).hits}


@pytest.mark.parametrize(
    "text",
    [
        "a batter at bat",  # a cut stem is not a word
        "batteryless gadgets",  # nor is the base form inside a longer word
        "the export licensee",  # -ee is no ending of the table
        "a banner ad",  # ban + ner
        "VEUing",  # an acronym takes only the plural
    ],
)
def test_english_terms_do_not_match_other_words(text: str) -> None:
    assert not english().match(text, None, full=True).hits
