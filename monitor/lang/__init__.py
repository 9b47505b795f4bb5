"""Language: the text layer every stage shares.

No I/O. Behind this face:

- ``text``: the normaliser (NFKC, the spelling variants of 한·미·일, middle dots, full-width forms,
  whitespace) and the light pre-clean the matcher uses before deciding whether full cleaning is needed;
- ``particles``: the one table of particles, bound nouns and endings (``data/particles.tsv``), with the
  named subsets its callers read (what may follow a matcher term, what the stemmer cuts, ...);
- ``stemmer``: the one stemmer over that table (공급망을 → 공급망), for the story clusterer's key terms;
- ``korean``: morphology (kiwipiepy), so 공급망을 and 반도체와 find 공급망 and 반도체, and 한미약품 does not
  find 한미;
- ``detect``: Korean or English, by the script of the text, where a feed does not declare it.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.faces import lazy_names

if TYPE_CHECKING:
    from monitor.lang.detect import detect_language
    from monitor.lang.korean import noun_phrases
    from monitor.lang.particles import (
        BOUNDARY_SUFFIXES,
        JOINING_PARTICLES,
        NAME_PARTICLE_CLASS,
        NUMBER_PARTICLE_SYLLABLES,
        PERSON_PARTICLE_CLASS,
        STEM_SUFFIXES,
        SUFFIXES,
        Suffix,
    )
    from monitor.lang.stemmer import stem
    from monitor.lang.text import (
        ACTOR_NAMES,
        CLEAN_MARKERS,
        DASHES,
        DATELINE,
        ENGLISH_INFLECTIONS,
        ENGLISH_PLURAL_ENDINGS,
        HANJA_ABBREVIATIONS,
        LATIN_WORD_BYTES,
        MIDDLE_DOTS,
        EnglishInflection,
        canonicalize_actors,
        clean,
        collapse_whitespace,
        english_inflections,
        fold_case,
        is_hangul,
        is_latin_word_char,
        light_clean,
        may_form_pairs,
        nfkc,
        normalize,
        remove_invisible,
        snippet,
        strip_dateline,
        unify_punctuation,
    )

__all__ = [
    "ACTOR_NAMES",
    "BOUNDARY_SUFFIXES",
    "CLEAN_MARKERS",
    "DASHES",
    "DATELINE",
    "ENGLISH_INFLECTIONS",
    "ENGLISH_PLURAL_ENDINGS",
    "EnglishInflection",
    "english_inflections",
    "HANJA_ABBREVIATIONS",
    "JOINING_PARTICLES",
    "LATIN_WORD_BYTES",
    "MIDDLE_DOTS",
    "NAME_PARTICLE_CLASS",
    "NUMBER_PARTICLE_SYLLABLES",
    "PERSON_PARTICLE_CLASS",
    "STEM_SUFFIXES",
    "SUFFIXES",
    "Suffix",
    "canonicalize_actors",
    "clean",
    "collapse_whitespace",
    "detect_language",
    "fold_case",
    "is_hangul",
    "is_latin_word_char",
    "light_clean",
    "may_form_pairs",
    "nfkc",
    "normalize",
    "noun_phrases",
    "remove_invisible",
    "snippet",
    "stem",
    "strip_dateline",
    "unify_punctuation",
]

__getattr__ = lazy_names(
    __name__,
    {
        "detect_language": "detect",
        "noun_phrases": "korean",
        "BOUNDARY_SUFFIXES": "particles",
        "JOINING_PARTICLES": "particles",
        "NAME_PARTICLE_CLASS": "particles",
        "NUMBER_PARTICLE_SYLLABLES": "particles",
        "PERSON_PARTICLE_CLASS": "particles",
        "STEM_SUFFIXES": "particles",
        "SUFFIXES": "particles",
        "Suffix": "particles",
        "stem": "stemmer",
        "DASHES": "text",
        "MIDDLE_DOTS": "text",
        "ENGLISH_PLURAL_ENDINGS": "text",
        "ENGLISH_INFLECTIONS": "text",
        "EnglishInflection": "text",
        "english_inflections": "text",
        "HANJA_ABBREVIATIONS": "text",
        "LATIN_WORD_BYTES": "text",
        "unify_punctuation": "text",
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
        "nfkc": "text",
        "normalize": "text",
        "remove_invisible": "text",
        "snippet": "text",
        "strip_dateline": "text",
    },
)
