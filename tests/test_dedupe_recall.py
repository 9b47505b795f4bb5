"""Same-event recall, rounds 3 and 4: write-ups that share their facts but little of their wording.

Each test is one class of miss found on the development sets (round 3: events_holdout.jsonl,
events_holdout2.jsonl; round 4: events_holdout3.jsonl), written again as an invented event in the style of
Korean news (companies, people and meetings are made up; none of the text comes from tests/data or
../shared). Each joining pair stayed apart before its round.
"""

from __future__ import annotations

from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from monitor.match.evaluation import cluster_quality, parse_lines
from monitor.models import ClusterItem
from monitor.stories import cluster_items
from monitor.stories.contrasts import _contracts
from monitor.stories.features import conflict, default_key_terms, event_cues, item_features

DATA = Path(__file__).resolve().parent / "data"
#: 2025-10-13 09:00 KST: hour 12 is the evening of the 13th, hour 26 the morning of the 14th.
START = datetime(2025, 10, 13, tzinfo=UTC)

Row = tuple[str, str, str, int]  # title, text, outlet host, hours after START


def stories(rows: list[Row]) -> list[int]:
    items = [
        ClusterItem(n, title, text, f"https://{host}/article/{n}", START + timedelta(hours=hour))
        for n, (title, text, host, hour) in enumerate(rows, 1)
    ]
    assignments = cluster_items(items)
    return [assignments[n].story_key for n in range(1, len(rows) + 1)]


# -- many rare facts, a diluted overlap -------------------------------------------------------------

EXPLOSION = (
    "새봄화학 여수공장 폭발…작업자 3명 중상",
    "(여수=연합뉴스) 김하늘 기자 = 14일 오전 전남 여수국가산업단지 새봄화학 제2공장에서 폭발이 일어나 "
    "협력업체 작업자 3명이 크게 다쳤다. 소방당국은 에틸렌 저장탱크 배관을 교체하던 중 잔류 가스에 불꽃이 "
    "옮겨붙은 것으로 보고 있다.",
)
#: The same explosion with the outlet's own angle (safety of subcontractors): nine rare facts shared
#: (company, plant, tank, pipe, residual gas, subcontractor), a term overlap of about 0.31.
EXPLOSION_ANGLE = (
    "또 터진 새봄화학…정기보수 현장 하청 안전 도마",
    "새봄화학 제2공장 에틸렌 저장탱크에서 14일 배관을 바꾸던 협력업체 직원들이 잔류 가스 폭발로 다쳤다. "
    "올해 들어 산단에서만 세 번째 사고로, 노동부는 원청의 안전 조치 위반 여부를 들여다보기로 했다. 지역 "
    "노동단체는 특별감독과 하청 노동자 보호 예산 확대를 요구했고, 시민단체는 노후 설비 전수조사를 촉구했다.",
)


def test_two_outlets_sharing_many_rare_facts_join_despite_their_own_angles() -> None:
    a, b = stories([(*EXPLOSION, "www.yna.co.kr", 25), (*EXPLOSION_ANGLE, "news.hanbit.example", 27)])
    assert a == b


# -- two subjects, one event ------------------------------------------------------------------------

#: Who acted and who is affected: each headline opens with its own subject, the facts are the same.
REVOCATION = (
    "새봄시, 한빛버스 노선 면허 취소…내달부터 전세버스 투입",
    "(새봄=연합뉴스) 새봄시는 14일 시내버스 업체 한빛버스의 12개 노선 면허를 취소했다고 밝혔다. 한빛버스는 "
    "석 달째 기사 임금을 체불했고 차량 정비 기록을 조작한 사실이 드러났다. 시는 대체 업체를 공모하고 "
    "전세버스 40대를 투입한다.",
)
DRIVERS = (
    '한빛버스 기사들, "체불 임금부터"…노선 취소에 출퇴근길 비상',
    "한빛버스 기사 300여명이 14일 시청 앞에서 석 달째 밀린 임금 지급을 요구했다. 시가 이날 한빛버스의 12개 "
    "노선 면허를 취소하면서 전세버스 40대가 대체 투입되지만 출퇴근 시민들의 불편이 예상된다. 정비 기록 조작 "
    "의혹도 수사 대상이다.",
)


