"""Same event? A fitted scorer over a handful of interpretable pair features, and the few hard conflicts.

Two reports of one development, written by journalists in their own words (or in two languages), share
names, figures, a day and some wording; two developments of one topic share the topic's vocabulary but
not its names, figures or day. :func:`pair_features` measures that for one candidate pair as the numbers
in :data:`FEATURES` (each 0..1, see there); :class:`SameEventScorer` turns them into a probability with
logistic-regression weights fitted on labelled real pairs (``data/same_event.json``, refitted by
``python bench/fit_same_event.py`` from ``../shared``): a dot product, no library at runtime.

What remains a rule is a clear conflict, each one named data with an example pair and a test
(:data:`CANNOT_LINK`): two different event days, ordinals, periods or figures of one quantity, one
template filled with two subjects, a decision and its reversal, one page template under two headlines.
Everything else (another venue, another pair of countries) is evidence the weights weigh, in the
``cue_conflict`` feature.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from importlib import resources
from typing import TYPE_CHECKING, Any

from monitor.stories.contrasts import (
    _distinct_subjects,
    _figures_conflict,
    _opposite_outcomes,
    _template_fills,
    _template_tails,
)
from monitor.stories.features import _dice, conflict
from monitor.stories.neardup import sketch_similarity

if TYPE_CHECKING:
    from monitor.stories.features import _Features

#: The pair features, in the order of the fitted weights. Each is 0..1.
FEATURES: tuple[str, ...] = (
    "names",  # weighted share of the canonical names (@raimondo, @ipef) of the lighter side both name
    "terms",  # weighted cosine of all key terms (headline and lead terms, names, figures)
    "headline_terms",  # weighted share of the shorter headline's terms found in the other headline
    "headline_chars",  # 3-character shingle similarity of the headlines (same-language wording)
    "text_chars",  # ... of headline and lead together
    "numbers",  # figures both give (#23, #1500), up to three
    "same_day",  # 1 the same event day, 0.5 one day apart (time zones), 0 further or unknown
    "day_unknown",  # one of the two names no day and is undated
    "cross_language",  # one Korean, one English: little shared wording, the names carry it
    "names_across",  # ``names`` when the two are in different languages (then names are all they share)
    "cue_conflict",  # another venue, pair of countries, month, quarter or series part in the headline
    "time_apart",  # hours between the two publications over the 72 h window (0 when either is undated)
    "undated",  # either has no date at all: nothing says the two are close in time
    "subjects_differ",  # each headline keeps a term rarer than anything the two share (window counts)
    "figures_differ",  # both give figures of one kind and hardly any agree (another day's count)
)

#: The span ``time_apart`` is measured in: the default story window.
TIME_SCALE_HOURS = 72.0


def pair_features(a: _Features, b: _Features, weight: Any, hours_apart: float | None) -> list[float]:
    """The pair's values for :data:`FEATURES`; ``weight`` is the clusterer's term weights (rarity),
    ``hours_apart`` the time between the two articles (None when either has no date)."""
    names_a, names_b = a.entities, b.entities
    names = weight.share(names_a, names_b) if names_a and names_b else 0.0
    if a.event_day is not None and b.event_day is not None:
        gap = abs(a.event_day - b.event_day)
        same_day, unknown = (1.0 if gap == 0 else 0.5 if gap == 1 else 0.0), 0.0
    else:
        same_day, unknown = 0.0, 1.0
    return [
        names,
        weight.overlap(a.terms, b.terms),
        weight.share(a.title_terms, b.title_terms) if a.title_terms and b.title_terms else 0.0,
        max(sketch_similarity(a.head_sketch, b.head_sketch), _dice(a.title_grams, b.title_grams)),
        sketch_similarity(a.text_sketch, b.text_sketch),
        min(len(a.numbers & b.numbers), 3) / 3.0,
        same_day,
        unknown,
        float(a.korean != b.korean),
        names if a.korean != b.korean else 0.0,
        float(conflict(a.cues, b.cues) is not None),
        0.0 if hours_apart is None else min(hours_apart / TIME_SCALE_HOURS, 1.0),
        float(hours_apart is None),
        float(a.korean == b.korean and weight.own_subjects(a, b)),
        float(_different_figures(a, b)),
    ]


# --------------------------------------------------------------------------------------------------
# Hard conflicts: named data, each with an example pair (headlines) and a test
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CannotLink:
    """A conflict that keeps two reports apart whatever the score says."""

    name: str
    why: str
    example: tuple[str, str]  # two headlines (with the ClusterItem dates the test gives) it keeps apart
    applies: Callable[[_Features, _Features], bool]


def _different_days(a: _Features, b: _Features) -> bool:
    return a.event_day is not None and b.event_day is not None and abs(a.event_day - b.event_day) >= 2


def _different_ordinals(a: _Features, b: _Features) -> bool:
    m, n = a.cues.meeting, b.cues.meeting
    return bool(
        m
        and n
        and m.ordinal is not None
        and n.ordinal is not None
        and m.ordinal != n.ordinal
        and (m.head.endswith(n.head) or n.head.endswith(m.head))
    )


def _different_subjects(a: _Features, b: _Features) -> bool:
    # Words are compared as written: across languages every name differs in spelling, so never there.
    return a.korean == b.korean and (
        _distinct_subjects(a, b) or _template_fills(a, b) or _template_tails(a, b)
    )


def _different_periods(a: _Features, b: _Features) -> bool:
    return conflict(a.cues, b.cues) in ("period", "part", "month")


def _different_venues(a: _Features, b: _Features) -> bool:
    return a.korean == b.korean and conflict(a.cues, b.cues) == "venue"


def _page_template(a: _Features, b: _Features) -> bool:
    return (
        a.body_key is not None
        and a.body_key == b.body_key
        and _dice(a.headline_grams, b.headline_grams) < 0.1
    )


def _different_figures(a: _Features, b: _Features) -> bool:
    return a.korean == b.korean and _figures_conflict(a, b)


def _opposite(a: _Features, b: _Features) -> bool:
    return _opposite_outcomes(a, b)


CANNOT_LINK: tuple[CannotLink, ...] = (
    CannotLink(
        "different_event_days",
        "both name the day their event happened, two or more days apart (one day is time-zone slack)",
        ("한미일 산업장관, 3일 도쿄서 공급망 회의", "한미일 산업장관, 9일 도쿄서 공급망 회의"),
        _different_days,
    ),
    CannotLink(
        "different_meeting_ordinals",
        "both number the same meeting, with different numbers (the 2nd and the 3rd dialogue)",
        ("제2차 한미일 경제안보대화 개최", "제3차 한미일 경제안보대화 개최"),
        _different_ordinals,
    ),
    CannotLink(
        "different_subjects",
        "one headline template filled with two subjects, people or figures the other never names",
        ("리퍼블릭 서비시스, 장중 3% 이상 급등", "에디슨 인터내셔널, 장중 3% 이상 급등"),
        _different_subjects,
    ),
    CannotLink(
        "different_periods",
        "both headlines name a quarter, half, month or series part, and not the same one",
        ("새봄바이오 2분기 영업이익 312억원", "새봄바이오 3분기 영업이익 298억원"),
        _different_periods,
    ),
    CannotLink(
        "different_venues",
        "both say where it happened (the place before 에서), and not the same place",
        (
            "부산 공장서 화재…3명 부상, 부산 사상구 공장에서 불이 났다",
            "울산 공장서 화재…5명 부상, 울산 남구 공장에서 불이 났다",
        ),
        _different_venues,
    ),
    CannotLink(
        "opposite_outcomes",
        "one headline reports a grant or a deal, the other its reversal or refusal",
        ("美, 한국 철강 수입 쿼터 확대 승인", "美, 한국 철강 수입 쿼터 확대 철회"),
        _opposite,
    ),
    CannotLink(
        "page_template",
        "one body under two unrelated headlines: a page the extractor returned, not two write-ups",
        ("국제 유가 사흘째 하락", "가을 단풍 절정 다음주 설악산"),
        _page_template,
    ),
)


def cannot_link(a: _Features, b: _Features) -> str | None:
    """The name of the first hard conflict between two reports, or None."""
    for rule in CANNOT_LINK:
        if rule.applies(a, b):
            return rule.name
    return None


# --------------------------------------------------------------------------------------------------
# The fitted scorer
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class SameEventScorer:
    """Logistic regression over :data:`FEATURES`: P(same event) = σ(bias + Σ weight·value)."""

    weights: tuple[float, ...]
    bias: float
    source: str = ""

    @classmethod
    def from_json(cls, data: dict[str, Any], source: str = "") -> SameEventScorer:
        names = tuple(data["features"])
        if names != FEATURES:
            raise ValueError(
                f"{source or 'same-event weights'}: features {names} do not match the code's {FEATURES}; "
                "refit with bench/fit_same_event.py"
            )
        return cls(tuple(float(v) for v in data["weights"]), float(data["bias"]), source)

    def probability(self, values: list[float]) -> float:
        z = self.bias + math.fsum(w * v for w, v in zip(self.weights, values, strict=True))
        return 1.0 / (1.0 + math.exp(-z)) if z > -700 else 0.0

    def evidence(self, values: list[float], top: int = 4) -> tuple[tuple[str, float], ...]:
        """The features that carried a join, best first: (name, value) of the largest positive terms."""
        parts = sorted(
            (
                (w * v, name, v)
                for name, w, v in zip(FEATURES, self.weights, values, strict=True)
                if w * v > 0
            ),
            reverse=True,
        )
        return tuple((name, round(v, 3)) for _, name, v in parts[:top])


WEIGHTS_FILE = "data/same_event.json"


@lru_cache(maxsize=1)
def default_scorer() -> SameEventScorer:
    """The shipped fitted weights (monitor/stories/data/same_event.json)."""
    text = resources.files("monitor.stories").joinpath(WEIGHTS_FILE).read_text(encoding="utf-8")
    return SameEventScorer.from_json(json.loads(text), f"monitor/stories/{WEIGHTS_FILE}")
