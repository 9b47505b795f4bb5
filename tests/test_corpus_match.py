"""The matcher on real news: one day of knews-rss headlines from 21 outlets (../shared; skipped without)."""

from __future__ import annotations

import csv
from pathlib import Path

import pytest

from monitor.match.matcher import load_matcher
from tests.conftest import corpus_path

pytestmark = pytest.mark.corpus

TOPICS = Path(__file__).resolve().parent.parent / "config" / "topics.toml"


@pytest.fixture(scope="module")
def fired() -> list[str]:
    path = corpus_path("news", "knews-rss-headlines", "headlines-2022-07-30.tsv")
    matcher = load_matcher(TOPICS)
    with path.open(encoding="utf-8") as f:
        titles = [row["title"] for row in csv.DictReader(f, delimiter="\t")]
    assert len(titles) == 4453
    return [t for t in titles if matcher.match(t, None).relevant]


def test_a_real_day_gives_a_handful_of_alerts(fired: list[str]) -> None:
    """Well under 1% of a day's news is on topic: on 2022-07-30 the US Congress passing the CHIPS Act
    (core where Korean firms are named, context otherwise), the Chip 4 debate, the first US–Japan economic
    2+2 and their chip cooperation, and a US loan to the LG–GM battery venture. Every alert (23 headlines,
    21 distinct) was read by hand against ../shared/RELEVANCE.md and is one of those developments; this
    guards against the count creeping up and against a development going missing."""
    assert 15 <= len(fired) <= 30
    developments = ("반도체", "칩4", "경제판 2+2", "배터리")
    assert [t for t in fired if not any(d in t for d in developments)] == []
    assert any("칩4" in t for t in fired)
    assert any("경제판 2+2" in t for t in fired)
    # the policy's own example of a headline to be judged alone
    assert "美 ‘반도체법’ 상하원 통과… 삼성-SK 등 25% 세액공제" in fired


def test_the_days_hard_negatives_stay_quiet(fired: list[str]) -> None:
    noisy = ("한일전", "금리", "연합", "훈련", "한미동맹재단", "EDSCG", "확장억제", "인니", "인도네시아")
    assert [t for t in fired if any(word in t for word in noisy)] == []
