"""The topics file (``config/topics.toml``): loading, validation, seed checks and term suggestions.

The file is written and tuned by people, so every mistake is reported at once, each with its key path
and, for a misspelt key or reference, the closest valid name::

    topics.toml: 3 problems:
      topics.chips.terms[2].weight: must be a number > 0 and <= 10, got "high"
      topics.chips.terms[4]: "공급망" is already a term at topics.supply_chain.terms[0]
      topics.export_controls.terms[1].near[0]: unknown topic '@export_contols'
        (did you mean '@export_controls'?)

Layout (see config/topics.toml for the real thing)::

    version = 1
    [scoring]                     # optional; defaults in Scoring
    [actors.<id>]                 # label, countries = ["kr","us","jp"], weight?, terms = [...]
    [topics.<id>]                 # label, weight?, terms = [...]
    [exclusions.<id>]             # reason, terms = [...]

A term is a string or a table ``{ term, weight, aliases, standalone, near, not_near, within, boundary }``.
``near``/``not_near`` entries are literal words or references: ``@<topic id>`` (a counted term of that
topic), ``@actor`` (any counted actor term) or ``@kr`` / ``@us`` / ``@jp`` (an actor term of that country).

This module also holds the two tuning aids of the CLI: :func:`check_seeds` (every seed document must
match) and :func:`suggest_terms` (nouns the seeds use much more than ordinary news, that the file lacks).
"""

from __future__ import annotations

import difflib
import hashlib
import math
import re
import tomllib
from collections import Counter
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, replace
from pathlib import Path
from typing import TYPE_CHECKING, Any, Literal

from monitor.errors import ConfigError
from monitor.lang import fold_case, normalize, snippet

if TYPE_CHECKING:
    from monitor.match.matcher import Matcher
    from monitor.models import MatchResult

__all__ = [
    "ActorGroup",
    "Background",
    "ExclusionGroup",
    "Scoring",
    "SeedCheck",
    "Suggestion",
    "Term",
    "Topic",
    "TopicsConfig",
    "check_seeds",
    "default_topics_path",
    "load_background",
    "load_topics",
    "parse_topics",
    "read_document",
    "short_label",
    "suggest_terms",
]

Country = Literal["kr", "us", "jp", "cn"]
Boundary = Literal["auto", "substring", "word", "morph"]
#: "cue" marks a near/not_near word the matcher compiles as a pseudo-term; it never appears in the file.
TermKind = Literal["actor", "topic", "exclusion", "cue"]

#: The three partners: a core item needs two of them (or a standalone term).
PARTNERS: tuple[Country, ...] = ("kr", "us", "jp")
#: Every country an actor group may name: China's measures (export controls on gallium, rare earths)
#: make context items, never core ones.
COUNTRIES: tuple[Country, ...] = (*PARTNERS, "cn")
BOUNDARIES: tuple[Boundary, ...] = ("auto", "substring", "word", "morph")
MAX_WEIGHT = 10.0
FORMAT_VERSION = 1


@dataclass(frozen=True, slots=True)
class Scoring:
    """How evidence adds up (monitor.match.matcher explains the model)."""

    #: Relevance score in [0, 1] from which an article (with an actor) is relevant.
    threshold: float = 0.5
    #: Weighted topic evidence that, with an actor, gives exactly the score 0.5.
    topic_mass: float = 1.0
    #: Weighted actor evidence needed, covering at least two of kr/us/jp.
    actor_mass: float = 1.0
    #: Multiplier for hits in the title.
    title_bonus: float = 2.0
    #: Extra share a term earns by repeating, approached geometrically (0.5: at most 1.5x its weight).
    repeat_bonus: float = 0.5
    #: A body actor hit counts only this close (in characters) to a counted topic hit.
    actor_window: int = 300
    #: Default distance (characters) for a term's near / not_near rule.
    near_window: int = 40
    #: The lede: the first sentence of the text, at most this many characters. A standalone term there
    #: decides as in the title. 0 (the default): only the title decides, since on the real labelled
    #: news a lede rule caught nothing the headline fallback (an item without a title is judged with
    #: its first sentence as the title) did not, and a passing mention in a lede is still a mention.
    lede_chars: int = 0


