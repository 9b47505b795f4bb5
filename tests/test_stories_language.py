"""The clusterer reads the article's declared language (issue 15: feeds declare ko/en, the poll detects it
when absent): it decides whether a pair crosses languages, where names, not wording, are shared."""

from __future__ import annotations

from monitor.models import ClusterItem
from monitor.stories.features import item_features

# Written for this test: an English feed's item that quotes a Korean name at length.
TITLE = "산업통상부 장관 says trilateral talks on chips will continue"
TEXT = "The 산업통상부 장관 told reporters in Seoul on Monday that 한미일 talks would resume next month."


def test_the_declared_language_decides_over_the_script() -> None:
    assert item_features(ClusterItem(1, TITLE, TEXT, language="en")).korean is False
    assert item_features(ClusterItem(2, TITLE, TEXT, language="ko")).korean is True


def test_without_a_declared_language_the_script_decides() -> None:
    korean = item_features(ClusterItem(3, "한미일 산업장관 공급망 협력 합의", "3국 장관이 협력에 합의했다."))
    english = item_features(ClusterItem(4, "Trilateral ministers agree on supply chains", "They agreed."))
    assert korean.korean is True and english.korean is False
