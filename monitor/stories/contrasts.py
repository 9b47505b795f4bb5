"""What tells two reports of look-alike developments apart: pair predicates over article features.

Template fills ("삼성전자 3분기 영업이익 …" / "LG전자 3분기 영업이익 …"), other figures for the same
quantity, a decision and its reversal. The near-duplicate layer uses them as vetoes (a copy keeps its
subject and figures); the same-event scorer weighs them as features (monitor/stories/scorer.py).
"""

from __future__ import annotations

from monitor.stories.features import Cues, _Features


def _distinct_subjects(a: _Features, b: _Features) -> bool:
    """Does each headline name its own person or subject, or carry its own figure, never in the other?

    Reports about different people, companies or incidents written from one template ("OO 의원, 'XX법'
    대표 발의", "X, 장중 3% 이상 급등", "OO 공장서 화재…N명 부상") share nearly all their words; what
    differs is exactly who and how much.
    """
    for own_a, own_b in ((a.people, b.people), (a.figures, b.figures)):
        if own_a and own_b and not own_a & b.terms and not own_b & a.terms:
            return True
    # Company names share words (콘솔리데이티드 에디슨, 에디슨 인터내셔널): a subject counts as mentioned
    # only in full.
    return bool(a.subject and b.subject and not a.subject <= b.terms and not b.subject <= a.terms)


def _template_fills(a: _Features, b: _Features) -> bool:
    """Two fills of one headline template: the same terms in the same order around one slot, filled with
    a term the other article never mentions ("한일 반도체 소재 협의체 출범" / "한일 배터리 소재 협의체 출범",
    "한미 원전 협력 MOU 체결" / "한미 양자기술 협력 MOU 체결"), or one development's two sides under one
    opening ("한미 관세협상 타결…반도체 관세 …" / "한미 관세협상 타결…자동차 관세 …": two terms or more
    before the slot, one after). Another write-up of one event rewords more than one slot, or names the
    other's subject somewhere."""
    sa, sb = a.title_seq, b.title_seq
    i = next((k for k, (x, y) in enumerate(zip(sa, sb, strict=False)) if x != y), None)
    if i is None:
        return False
    after = 1 if i >= 2 else 2
    if sa[i + 1 : i + 1 + after] != sb[i + 1 : i + 1 + after] or len(sa[i + 1 : i + 1 + after]) < after:
        return False
    return sa[i] not in b.terms and sb[i] not in a.terms and not _contracts(sa[i], sb[i])


def _contracts(a: str, b: str) -> bool:
    """Is one word the other's contraction (한은 of 한국은행, 영업익 of 영업이익, 금통위 of 금융통화위원회)?
    A flash writes the short form of what the report spells out: the same word, not another fill of the
    slot. The short form keeps the long one's first syllable and picks its further syllables in order
    from its parts; a plain prefix or part (전기 of 전기차) is another word, not a contraction."""
    short, long = (a, b) if len(a) < len(b) else (b, a)
    if len(short) < 2 or len(short) == len(long) or short[0] != long[0] or short in long:
        return False
    rest = iter(long[1:])
    return all(ch in rest for ch in short[1:])


#: A development and its reversal share every word but the verb: 승인 / 철회, 타결 / 결렬.
_OUTCOMES = (
    frozenset("승인 허용 부여 지정 합의 타결 체결 발효 서명 해제 복원 재개 인하 완화 면제 연장".split()),  # noqa: SIM905
    frozenset("철회 취소 중단 결렬 무산 보류 거부 유예 폐기 해지 파기 불허 인상 강화 부과 종료".split()),  # noqa: SIM905
)


def _opposite_outcomes(a: _Features, b: _Features) -> bool:
    """Does one headline report a grant or a deal, the other its reversal or refusal (and neither both)?"""
    yes, no = _OUTCOMES
    a_yes, a_no = bool(a.title_terms & yes), bool(a.title_terms & no)
    b_yes, b_no = bool(b.title_terms & yes), bool(b.title_terms & no)
    return (a_yes and not a_no and b_no and not b_yes) or (a_no and not a_yes and b_yes and not b_no)


def _numbers_conflict(a: Cues, b: Cues) -> bool:
    # A template (market close, robot-written earnings, another MP's bill) has the words of another copy
    # and other figures; a real copy keeps the figures of its lead.
    if not a.numbers or not b.numbers:
        return False
    return len(a.numbers & b.numbers) / min(len(a.numbers), len(b.numbers)) < 0.34


def _figures_conflict(f: _Features, other: _Features) -> bool:
    """:func:`_numbers_conflict`, unless the figures cannot compete. Not when neither article gives a number
    of two digits or more: "2대 주주" and "제3자 배정" in two write-ups of one ruling are ranks each outlet
    picks for itself. Not when the two count different things: every amount of one carries a unit that
    no amount of the other carries ("122조" and "40%" in two reports of one tariff rule: the section and
    the rate), where two daily reports or two companies' results give the same units other values."""
    a, b = f.cues, other.cues
    if all(len(n) < 2 for n in a.numbers) and all(len(n) < 2 for n in b.numbers):
        return False
    if not _numbers_conflict(a, b):
        return False
    units_a, units_b = _units(f.terms), _units(other.terms)
    return not (
        units_a
        and units_b
        and max(len(units_a), len(units_b)) <= _FEW_AMOUNTS
        and not {u for _, u in units_a} & {u for _, u in units_b}
    )


#: Articles with this many amounts or fewer can disagree in kind. A report full of amounts (a company's
#: results) that shares none with another is another report, whatever their units.
_FEW_AMOUNTS = 2


def _units(terms: frozenset[str]) -> set[tuple[str, str]]:
    """The article's amounts as (term, unit): 122조 → ("122조", "조"), 40% → ("40%", "%")."""
    return {(t, t.lstrip("0123456789.,")) for t in terms if t[0].isdigit() and not t[-1].isdigit()}


#: Terms a template's fixed tail has at least ("장중 3% 이상 급등" is three).
TEMPLATE_TAIL = 3


def _template_tails(a: _Features, b: _Features) -> bool:
    """Two fills of one template with a long subject slot: the headlines end in the same TEMPLATE_TAIL
    terms or more, and what comes before is each one's own, never mentioned by the other ("유나이티드 파슬
    서비스 클래스 B, 장중 3% 이상 급등" / "허쉬, 장중 3% 이상 급등")."""
    sa, sb = a.title_seq, b.title_seq
    n = 0
    while n < min(len(sa), len(sb)) and sa[len(sa) - 1 - n] == sb[len(sb) - 1 - n]:
        n += 1
    if n < TEMPLATE_TAIL or n == len(sa) or n == len(sb):
        return False
    head_a, head_b = set(sa[: len(sa) - n]), set(sb[: len(sb) - n])
    if any(_contracts(x, y) for x in head_a for y in head_b):
        return False  # 행안부 and 행정안전부: one subject, spelt short and long
    # Each subject keeps a word the other article never uses (IDEXX 래버러토리 / 래버러토리 코퍼레이션 …).
    return not head_a <= b.terms and not head_b <= a.terms
