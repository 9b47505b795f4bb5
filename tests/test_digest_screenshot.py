"""scripts/digest_screenshot.py: the README's digest picture renders Korean text into the SVG."""

from __future__ import annotations

import importlib.util
import re
from pathlib import Path

import pytest

pytest.importorskip("rich")

SCRIPT = Path(__file__).resolve().parent.parent / "scripts" / "digest_screenshot.py"

# A tiny digest in the file channel's Markdown shape, invented for this test.
DIGEST = """# 한미일 경제안보 브리핑

2026-12-08 (화) 08:00 KST\\
**새 소식 1건**

## 공급망 회복력 (1)

**1. [한미일, 핵심광물 공급망 공동 점검](https://news.example.kr/a/1)**\\
예시일보 · 2026-12-08 07:30 KST
> 세 나라 산업장관이 광물 비축을 논의했다.
"""


def _script():  # type: ignore[no-untyped-def]
    spec = importlib.util.spec_from_file_location("digest_screenshot", SCRIPT)
    assert spec is not None and spec.loader is not None
    module = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


def test_the_svg_holds_the_korean_text() -> None:
    svg = _script().render_svg(DIGEST, width=80, title="테스트")
    assert svg.lstrip().startswith("<svg")
    # rich writes a space as &#160; and may split a line into runs by style: compare words.
    text = re.sub(r"<[^>]+>", "", svg).replace("&#160;", " ")
    for words in ("한미일 경제안보 브리핑", "핵심광물 공급망", "예시일보", "공급망 회복력"):
        assert words in text


def _run_length(svg: str, text: str) -> float:
    [length] = re.findall(rf'textLength="([0-9.]+)"[^>]*>{text}(?:&#160;)*</text>', svg)
    return float(length)


def test_a_hangul_run_is_as_wide_as_its_cells() -> None:
    # Each syllable takes two terminal cells; rich alone sizes a run by its characters (rich#2742), which
    # squeezes Hangul into half its width. Both lines are padded to the console's 40 cells.
    script = _script()
    hangul = _run_length(script.render_svg("예시일보", width=40), "예시일보")
    ascii_ = _run_length(script.render_svg("abcdefgh", width=40), "abcdefgh")
    assert hangul == pytest.approx(ascii_)
