"""Which language an article is written in, from the script of its letters: "ko", "en" or None.

Korean outlets write in Hangul with Latin acronyms and hanja headlines (美, 中, 韓); English outlets write
in Latin letters with the odd Korean name. Counting letters by script is enough to tell the two apart,
and costs a few microseconds where a language-identification model would cost milliseconds and a
download: the monitor reads only these two languages (see ../shared/RELEVANCE.md, "Language").

Rule (named data, tested in tests/test_language.py): among the first :data:`SAMPLE_CHARS` characters,
Hangul syllables and jamo, or CJK ideographs, are at least :data:`KOREAN_MIN_RATIO` of the letters →
"ko" (``"美 상무부, 삼성 VEU 유지"``); Latin letters at least :data:`ENGLISH_MIN_RATIO` → "en"
(``"US keeps Samsung's VEU status"``); fewer than :data:`MIN_LETTERS` letters → None.
"""

from __future__ import annotations

from typing import Literal

Language = Literal["ko", "en"]
LANGUAGES: tuple[Language, ...] = ("ko", "en")

#: Enough text to decide; a whole article is not needed (and would cost time for nothing).
SAMPLE_CHARS = 600
#: A headline of three words already decides; below this there is nothing to judge.
MIN_LETTERS = 4
#: Korean text carries many Latin acronyms (VEU, IRA, BIS): a fifth of Hangul is Korean.
KOREAN_MIN_RATIO = 0.2
ENGLISH_MIN_RATIO = 0.6


def detect_language(text: str) -> Language | None:
    """Return "ko" or "en" by the share of Hangul (with hanja) and Latin letters, or None when undecidable."""
    korean = latin = 0
    for ch in text[:SAMPLE_CHARS]:
        code = ord(ch)
        # Hangul syllables, jamo and compatibility jamo; hanja as Korean headlines use them (美, 中, 日)
        if (
            0xAC00 <= code <= 0xD7A3
            or 0x1100 <= code <= 0x11FF
            or 0x3130 <= code <= 0x318F
            or (0x4E00 <= code <= 0x9FFF)
        ):
            korean += 1
        elif ch.isascii() and ch.isalpha():
            latin += 1
    letters = korean + latin
    if letters < MIN_LETTERS:
        return None
    if korean / letters >= KOREAN_MIN_RATIO:
        return "ko"
    if latin / letters >= ENGLISH_MIN_RATIO:
        return "en"
    return None