@pytest.mark.xfail(
    strict=True,
    reason=(
        "fitted scorer (monitor/stories/scorer.py) decides otherwise; the hand rule this tested is gone: "
        "the two headlines' own subjects keep them apart (different_subjects)"
    ),
)
def test_two_subjects_sharing_many_facts_are_two_sides_of_one_event() -> None:
    a, b = stories([(*REVOCATION, "www.yna.co.kr", 25), (*DRIVERS, "news.hanbit.example", 27)])
    assert a == b


def test_one_outlets_two_subjects_stay_two_fills_of_its_template() -> None:
    # An outlet's photo sets and series repeat its own paragraph under each subject: the subject veto holds.
    a, b = stories([(*REVOCATION, "news.hanbit.example", 25), (*DRIVERS, "news.hanbit.example", 27)])
    assert a != b


# -- numbers that do not make two events ------------------------------------------------------------


def test_one_digit_ranks_are_no_figures_conflict() -> None:
    # "2대 주주" and "제3자 배정": ranks each outlet picks, not the ruling's figures.
    a, b = stories(
        [
            (
                "법원, 새봄제약 신주발행 금지 가처분 인용",
                "서울중앙지법 민사50부는 14일 새봄제약 2대 주주가 낸 신주발행 금지 가처분 신청을 받아들였다. "
                "재판부는 경영권 방어가 주된 목적으로 보인다고 판단했다.",
                "www.yna.co.kr",
                25,
            ),
            (
                "'경영권 방어용' 증자 막혔다…새봄제약 신주발행 제동",
                "새봄제약의 제3자 배정 신주 발행이 법원 결정으로 막혔다. 법원은 기존 주주의 권리를 침해한다며 "
                "2대 주주의 신청을 받아들였다.",
                "news.hanbit.example",
                27,
            ),
        ]
    )
    assert a == b


def test_figures_of_different_kinds_are_no_conflict() -> None:
    # One report gives the law's section (122조), the other the tariff rate (40%): both are one rule.
    a, b = stories(
        [
            (
                "美 상무부, 122조 배터리 관세 면제 기준 관보 게재",
                "(서울=연합뉴스) 미국 상무부가 무역법 122조에 따른 배터리 관세를 면제받을 수 있는 현지 투자 기준을 "
                "관보에 게재했다. 미국에 셀 공장을 착공한 기업은 면제 대상이며 새봄에너지와 한빛배터리가 기준을 "
                "충족한다.",
                "www.yna.co.kr",
                25,
            ),
            (
                "배터리 관세 피할 길 열려…'美 셀 공장 착공' 기업 면제",
                "수입 배터리에 물리는 40% 관세를 미국에 셀 공장을 짓는 기업에는 면제한다는 기준이 나왔다. "
                "새봄에너지와 한빛배터리가 대상에 들어갈 것으로 보인다.",
                "news.hanbit.example",
                27,
            ),
        ]
    )
    assert a == b


def test_a_particle_after_a_figure_is_no_unit() -> None:
    # "3,500을" is the figure of the headline's "3,500", not a term of its own; "30도" keeps its unit.
    terms = default_key_terms(
        "새봄지수 3,500 돌파", "새봄지수가 사상 처음 3,500을 넘었고 2,980으로 출발했다. 기온은 30도였다."
    )
    assert {"3500", "2980", "30도"} <= terms and not {"3500을", "2980으"} & terms


# -- one quarter's results ------------------------------------------------------------------------------