@dataclass(frozen=True, slots=True)
class Term:
    """One configured term with everything the matcher needs about it."""

    term: str  # as written in the file (shown in explanations)
    key: str  # normalised, case-folded form: what duplicates are judged by
    aliases: tuple[str, ...]  # as written
    kind: TermKind
    group: str  # actor group, topic or exclusion group id
    weight: float
    standalone: bool = False
    near: tuple[str, ...] = ()
    not_near: tuple[str, ...] = ()
    within: int = 40
    boundary: Boundary = "auto"
    countries: tuple[Country, ...] = ()  # actor terms only
    #: A bare country name (actor groups with ``generic = true``): in the body it only supports an actor
    #: named otherwise (a pair, an office, an official), since 미국 and 일본 appear in most economic news.
    generic: bool = False
    #: A company of the group's country (actor groups with ``firm = true``): it stands for its country
    #: only beside a government actor of another country, i.e. when a foreign measure hits the firm.
    firm: bool = False
    #: Topic terms of a ``supporting = true`` topic count only beside evidence of another topic.
    supporting: bool = False
    #: Topic terms of a ``context = true`` topic can make a one-actor (context) item.
    context: bool = False
    #: The term names a government measure itself (수출통제, 반도체법, VEU): context evidence without a
    #: measure word beside it (``measure = true`` on the term or its topic).
    measure: bool = False
    path: str = ""  # key path in the file, for messages


@dataclass(frozen=True, slots=True)
class ActorGroup:
    id: str
    label: str
    countries: tuple[Country, ...]
    generic: bool
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class Topic:
    id: str
    label: str
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class ExclusionGroup:
    id: str
    reason: str
    terms: tuple[Term, ...]


@dataclass(frozen=True, slots=True)
class ContextRule:
    """When one actor's news is a context item: evidence of ``context = true`` topics that names a
    measure, either a term that is one (``measure = true``) or a term with one of ``measures`` (법안,
    규제, 지원, rules, subsidies …) within ``within`` characters."""

    measures: tuple[str, ...] = ()
    within: int = 20


@dataclass(frozen=True, slots=True)
class TopicsConfig:
    path: str
    digest: str  # sha256 prefix of the file bytes: stored with each match, compared by backtests
    scoring: Scoring
    actors: tuple[ActorGroup, ...]
    topics: tuple[Topic, ...]
    exclusions: tuple[ExclusionGroup, ...]
    context: ContextRule = ContextRule()

    def all_terms(self) -> Iterable[Term]:
        groups: tuple[ActorGroup | Topic | ExclusionGroup, ...] = (
            *self.actors,
            *self.topics,
            *self.exclusions,
        )
        for group in groups:
            yield from group.terms

    def topic(self, topic_id: str) -> Topic:
        return next(t for t in self.topics if t.id == topic_id)


def default_topics_path(config_path: str | Path | None = None) -> Path:
    """``topics.toml`` next to the main config file (``config/monitor.toml`` when none is given)."""
    base = Path(config_path) if config_path else Path("config") / "monitor.toml"
    return base.parent / "topics.toml"


def load_topics(path: str | Path) -> TopicsConfig:
    """Read and validate a topics file; raise :class:`ConfigError` listing every problem in it."""
    path = Path(path)
    try:
        raw = path.read_bytes()
    except OSError as exc:
        raise ConfigError([f"cannot read the topics file: {exc.strerror or exc}"], str(path)) from exc
    try:
        data = tomllib.loads(raw.decode("utf-8"))
    except UnicodeDecodeError as exc:
        raise ConfigError([f"not UTF-8 (byte {exc.start})"], str(path)) from exc
    except tomllib.TOMLDecodeError as exc:
        raise ConfigError([f"not valid TOML: {exc}"], str(path)) from exc
    return parse_topics(data, path=str(path), digest=hashlib.sha256(raw).hexdigest()[:12])


def parse_topics(data: Mapping[str, Any], *, path: str = "<topics>", digest: str = "") -> TopicsConfig:
    """Validate already-parsed TOML. Pure, so tests can feed it dicts."""
    v = _Validator()
    v.keys(data, "", {"version", "scoring", "context", "actors", "topics", "exclusions"})
    version = data.get("version")
    if version != FORMAT_VERSION:
        v.problem("version", f"must be {FORMAT_VERSION}, got {version!r}")
    scoring = v.scoring(data.get("scoring", {}))
    actors = tuple(
        ActorGroup(gid, label, countries, any(t.generic for t in terms), terms)
        for gid, label, countries, terms in v.groups(data, "actors", scoring)
    )
    topics = tuple(Topic(gid, label, terms) for gid, label, _, terms in v.groups(data, "topics", scoring))
    exclusions = tuple(
        ExclusionGroup(gid, label, terms) for gid, label, _, terms in v.groups(data, "exclusions", scoring)
    )
    if not actors:
        v.problem("actors", "at least one actor group is needed (relevance requires an actor)")
    if not topics:
        v.problem("topics", "at least one topic is needed")
    v.references(topics, actors)
    v.duplicates((*actors, *topics, *exclusions))
    context = v.context(data.get("context", {}))
    if v.problems:
        raise ConfigError(v.problems, path)
    return TopicsConfig(path, digest, scoring, actors, topics, exclusions, context)


