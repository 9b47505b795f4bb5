"""Language: the text layer every stage shares.

No I/O. Behind this face:

- ``text``: the normaliser (NFKC, the spelling variants of 한·미·일, middle dots, full-width forms,
  whitespace) and the light pre-clean the matcher uses before deciding whether full cleaning is needed;
- ``korean``: particles and morphology (kiwipiepy), so 공급망을 and 반도체와 find 공급망 and 반도체;
- ``detect``: Korean or English, by the script of the text, where a feed does not declare it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.faces import lazy_names

if TYPE_CHECKING:
    from monitor.lang.detect import detect_language
    from monitor.lang.korean import noun_phrases
    from monitor.lang.text import (
        ACTOR_NAMES,
        CLEAN_MARKERS,
        DATELINE,
        canonicalize_actors,
        clean,
        collapse_whitespace,
        fold_case,
        is_hangul,
        is_latin_word_char,
        light_clean,
        may_form_pairs,
        normalize,
        snippet,
        strip_dateline,
    )

__all__ = [
    "ACTOR_NAMES",
    "CLEAN_MARKERS",
    "DATELINE",
    "canonicalize_actors",
    "clean",
    "collapse_whitespace",
    "detect_language",
    "fold_case",
    "is_hangul",
    "is_latin_word_char",
    "light_clean",
    "may_form_pairs",
    "normalize",
    "noun_phrases",
    "snippet",
    "strip_dateline",
]

__getattr__ = lazy_names(
    __name__,
    {
        "detect_language": "detect",
        "noun_phrases": "korean",
        "ACTOR_NAMES": "text",
        "CLEAN_MARKERS": "text",
        "DATELINE": "text",
        "canonicalize_actors": "text",
        "clean": "text",
        "collapse_whitespace": "text",
        "fold_case": "text",
        "is_hangul": "text",
        "is_latin_word_char": "text",
        "light_clean": "text",
        "may_form_pairs": "text",
        "normalize": "text",
        "snippet": "text",
        "strip_dateline": "text",
    },
)