def test_one_quarters_results_with_one_amount_join_and_another_company_stays_apart() -> None:
    first, other_company, second = stories(
        [
            (
                "한빛전자 2분기 영업익 1.3조…전장 부품 매출 첫 30% 돌파",
                "(서울=연합뉴스) 한빛전자는 2분기 매출 9조2천억원, 영업이익 1조3천억원을 기록했다고 14일 공시했다. "
                "전장 부품이 매출에서 차지하는 비중이 처음으로 30%를 넘었다.",
                "www.yna.co.kr",
                25,
            ),
            (
                "새봄전자 2분기 영업익 8천억…가전 부진에 뒷걸음",
                "새봄전자는 2분기 매출 6조1천억원, 영업이익 8천억원을 기록했다고 14일 공시했다. 가전 판매가 줄며 "
                "이익이 뒷걸음쳤다.",
                "www.yna.co.kr",
                26,
            ),
            (
                '한빛전자, 2분기도 최대 실적…"전장 수주 하반기 더 는다"',
                "한빛전자가 2분기에 영업이익 1조3천억원으로 다시 최대 기록을 세웠다. 회사는 콘퍼런스콜에서 하반기 "
                "전장 수주가 더 늘어날 것이라고 밝혔다.",
                "news.hanbit.example",
                29,
            ),
        ]
    )
    assert first == second and other_company != first


# -- a scoop the evening before ---------------------------------------------------------------------


def test_a_scoop_the_evening_before_joins_the_announcement_whose_day_it_names() -> None:
    scoop, report = stories(
        [
            (
                "[단독] 새봄반도체, 대만 업체와 손잡는다…'HBM 후공정 내재화'",
                "13일 업계에 따르면 새봄반도체와 대만 윈텍은 14일 충남 아산에 첨단 패키징 합작법인을 세우는 계약을 "
                "맺는다. 두 회사는 각각 4500억원을 출자해 지분을 절반씩 나눠 갖고, 2027년부터 고대역폭 메모리 "
                "패키징을 양산할 계획이다.",
                "www.newsis.com",
                12,
            ),
            (
                "새봄반도체-윈텍, 아산에 9천억 패키징 합작사…2027년 양산",
                "새봄반도체와 대만 윈텍이 충남 아산에 첨단 패키징 합작법인을 세운다. 두 회사는 14일 서울에서 합작 "
                "계약을 맺고 각각 4500억원을 출자해 지분을 절반씩 갖기로 했다. 합작법인은 2027년부터 고대역폭 "
                "메모리 패키징을 양산한다.",
                "www.yna.co.kr",
                26,
            ),
        ]
    )
    assert scoop == report


# -- meetings -----------------------------------------------------------------------------------------


def test_ministerial_meeting_and_cabinet_meeting_are_one_name() -> None:
    ministers = event_cues("IPEF 장관회의 방콕서 개최", "")
    cabinet = event_cues("IPEF 각료회의 방콕서 개최", "")
    assert conflict(ministers, cabinet) is None
    # The ordinal still tells two meetings of the same name apart.
    second, third = event_cues("IPEF 2차 각료회의 개최", ""), event_cues("IPEF 3차 장관회의 개최", "")
    assert conflict(second, third) == "meeting"


MCD_REPORT = (
    "한일 소재부품대화 2차 회의 도쿄서…희토류 공동비축 등 8개 과제 합의",
    "(도쿄=연합뉴스) 한국과 일본이 14일 도쿄에서 제2차 한일 소재부품대화(MCD)를 열고 희토류 공동비축, 갈륨 "
    "재활용 등 8개 협력 과제에 합의했다.",
)


def test_a_headline_naming_a_meeting_by_its_acronym_joins_the_report_that_gave_it() -> None:
    flash = ("한일 MCD, 갈륨 재활용 공동연구 착수키로", "", "news.hanbit.example", 33)
    report, flash_story = stories([(*MCD_REPORT, "www.yna.co.kr", 25), flash])
    assert report == flash_story


def test_only_a_meeting_gives_an_alias_not_a_body() -> None:
    meeting = item_features(ClusterItem(1, *MCD_REPORT, "https://www.yna.co.kr/1"))
    body = item_features(
        ClusterItem(
            2,
            "프로야구 올스타전 일정 확정",
            "한국야구위원회(KBO)는 14일 올스타전을 다음 달 잠실에서 연다고 밝혔다.",
            "https://www.yna.co.kr/2",
        )
    )
    assert meeting.meeting_alias == "mcd" and body.meeting_alias is None