_ID = re.compile(r"[a-z][a-z0-9_]{0,39}")
_TERM_KEYS = {"term", "weight", "aliases", "standalone", "measure", "near", "not_near", "within", "boundary"}
_GROUP_KEYS = {
    "actors": {"label", "countries", "generic", "firm", "weight", "terms"},
    "topics": {"label", "weight", "supporting", "context", "measure", "terms"},
    "exclusions": {"reason", "terms"},
}
_LABEL_KEY = {"actors": "label", "topics": "label", "exclusions": "reason"}
_KIND: dict[str, TermKind] = {"actors": "actor", "topics": "topic", "exclusions": "exclusion"}
_SPECIAL_REFS = {"@actor", *(f"@{c}" for c in COUNTRIES)}


class _Validator:
    """Collects problems (with key paths) instead of stopping at the first."""

    def __init__(self) -> None:
        self.problems: list[str] = []

    def problem(self, path: str, message: str) -> None:
        self.problems.append(f"{path}: {message}" if path else message)

    def keys(self, table: Mapping[str, Any], path: str, allowed: set[str]) -> None:
        for key in table:
            if key not in allowed:
                where = f"{path}.{key}" if path else key
                self.problem(where, f"unknown key{_did_you_mean(key, allowed)}")

    def scoring(self, raw: Any) -> Scoring:
        if not isinstance(raw, Mapping):
            self.problem("scoring", "must be a table")
            return Scoring()
        defaults = Scoring()
        limits: dict[str, tuple[float, float]] = {
            "threshold": (0.01, 1.0), "topic_mass": (0.01, 100.0), "actor_mass": (0.01, 100.0),
            "title_bonus": (1.0, 10.0), "repeat_bonus": (0.0, 5.0),
            "actor_window": (1, 100_000), "near_window": (1, 2_000), "lede_chars": (0, 2_000),
        }  # fmt: skip
        self.keys(raw, "scoring", set(limits))
        values: dict[str, Any] = {}
        for key, (lo, hi) in limits.items():
            if key not in raw:
                continue
            want_int = isinstance(getattr(defaults, key), int)
            value = raw[key]
            ok = _is_number(value) and (not want_int or isinstance(value, int)) and lo <= value <= hi
            if ok:
                values[key] = value
            else:
                kind = "an integer" if want_int else "a number"
                self.problem(f"scoring.{key}", f"must be {kind} from {lo} to {hi}, got {value!r}")
        return Scoring(**values)

    def groups(
        self, data: Mapping[str, Any], section: str, scoring: Scoring
    ) -> list[tuple[str, str, tuple[Country, ...], tuple[Term, ...]]]:
        raw = data.get(section, {})
        if not isinstance(raw, Mapping):
            self.problem(section, "must be a table of groups")
            return []
        out = []
        for gid, group in raw.items():
            path = f"{section}.{gid}"
            if not _ID.fullmatch(gid):
                self.problem(path, "ids are lower-case letters, digits and _ (starting with a letter)")
            if not isinstance(group, Mapping):
                self.problem(path, "must be a table")
                continue
            self.keys(group, path, _GROUP_KEYS[section])
            label = group.get(_LABEL_KEY[section], gid)
            if not isinstance(label, str):
                self.problem(f"{path}.{_LABEL_KEY[section]}", "must be a string")
                label = gid
            countries = self.countries(group, path) if section == "actors" else ()
            flags = {}
            for flag in ("generic", "firm", "supporting", "context", "measure"):
                flags[flag] = group.get(flag, False)
                if not isinstance(flags[flag], bool):
                    self.problem(f"{path}.{flag}", f"must be true or false, got {flags[flag]!r}")
                    flags[flag] = False
            default_weight = self.weight(group.get("weight", 1.0), f"{path}.weight")
            terms = self.terms(
                group.get("terms"), path, _KIND[section], gid, default_weight, countries, scoring
            )
            if any(flags.values()):
                terms = tuple(replace(t, **{k: v for k, v in flags.items() if v}) for t in terms)
            out.append((gid, label, countries, terms))
        return out

    def countries(self, group: Mapping[str, Any], path: str) -> tuple[Country, ...]:
        raw = group.get("countries")
        if not isinstance(raw, list) or not raw:
            self.problem(f"{path}.countries", 'must be a non-empty list of "kr", "us", "jp", "cn"')
            return ()
        out: list[Country] = []
        for i, c in enumerate(raw):
            if c in COUNTRIES and c not in out:
                out.append(c)
            else:
                hint = _did_you_mean(str(c), set(COUNTRIES)) if isinstance(c, str) else ""
                self.problem(
                    f"{path}.countries[{i}]", f"must be one of kr, us, jp, cn (once), got {c!r}{hint}"
                )
        return tuple(out)

    def context(self, raw: Any) -> ContextRule:
        if not isinstance(raw, Mapping):
            self.problem("context", "must be a table")
            return ContextRule()
        self.keys(raw, "context", {"measures", "within"})
        measures = self.strings(raw.get("measures", []), "context.measures")
        within = raw.get("within", ContextRule().within)
        if not (isinstance(within, int) and not isinstance(within, bool) and 1 <= within <= 2000):
            self.problem("context.within", f"must be an integer from 1 to 2000 (characters), got {within!r}")
            within = ContextRule().within
        return ContextRule(measures, within)

    def weight(self, value: Any, path: str) -> float:
        if _is_number(value) and 0 < value <= MAX_WEIGHT:
            return float(value)
        self.problem(path, f"must be a number > 0 and <= {MAX_WEIGHT:g}, got {value!r}")
        return 1.0

    def terms(
        self,
        raw: Any,
        path: str,
        kind: TermKind,
        group: str,
        default_weight: float,
        countries: tuple[Country, ...],
        scoring: Scoring,
    ) -> tuple[Term, ...]:
        if not isinstance(raw, list) or not raw:
            self.problem(f"{path}.terms", "must be a non-empty list of terms")
            return ()
        out = []
        for i, item in enumerate(raw):
            term = self.term(item, f"{path}.terms[{i}]", kind, group, default_weight, countries, scoring)
            if term is not None:
                out.append(term)
        return tuple(out)

    def term(
        self,
        item: Any,
        path: str,
        kind: TermKind,
        group: str,
        default_weight: float,
        countries: tuple[Country, ...],
        scoring: Scoring,
    ) -> Term | None:
        if isinstance(item, str):
            item = {"term": item}
        if not isinstance(item, Mapping):
            self.problem(path, f"must be a string or a table with a `term`, got {type(item).__name__}")
            return None
        self.keys(item, path, _TERM_KEYS if kind == "topic" else _TERM_KEYS - {"standalone", "measure"})
        text = item.get("term")
        if not isinstance(text, str) or not normalize(text):
            self.problem(f"{path}.term", f"must be a non-empty string, got {text!r}")
            return None
        weight = self.weight(item["weight"], f"{path}.weight") if "weight" in item else default_weight
        aliases = self.strings(item.get("aliases", []), f"{path}.aliases")
        near = self.strings(item.get("near", []), f"{path}.near")
        not_near = self.strings(item.get("not_near", []), f"{path}.not_near")
        standalone = item.get("standalone", False)
        if not isinstance(standalone, bool):
            self.problem(f"{path}.standalone", f"must be true or false, got {standalone!r}")
            standalone = False
        measure = item.get("measure", False)
        if not isinstance(measure, bool):
            self.problem(f"{path}.measure", f"must be true or false, got {measure!r}")
            measure = False
        within = item.get("within", scoring.near_window)
        if not (isinstance(within, int) and not isinstance(within, bool) and 1 <= within <= 2000):
            self.problem(f"{path}.within", f"must be an integer from 1 to 2000 (characters), got {within!r}")
            within = scoring.near_window
        if "within" in item and not (near or not_near):
            self.problem(f"{path}.within", "only means something with `near` or `not_near`")
        boundary = item.get("boundary", "auto")
        if boundary not in BOUNDARIES:
            hint = _did_you_mean(str(boundary), set(BOUNDARIES))
            self.problem(
                f"{path}.boundary", f"must be one of {', '.join(BOUNDARIES)}, got {boundary!r}{hint}"
            )
            boundary = "auto"
        return Term(
            term=text, key=term_key(text), aliases=aliases, kind=kind, group=group, weight=weight,
            standalone=standalone, near=near, not_near=not_near, within=within, boundary=boundary,
            countries=countries, measure=measure, path=path,
        )  # fmt: skip

    def strings(self, raw: Any, path: str) -> tuple[str, ...]:
        if not isinstance(raw, list):
            self.problem(path, "must be a list of strings")
            return ()
        out = []
        for i, s in enumerate(raw):
            if isinstance(s, str) and normalize(s):
                out.append(s)
            else:
                self.problem(f"{path}[{i}]", f"must be a non-empty string, got {s!r}")
        return tuple(out)

    def references(self, topics: Sequence[Topic], actors: Sequence[ActorGroup]) -> None:
        """Every ``@name`` in near/not_near must name a topic or one of @actor/@kr/@us/@jp."""
        known = {f"@{t.id}" for t in topics} | _SPECIAL_REFS
        groups: tuple[ActorGroup | Topic, ...] = (*actors, *topics)
        for group in groups:
            for term in group.terms:
                for rule in ("near", "not_near"):
                    for i, ref in enumerate(getattr(term, rule)):
                        if ref.startswith("@") and ref not in known:
                            hint = _did_you_mean(ref, known)
                            self.problem(f"{term.path}.{rule}[{i}]", f"unknown topic {ref!r}{hint}")

    def duplicates(self, groups: Sequence[ActorGroup | Topic | ExclusionGroup]) -> None:
        """A spelling may appear once in the whole file: twice would count it twice, or make an
        exclusion silently cancel a term."""
        seen: dict[str, str] = {}
        for group in groups:
            for term in group.terms:
                for i, spelling in enumerate((term.term, *term.aliases)):
                    key = term_key(spelling)
                    where = term.path if i == 0 else f"{term.path}.aliases[{i - 1}]"
                    if key in seen:
                        # an English pair spelling is read as the Korean one ("Korea-US" as 한미): say so,
                        # or the two spellings look unrelated to the person reading the message
                        read = normalize(spelling)
                        changed = fold_case(read) != fold_case(spelling)
                        read_as = f" (it is read as {read!r})" if changed else ""
                        self.problem(where, f"{spelling!r}{read_as} is already a term at {seen[key]}")
                    else:
                        seen[key] = where


