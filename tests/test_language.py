"""The script-ratio language rule (monitor.lang.detect), its examples, and the feed's declared language."""

from __future__ import annotations

import pytest

from monitor.lang.detect import detect_language


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("美 상무부, 삼성 中공장 VEU 지위 유지", "ko"),
        ("산업부, IRA·CHIPS 대응 TF 가동…BIS 규제 점검", "ko"),  # many Latin acronyms, still Korean
        ("US keeps Samsung's VEU status for its China fab", "en"),
        ("Korea, Japan and US launch supply chain early-warning talks with 한미일 officials", "en"),
        ("2026.12.07", None),  # no letters to judge
        ("", None),
    ],
)
def test_detect_language(text, expected):
    assert detect_language(text) == expected
