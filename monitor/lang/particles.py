"""The one table of what follows a Korean word: particles, bound nouns, predicate endings (``data/particles.tsv``).

Three callers read it, each through a named role of the table rather than a list of its own:

- the matcher asks whether what is glued to a short term only ends it (한미는, 한미간) or makes it part of a
  longer word (한미약품): :data:`BOUNDARY_SUFFIXES`;
- the story clusterer cuts particles and endings from its key terms (공급망을 → 공급망):
  :data:`STEM_SUFFIXES`, read by :func:`monitor.lang.stemmer.stem`;
- its patterns let a name or a country abbreviation end in a one-syllable particle (한미일과, 美는):
  :data:`NAME_PARTICLES`, and a figure in one that is no unit (3,500을): :data:`NUMBER_PARTICLE_SYLLABLES`.

The roles differ on purpose: 도 and 만 end many nouns (러몬도, 대만), so the stemmer never cuts them, while a
short matcher term may take them (한미도); bound nouns (간, 측, 산) are no particles to the stemmer but leave
a term whole (미국산). The data file says which row plays which role, with an example.
"""

from __future__ import annotations

from dataclasses import dataclass
from importlib import resources
from typing import Literal

__all__ = [
    "BOUNDARY_SUFFIXES",
    "JOINING_PARTICLES",
    "PERSON_PARTICLE_CLASS",
    "NAME_PARTICLES",
    "NAME_PARTICLE_CLASS",
    "NUMBER_PARTICLE_SYLLABLES",
    "STEM_SUFFIXES",
    "SUFFIXES",
    "Suffix",
    "load_suffixes",
]

Kind = Literal["particle", "copula", "bound", "ending"]
After = Literal["final", "vowel", "any"]
_KINDS = ("particle", "copula", "bound", "ending")
_AFTER = ("final", "vowel", "any")
_ROLES = frozenset({"boundary", "stem", "name", "number", "person", "joins"})


@dataclass(frozen=True, slots=True)
class Suffix:
    """One row of ``data/particles.tsv`` (the file's header explains the columns)."""

    text: str
    kind: Kind
    after: After
    roles: frozenset[str]
    example: str

    def fits(self, syllable: str) -> bool:
        """May this suffix follow ``syllable`` (a precomposed Hangul syllable), by its final consonant?"""
        if self.after == "any":
            return True
        has_final = (ord(syllable) - 0xAC00) % 28 != 0
        return has_final == (self.after == "final")


def load_suffixes(text: str, source: str = "particles.tsv") -> tuple[Suffix, ...]:
    """Parse the table; a bad row is a ValueError naming its line (the file ships with the package)."""
    rows: list[Suffix] = []
    seen: set[str] = set()
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip() or line.startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 5:
            raise ValueError(f"{source} line {number}: expected 5 tab-separated fields, got {len(fields)}")
        suffix, kind, after, roles, example = fields
        role_set = frozenset(r for r in roles.split(",") if r)
        if kind not in _KINDS or after not in _AFTER or not role_set <= _ROLES or not role_set:
            raise ValueError(f"{source} line {number}: unknown kind, after or role in {line!r}")
        if suffix in seen:
            raise ValueError(f"{source} line {number}: {suffix!r} is listed twice")
        if not example.endswith(suffix):
            raise ValueError(f"{source} line {number}: the example {example!r} does not end in {suffix!r}")
        seen.add(suffix)
        rows.append(Suffix(suffix, kind, after, role_set, example))  # type: ignore[arg-type]
    return tuple(rows)


SUFFIXES: tuple[Suffix, ...] = load_suffixes(
    resources.files("monitor.lang").joinpath("data/particles.tsv").read_text("utf-8")
)


def _with(role: str) -> tuple[Suffix, ...]:
    return tuple(s for s in SUFFIXES if role in s.roles)


#: What may follow a short Korean term without making it ambiguous (the matcher; the term tuner strips
#: these). The final consonant is not checked: a term glued to the wrong form of a particle is still a
#: term followed by a particle, never a longer word.
BOUNDARY_SUFFIXES: frozenset[str] = frozenset(s.text for s in _with("boundary"))
#: suffix → the row, for the stemmer (which checks the final consonant; see :meth:`Suffix.fits`).
STEM_SUFFIXES: dict[str, Suffix] = {s.text: s for s in _with("stem")}
#: One-syllable particles that may follow a name in the clusterer's patterns.
NAME_PARTICLES: str = "".join(s.text for s in _with("name") if len(s.text) == 1)
#: The same as a regular-expression character class.
NAME_PARTICLE_CLASS: str = f"[{NAME_PARTICLES}]"
#: First syllables of the particles a figure may take (3,500을, 3%의, 10조원으로): the clusterer reads one
#: syllable after a number as its unit, and these are none. The first syllable, because that is all the
#: number pattern sees (으 of 으로).
NUMBER_PARTICLE_SYLLABLES: frozenset[str] = frozenset(s.text[0] for s in _with("number"))
#: One-syllable particles after a person's title (홍길동 의원이) as a character class. Not 에 or 로: "… 장관에"
#: and "… 대표로" more often say where or as what than who.
PERSON_PARTICLE_CLASS: str = "[" + "".join(s.text for s in _with("person") if len(s.text) == 1) + "]"
#: One-syllable particles that relate a word to the next one across a space (상무장관과 회담, 미국의 회의).
JOINING_PARTICLES: str = "".join(s.text for s in _with("joins") if len(s.text) == 1)