def short_label(label: str) -> str:
    """A topic's label without the examples in brackets, for places with little room:
    "수출통제·제재 (BIS, VEU, 대러 제재)" → "수출통제·제재"."""
    return label.split(" (")[0]


def term_key(text: str) -> str:
    """How two spellings are judged the same: normalised, case-folded, spaces and middle dots ignored."""
    return fold_case(normalize(text)).replace(" ", "").replace("·", "")


def _is_number(value: Any) -> bool:
    return isinstance(value, int | float) and not isinstance(value, bool) and math.isfinite(value)


def _did_you_mean(name: str, choices: Iterable[str]) -> str:
    close = difflib.get_close_matches(name, sorted(choices), n=1, cutoff=0.6)
    return f" (did you mean {close[0]!r}?)" if close else ""


# --------------------------------------------------------------------------------------------------
# Seed documents and `topics check`
# --------------------------------------------------------------------------------------------------


def read_document(path: Path) -> tuple[str, str]:
    """(title, text) of a seed or extra document: the front matter's ``title:`` if there is one, else
    its first non-empty line."""
    raw = path.read_text(encoding="utf-8", errors="replace")
    if raw.startswith("---\n"):
        end = raw.find("\n---", 4)
        if end != -1:
            front, body = raw[4:end], raw[end + 4 :]
            m = re.search(r"^title:\s*(.+)$", front, re.MULTILINE)
            return (m.group(1).strip().strip("'\"") if m else "", body)
    lines = raw.strip().split("\n", 1)
    return lines[0].strip(), lines[1] if len(lines) > 1 else ""