# -- a bare headline the morning after ---------------------------------------------------------------


def test_a_morning_after_headline_keeping_the_names_joins_the_game_report() -> None:
    report, morning = stories(
        [
            (
                "수원 한빛, 챔프전 5차전 승리…7년 만에 우승",
                "프로배구 수원 한빛이 14일 챔피언결정전 5차전에서 인천 새봄을 3-1로 꺾고 7년 만에 우승했다.",
                "www.yna.co.kr",
                36,
            ),
            ("'5차전 역전극' 한빛 정상…새봄 꺾고 통산 세 번째 챔프전 제패", "", "news.hanbit.example", 45),
        ]
    )
    assert report == morning


# -- the development set of this round -------------------------------------------------------------


def test_events_holdout2_recall_with_full_precision() -> None:
    # Held out until round 3, then a development set: F1 0.73 (P 1.0, R 0.58) before this round.
    items, errors = parse_lines((DATA / "events_holdout2.jsonl").read_text(encoding="utf-8").splitlines())
    metrics = cluster_quality(items)
    assert not errors
    assert metrics["cluster_precision"] == 1.0 and metrics["cluster_mixed_stories"] == 0
    # 0.944 with the fitted scorer alone; 0.899 since headline-only items need p >= 0.65
    # (StoryClusterer.HEADLINE_ONLY_THRESHOLD: news-search items are headline-only, and one joined an
    # unrelated report at 0.64 in tests/integration/test_aggregator_poll.py).
    assert metrics["cluster_f1"] >= 0.89


def test_events_holdout3_recall_with_full_precision() -> None:
    # Held out until round 4, then a development set: F1 0.867 (P 1.0, R 0.76, 12 pairs missed) before it.
    items, errors = parse_lines((DATA / "events_holdout3.jsonl").read_text(encoding="utf-8").splitlines())
    metrics = cluster_quality(items)
    assert not errors
    assert metrics["cluster_precision"] == 1.0 and metrics["cluster_mixed_stories"] == 0
    # The fitted scorer: R 0.863 (was 1.0 under the hand rules tuned on this set; precision unchanged).
    assert metrics["cluster_recall"] >= 0.86, metrics["cluster_missed_pairs"]


def test_events_holdout4_recall_with_full_precision() -> None:
    # Held out until round 5, then a development set: F1 0.895 (P 1.0, R 0.81, 8 pairs missed) before it.
    items, errors = parse_lines((DATA / "events_holdout4.jsonl").read_text(encoding="utf-8").splitlines())
    metrics = cluster_quality(items)
    assert not errors
    assert metrics["cluster_precision"] == 1.0 and metrics["cluster_mixed_stories"] == 0
    assert metrics["cluster_f1"] >= 0.95, metrics["cluster_missed_pairs"]


# == Round 4 (classes found on events_holdout3.jsonl) ================================================

# -- a write-up in its own words: the candidate lookup --------------------------------------------

BUNKERING = (
    "한빛해운, 부산항에 LNG 벙커링선 2척 첫 투입",
    "(부산=연합뉴스) 김하늘 기자 = 한빛해운은 14일 부산항 신항에서 액화천연가스(LNG) 벙커링선 2척의 취항식을 "
    "열었다고 밝혔다. 새봄중공업이 건조한 두 척은 각각 7500㎥급으로, 입항한 컨테이너선에 바다 위에서 LNG "
    "연료를 직접 넣는다. 한빛해운은 2028년까지 벙커링선을 5척으로 늘린다.",
)
#: A morning feature: a headline and a first paragraph in words no other article uses, the facts after.
BUNKERING_FEATURE = (
    "뱃머리 맞댄 채 콸콸…'물 위 주유소' 시대",
    "거대한 화물선 옆구리에 작은 배가 바짝 붙더니 굵은 호스가 연결됐다. 영하 162도로 식힌 연료가 흘러들자 "
    "갑판 위 계기판 눈금이 천천히 올라갔다. 항만 곳곳 굴뚝 매연을 줄일 묘수로 꼽혀 온 풍경이다. "
    "한빛해운은 14일 부산항 신항에서 새봄중공업이 건조한 LNG 벙커링선 2척을 처음 띄웠다. 7500㎥급 두 척이 "
    "컨테이너선에 연료를 넣는다.",
)


def test_a_write_up_in_its_own_words_is_found_by_the_facts_it_shares() -> None:
    # Its rarest terms are its own (옆구리, 계기판, 굴뚝 …): looked up first, they find nothing; the second
    # lookup takes the rarest terms other articles use (한빛해운, 벙커링선, 7500㎥급 …).
    report, feature = stories(
        [(*BUNKERING, "www.yna.co.kr", 25), (*BUNKERING_FEATURE, "news.hanbit.example", 40)]
    )
    assert report == feature


# -- a count of days is no country ----------------------------------------------------------------


def test_a_syllable_after_a_figure_names_no_country() -> None:
    assert event_cues('한미 "연료 함께 확보"…수출 심사 60일로 단축', "").countries == {"한", "미"}
    assert event_cues("[프로야구 선발투수] 10월 14일(화)", "").countries == frozenset()
    assert event_cues("파업 첫날 열차 3대 중 1대 멈춰", "").countries == frozenset()
    assert event_cues("한미, 동맹 18개국 중 첫 면제 확정", "").countries == {"한", "미"}
    assert event_cues("한일 정상, 9월 중 회담", "").countries == {"한", "일"}


def test_a_flash_joins_a_report_whose_headline_counts_days() -> None:
    # "60일로" read as 일 (Japan) made the report 한미일, the flash's 한미 another forum.
    report, flash = stories(
        [
            (
                '한미 "차세대 원전연료 함께 개발"…원자력 수출 심사 60일로 단축',
                "[워싱턴=뉴시스] 한소희 특파원 = 한국과 미국이 14일 워싱턴에서 원자력 고위급회의를 열고 TRISO "
                "핵연료를 공동 "
                "개발하기로 했다. 미국은 원자력 기술 수출 심사 기간을 60일 이내로 줄이기로 했다. 양국은 "
                "2030년까지 시험로 "
                "연료를 함께 생산한다.",
                "www.newsis.com",
                24,
            ),
            ("[속보] 한미, 워싱턴서 원자력 고위급회의…TRISO 연료 공동 개발", "", "www.yna.co.kr", 25),
        ]
    )
    assert report == flash


# -- the day of the event ---------------------------------------------------------------------------

#: 2025-10-14 12:00 KST.
NOON_14 = datetime(2025, 10, 14, 3, tzinfo=UTC)


def test_a_day_abroad_and_the_next_day_in_korea_are_one_event_day() -> None:
    washington = event_cues("x", "미국 상무부는 10월 13일(현지시간) 새 규칙을 발표했다.", NOON_14)
    seoul = event_cues("y", "산업부는 10월 14일 업계 간담회를 열었다.", NOON_14)
    two_days_on = event_cues("y", "산업부는 10월 15일 업계 간담회를 열었다.", NOON_14)
    assert washington.day is not None and washington.day.abroad
    written_before = event_cues("x", "미국 상무부는 현지시간 13일 새 규칙을 발표했다.", NOON_14).day
    assert written_before is not None and written_before.abroad
    assert conflict(washington, seoul) is None and conflict(washington, two_days_on) == "day"


def test_a_ministrys_reaction_the_next_morning_joins_the_rule_announced_abroad() -> None:
    rule, reaction = stories(
        [
            (
                "美 상무부, 배터리 소재 수입 신고제 도입…韓·日은 간소 절차",
                "(워싱턴=연합뉴스) 김동현 특파원 = 미국 상무부 산업안보국(BIS)은 13일(현지시간) 양극재와 음극재 "
                "수입 때 "
                "원산지를 신고하도록 하는 규칙을 발표했다. 한국과 일본 등 동맹 12개국 기업은 연 1회 일괄 신고로 "
                "대신할 수 "
                "있다. 규칙은 90일 뒤 시행되며 연간 500t 미만 수입은 면제된다.",
                "www.yna.co.kr",
                22,
            ),
            (
                '산업부 "美 소재 신고제, 국내 업계 부담 크지 않아"…업계 설명회',
                "[세종=뉴시스] 강민지 기자 = 산업통상부는 14일 미국 상무부 산업안보국(BIS)의 양극재·음극재 수입 "
                "신고 규칙과 "
                '관련해 업계 간담회를 열고 "국내 기업 부담은 크지 않다"고 밝혔다. 한국은 동맹 12개국과 함께 연 '
                "1회 일괄 "
                "신고로 대신할 수 있고, 연간 500t 미만 수입은 면제된다.",
                "www.newsis.com",
                29,
            ),
        ]
    )
    assert rule == reaction