@dataclass(frozen=True, slots=True)
class SeedCheck:
    path: str
    title: str
    result: MatchResult


def check_seeds(matcher: Matcher, seeds: Sequence[Path]) -> list[SeedCheck]:
    """Score every seed document (each must come out relevant: they define the task)."""
    checks = []
    for path in seeds:
        title, text = read_document(path)
        checks.append(SeedCheck(str(path), title, matcher.match(title, text, full=True)))
    return checks


# --------------------------------------------------------------------------------------------------
# `topics suggest`
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Background:
    """Document frequencies of nouns in ordinary news: what makes a seed noun *distinctive*."""

    documents: int
    df: Mapping[str, int]
    source: str


def load_background(path: Path | None = None) -> Background:
    """The shipped background table (monitor/match/data/news_background.toml, built by bench/build_background.py
    from the shared headline corpus), or another file in the same format."""
    path = path or Path(__file__).parent / "data" / "news_background.toml"
    try:
        data = tomllib.loads(path.read_text(encoding="utf-8"))
        return Background(int(data["documents"]), dict(data["df"]), str(data.get("source", path.name)))
    except (OSError, KeyError, ValueError, TypeError, tomllib.TOMLDecodeError) as exc:
        raise ConfigError([f"unusable background frequency table: {exc}"], str(path)) from exc