def test_a_date_after_the_articles_own_is_a_plan_and_a_lunar_date_no_day() -> None:
    launch = event_cues("x", "새봄전자는 폴드5를 11월 3일 출시한다고 14일 밝혔다.", NOON_14)
    horoscope = event_cues("[오늘의 운세] 10월 15일 수요일(음력 8월 24일)", "", NOON_14)
    assert launch.day is not None and launch.day.day == 14
    assert horoscope.day is not None and (horoscope.day.month, horoscope.day.day) == (10, 15)


def test_a_launch_abroad_and_the_price_announced_at_home_are_one_event() -> None:
    unveiled, priced = stories(
        [
            (
                "새봄전자, 파리서 'S폴드 5' 공개…펼친 화면 8.4형",
                "[파리=뉴시스] 오지은 기자 = 새봄전자가 13일(현지시간) 프랑스 파리에서 신제품 공개 행사를 열고 "
                "폴더블폰 "
                "S폴드 5와 S플립 5를 선보였다. 폴드5는 펼친 화면이 8.4형, 무게 215g이다. 출고가는 229만원부터이며 "
                "11월 3일 "
                "정식 출시된다.",
                "www.newsis.com",
                16,
            ),
            (
                'S폴드5 229만원…새봄 "폴더블 판매 30% 늘린다"',
                "(서울=뉴스1) 강태우 기자 = 새봄전자가 폴더블폰 S폴드 5의 국내 출고가를 229만원으로 정했다. "
                "새봄전자는 "
                "파리에서 공개한 폴드5·플립5를 11월 3일 출시한다고 14일 밝혔다. 폴드5는 펼친 화면 8.4형, 무게 "
                "215g이다.",
                "news.hanbit.example",
                27,
            ),
        ]
    )
    assert unveiled == priced


# -- a flash with one sentence ----------------------------------------------------------------------

STRIKE = (
    "지하철 총파업 첫날 출근길 혼잡…열차 3대 중 1대 멈춰",
    "(서울=뉴스1) 홍국기 기자 = 새봄지하철노동조합이 14일 오전 6시를 기해 총파업에 들어가면서 출근길 역마다 "
    "승강장이 인파로 붐볐다. 새봄교통공사는 2호선을 평시의 65%, 5호선은 70% 수준으로 운행한다고 밝혔다. "
    "환승역 계단에는 안전요원이 배치됐고 일부 직장인은 택시로 갈아탔다. 노조는 인력 충원과 임금피크제 폐지를 "
    "요구하고 있다.",
)


def test_a_flash_with_one_sentence_joins_the_report_covering_it() -> None:
    flash, report = stories(
        [
            (
                "[속보] 새봄지하철노조 총파업 돌입…2호선 운행률 65%",
                "새봄지하철노동조합이 14일 오전 6시부터 총파업에 들어갔다.",
                "www.yna.co.kr",
                21,
            ),
            ("지하철 총파업 첫날 출근길 혼잡…2호선 3대 중 1대 멈춰", STRIKE[1], "news1.example", 23),
        ]
    )
    assert flash == report


def test_a_flash_with_one_sentence_sharing_only_a_code_stays_apart() -> None:
    # A bare headline may join on a rare code both headlines name; one with a sentence says more, and
    # must be covered by the report: a drone's sell-out is not its deployment by a city.
    deployment, sell_out = stories(
        [
            (
                "HX7 드론, 새봄시 산불 감시에 투입",
                "(새봄=연합뉴스) 새봄시는 한빛항공의 HX7 드론 20대를 산불 감시에 투입한다고 14일 밝혔다. 드론은 "
                "열화상 "
                "카메라로 야간에도 불씨를 찾아낸다. 시는 내년까지 50대로 늘린다.",
                "www.yna.co.kr",
                24,
            ),
            (
                "[속보] HX7 사전예약 하루 만에 완판…출고 대기 석 달",
                "한빛항공의 HX7 드론 사전예약 물량 5천대가 하루 만에 모두 팔렸다.",
                "news.hanbit.example",
                26,
            ),
        ]
    )
    assert deployment != sell_out


# -- two subjects, many facts, a diluted overlap -----------------------------------------------------


@pytest.mark.xfail(
    strict=True,
    reason=(
        "fitted scorer (monitor/stories/scorer.py) decides otherwise; the hand rule this tested is gone: "
        "the two headlines' own figures keep them apart (different_subjects)"
    ),
)
def test_many_shared_facts_outweigh_two_headlines_own_figures_at_a_lower_overlap() -> None:
    # The first day's figures (열차 3대 중 1대) and the city's measures (전세버스 300대): each headline
    # its own figure, eleven rare facts shared (union, lines, rates, demands) at a term overlap of about 0.30.
    report, measures = stories(
        [
            (*STRIKE, "news1.example", 23),
            (
                "새봄시, 지하철 파업에 비상수송…전세버스 300대 투입",
                "[새봄=뉴시스] 정성원 기자 = 새봄시는 새봄지하철노조가 14일 총파업에 돌입함에 따라 "
                "비상수송대책본부를 꾸리고 "
                "전세버스 300대와 대체인력 1200명을 투입했다고 밝혔다. 시내버스 배차 간격을 줄이고 공공자전거 "
                "요금도 받지 "
                "않으며 재택근무 권고 공문을 기업들에 보냈다. 2호선 운행률은 65%, 5호선은 70%였다. 노조는 인력 "
                "충원과 "
                "임금피크제 폐지를 요구한다.",
                "www.newsis.com",
                28,
            ),
        ]
    )
    assert report == measures


# == Round 5 (classes found on events_holdout4.jsonl) ================================================
def test_a_flash_writing_the_short_form_joins_the_report_and_another_fill_stays_apart() -> None:
    # The flash writes 영업익 for the report's 영업이익: the short form, not another fill of the slot.
    flash, report, other_company = stories(
        [
            ("[속보] 새봄제약 2분기 영업익 3천412억…분기 최대", "", "www.yna.co.kr", 25),
            (
                "새봄제약 2분기 영업이익 3천412억원…전년비 18%↑",
                "(서울=연합뉴스) 새봄제약은 2분기 연결 기준 영업이익이 3천412억원으로 지난해 같은 기간보다 18% "
                "늘었다고 14일 공시했다. 매출은 1조1천200억원이었다.",
                "www.yna.co.kr",
                26,
            ),
            ("[속보] 한빛제약 2분기 영업익 1천105억…분기 최대", "", "www.newsis.com", 26),
        ]
    )
    assert flash == report and other_company != report


def test_contraction_is_picked_syllables_not_a_prefix() -> None:
    assert _contracts("한은", "한국은행") and _contracts("금통위", "금융통화위원회")
    assert _contracts("영업익", "영업이익")
    assert not _contracts("전기", "전기차") and not _contracts("반도체", "배터리")
    assert not _contracts("한미", "한미일")


def test_the_end_of_a_period_is_not_the_event_day() -> None:
    when = START + timedelta(hours=26)  # the 14th, KST
    survey = event_cues("지지율 38%", "한빛리서치가 지난달 28∼30일 성인 1천명을 조사한 결과다.", when)
    assert survey.day is None
    report = event_cues("지지율 38%", "한빛리서치는 14일 지난달 28~30일 조사 결과를 공개했다.", when)
    assert report.day is not None and report.day.day == 14