@dataclass(frozen=True, slots=True)
class Suggestion:
    term: str
    count: int  # occurrences in the documents
    documents: int  # documents it occurs in
    background_df: int  # documents of the background it occurs in
    score: float
    snippet: str
    source: str  # file of the first occurrence


_NOT_A_TERM = re.compile(r"^[\d.,%·\s-]+$|^\d+[가-힣]{0,2}$")


def suggest_terms(
    config: TopicsConfig,
    documents: Sequence[tuple[str, str, str]],
    background: Background,
    *,
    limit: int = 40,
    min_count: int = 2,
    max_background_share: float = 0.01,
) -> list[Suggestion]:
    """Nouns and noun compounds of ``documents`` (name, title, text) that the topics file lacks, ranked
    by count × idf against the background (a compound's background frequency is that of its rarest
    part, so compounds of common words do not rank as if unseen), favouring terms found in several
    documents and compounds (which make better terms than single nouns). Left out: phrases inside a
    spelling the file already has, phrases starting with a one-syllable word (이 장관), and ordinary
    vocabulary, used by ``max_background_share`` of the background documents or more (논의, 방안)."""
    from monitor.lang import noun_phrases

    known = {t_key for term in config.all_terms() for t_key in map(term_key, (term.term, *term.aliases))}
    known_text = "\n".join(known)  # a candidate inside a known spelling is part of an existing term
    counts: Counter[str] = Counter()
    doc_counts: Counter[str] = Counter()
    first: dict[str, tuple[str, str]] = {}
    for name, title, text in documents:
        body = normalize(f"{title}\n\n{text}")
        seen_here: set[str] = set()
        for phrase in noun_phrases(body):
            surface = phrase.surface
            if (
                len(surface.replace(" ", "")) < 2
                or _NOT_A_TERM.match(surface)
                or term_key(surface) in known_text
            ):
                continue
            counts[surface] += 1
            seen_here.add(surface)
            first.setdefault(surface, (name, snippet(body, phrase.start, phrase.end)))
        doc_counts.update(seen_here)
    scored = []
    for surface, count in counts.items():
        if count < min_count:
            continue
        df = _background_df(surface, background)
        if df >= max_background_share * background.documents or len(surface.split(" ")[0]) < 2:
            continue
        idf = math.log((background.documents + 1) / (df + 1))
        name, context = first[surface]
        parts = len(surface.replace("·", " ").split())
        score = count * idf * (1 + 0.25 * (doc_counts[surface] - 1)) * (1 + 0.5 * (parts - 1))
        scored.append(Suggestion(surface, count, doc_counts[surface], df, round(score, 2), context, name))
    scored.sort(key=lambda s: (-s.score, s.term))
    return _drop_covered(scored)[:limit]


def _background_df(surface: str, background: Background) -> int:
    parts = surface.replace("·", " ").split()
    if surface in background.df or len(parts) == 1:
        return int(background.df.get(surface, 0))
    return min(int(background.df.get(p, 0)) for p in parts)


def _drop_covered(suggestions: list[Suggestion]) -> list[Suggestion]:
    """Leave out a phrase when a better-ranked longer phrase contains it with the same count (it only ever
    occurs inside that phrase, so proposing both is noise)."""
    kept: list[Suggestion] = []
    for s in suggestions:
        if not any(s.term in k.term and s.count == k.count for k in kept):
            kept.append(s)
    return kept
