"""Tuning the topics file from labelled items: the feedback loop behind `monitor topics tune`.

    labelled items + topics file ─candidates─▶ Edit[] ─measure each─▶ Proposal[] (best first)
                                 ─accept the improving ones, one by one─▶ a new topics file (tomlkit)

Every proposal is **measured**, never guessed: the edit is applied to a copy of the topics file, the copy is
validated and compiled exactly as a poll would, and the labelled items are matched again (what
``monitor backtest`` does on stored articles), so "+0.04 F1" is what that data says, not a heuristic.

Where the candidates come from (each a named source with its limits below):

* **terms to add** (:data:`MAX_TERM_CANDIDATES`): nouns and noun compounds of the *missed* relevant items
  (:func:`monitor.match.topics.suggest_terms`, kiwipiepy and the background table) and their English 1–3-word
  n-grams, that occur in at least :data:`MIN_CATCHES` missed items and in **no** irrelevant item; each goes
  to the topic that the missed items containing it already have most evidence for.
* **weights to change** (:data:`MAX_WEIGHT_CANDIDATES` each way): topic terms counted in missed relevant
  items, raised by :data:`WEIGHT_UP`; topic terms counted in false alerts, lowered by :data:`WEIGHT_DOWN`.
* **exclusions to add** (:data:`MAX_EXCLUSION_CANDIDATES`): the word (particles stripped) or two-word phrase
  around a counted hit of a false alert, when it occurs in no relevant item: an exclusion removes only the
  hits it overlaps, so "편의점 공급망" silences 공급망 there and nowhere else.

``--write`` accepts the proposals in their order, each only if it raises F1 on top of those already
accepted, so the written file never scores lower than the original on that data (and is validated by the
same code as ``monitor config check`` before it is written). Tuning fits the data it is given: measure the
result on labelled items it was not tuned on (a held-out half) before trusting it.
"""

from __future__ import annotations

import copy
import hashlib
import re
import tomllib
from collections import Counter
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal

import tomlkit
from tomlkit.items import Array, InlineTable, Table

from monitor.errors import ConfigError
from monitor.lang import BOUNDARY_SUFFIXES, fold_case, normalize
from monitor.match.evaluation import EvalItem, EvalReport
from monitor.match.matcher import Matcher
from monitor.match.topics import MAX_WEIGHT, load_background, parse_topics, suggest_terms, term_key
from monitor.models import MatchResult

__all__ = ["Edit", "Figures", "Proposal", "TuneReport", "apply_edits", "tune"]

#: A candidate term must occur in at least this many missed relevant items (one item is an anecdote).
MIN_CATCHES = 2
#: Candidates measured per kind, the most promising first (each costs one match of every item).
MAX_TERM_CANDIDATES = 30
MAX_WEIGHT_CANDIDATES = 10
MAX_EXCLUSION_CANDIDATES = 15
#: Of the term candidates, the first this many are also tried as an actor term of each one-country actor
#: group (a firm or an office that names Korea, the US or Japan), each variant measured.
MAX_ACTOR_CANDIDATES = 8
#: Factors for a weight edit (a term in missed items ×1.5; in false alerts ×0.5), rounded to 0.1.
WEIGHT_UP = 1.5
WEIGHT_DOWN = 0.5
#: Endings of Korean names of offices and firms, which a candidate needs to be tried as an actor term:
#: 산업통상부, 관세청, 조달청, 국가안보실, 삼성전자, 현대차 그룹 …
ACTOR_FORMS = ("부", "청", "처", "실", "원", "위원회", "전자", "하이닉스", "그룹", "자동차", "에너지솔루션")
#: The exclusion group tuned exclusions go to (created when absent).
TUNED_GROUP = "tuned"
TUNED_REASON = "false alerts in labelled data (monitor topics tune)"

#: English words that never start or end a term (n-grams such as "of the" or "said on" are noise).
_STOPWORD_TEXT = (
    "a an and are as at be been by for from had has have he her his in into is it its of on or our said "
    "says that the their they this to was were which will with would after before over about than new "
    "also not but more most up"
)
_STOPWORDS = frozenset(_STOPWORD_TEXT.split())
_ENGLISH_WORD = re.compile(r"[A-Za-z][A-Za-z0-9'’-]*[A-Za-z0-9]|[A-Za-z]")
_WORD = re.compile(r"[^\s\"'“”‘’()\[\]{}<>,.;:!?…·]+")

EditKind = Literal["add_term", "weight", "exclusion"]


@dataclass(frozen=True, slots=True)
class Figures:
    precision: float
    recall: float
    f1: float
    tp: int
    fp: int
    fn: int

    @classmethod
    def of(cls, report: EvalReport) -> Figures:
        return cls(report.precision, report.recall, report.f1, report.tp, report.fp, report.fn)


@dataclass(frozen=True, slots=True)
class Edit:
    """One concrete change to the topics file, with the evidence it was proposed on."""

    kind: EditKind
    #: The key path it changes: "topics.frameworks.terms" / "actors.us.terms" (append),
    #: "topics.trade.terms[2]" (weight), "exclusions.tuned.terms" (append).
    path: str
    term: str
    weight: float | None = None  # the new weight (weight edits)
    old_weight: float | None = None
    #: An added topic term that decides alone in a title (``standalone = true``).
    standalone: bool = False
    #: Items of the side it is meant to fix that contain the term (missed relevant items for a term or a
    #: raised weight, false alerts for an exclusion or a lowered weight).
    catches: int = 0
    #: Items of the other side that contain it (irrelevant items for a term, relevant for an exclusion).
    risk: int = 0

    def describe(self) -> str:
        if self.kind == "add_term":
            alone = ", standalone" if self.standalone else ""
            return f"add term {self.term!r} to {self.path}{alone} (in {self.catches} missed relevant items)"
        if self.kind == "exclusion":
            return f"add exclusion {self.term!r} to {self.path} (in {self.catches} false alerts)"
        side = "missed relevant items" if (self.weight or 0) > (self.old_weight or 0) else "false alerts"
        change = f"{self.old_weight:g} → {self.weight:g}"
        return f"weight of {self.term!r} at {self.path}: {change} (in {self.catches} {side})"


@dataclass(frozen=True, slots=True)
class Proposal:
    edit: Edit
    after: Figures
    gain: float  # F1 after − F1 before (the baseline)


@dataclass(frozen=True, slots=True)
class TuneReport:
    items: int
    relevant: int
    baseline: Figures
    proposals: tuple[Proposal, ...]  # best first
    #: The proposals accepted one by one (each raising F1 on top of the earlier ones), and the result.
    accepted: tuple[Edit, ...] = ()
    final: Figures | None = None
    text: str | None = field(default=None, repr=False)  # the new topics file, when anything was accepted


Match = Callable[[str | None, str | None], MatchResult]


def tune(
    items: Sequence[EvalItem],
    topics_path: str | Path,
    *,
    threshold: float | None = None,
    morphology: bool = True,
    progress: Callable[[int, int], None] | None = None,
) -> TuneReport:
    """Propose edits to the topics file at ``topics_path`` from ``items``, measure each, accept the
    improving ones in order. Raises ConfigError for an unusable topics file."""
    base_text = Path(topics_path).read_text(encoding="utf-8")
    measure = _Measure(items, str(topics_path), base_text, threshold, morphology)
    baseline = measure.baseline
    docs = [_doc(i, measure.base) for i in items]
    edits = _candidates(docs, measure.base)
    proposals = []
    for n, edit in enumerate(edits, start=1):
        figures = measure.figures([edit], only=_affected(docs, edit))
        if figures is not None:
            proposals.append(Proposal(edit, figures, round(figures.f1 - baseline.f1, 6)))
        if progress:
            progress(n, len(edits))
    proposals.sort(
        key=lambda p: (-p.gain, -(p.after.precision - baseline.precision), -p.edit.catches, p.edit.term)
    )
    accepted: list[Edit] = []
    best = baseline
    for p in proposals:
        if p.gain <= 0:
            break
        figures = measure.figures([*accepted, p.edit])
        if figures is not None and figures.f1 > best.f1:
            accepted.append(p.edit)
            best = figures
    text = apply_edits(base_text, accepted) if accepted else None
    return TuneReport(
        items=len(items), relevant=sum(i.label == "relevant" for i in items), baseline=baseline,
        proposals=tuple(proposals), accepted=tuple(accepted), final=best if accepted else None, text=text,
    )  # fmt: skip


class _Measure:
    """Apply edits to the parsed file, validate and compile it as a poll would, and score the items.

    Edits go to a copy of the parsed TOML (tomlkit, which keeps comments, costs 0.2 s a parse: it is used
    only to write), and only the items an edit can change are matched again (those containing the term,
    or with a hit of a reweighted one); the others keep their baseline verdict."""

    def __init__(
        self, items: Sequence[EvalItem], path: str, text: str, threshold: float | None, morphology: bool
    ):
        self.items, self.path, self.threshold, self.morphology = items, path, threshold, morphology
        self.data = tomllib.loads(text)
        self.base = self._matcher(self.data)
        self.predicted = [self.base.match(i.title, i.text).relevant for i in items]
        self.baseline = self._figures(self.predicted)

    def _matcher(self, data: dict[str, Any]) -> Matcher:
        digest = hashlib.sha256(repr(data).encode()).hexdigest()[:12]
        config = parse_topics(data, path=self.path, digest=digest)
        return Matcher(config, threshold=self.threshold, morphology=self.morphology)

    def figures(self, edits: Sequence[Edit], only: Sequence[int] | None = None) -> Figures | None:
        """The figures with ``edits`` applied (re-matching ``only`` these item indexes, or all); None when
        the edited file does not validate (a candidate that collides with a spelling once normalised)."""
        try:
            matcher = self._matcher(_apply_to_data(self.data, edits))
        except ConfigError:
            return None
        predicted = list(self.predicted)
        for k in range(len(self.items)) if only is None else only:
            predicted[k] = matcher.match(self.items[k].title, self.items[k].text).relevant
        return self._figures(predicted)

    def _figures(self, predicted: Sequence[bool]) -> Figures:
        gold = [i.label == "relevant" for i in self.items]
        tp = sum(g and p for g, p in zip(gold, predicted, strict=True))
        fp = sum(p and not g for g, p in zip(gold, predicted, strict=True))
        fn = sum(g and not p for g, p in zip(gold, predicted, strict=True))
        precision = tp / (tp + fp) if tp + fp else 0.0
        recall = tp / (tp + fn) if tp + fn else 0.0
        f1 = 2 * precision * recall / (precision + recall) if precision + recall else 0.0
        return Figures(precision, recall, f1, tp, fp, fn)


def _affected(docs: Sequence[_Doc], edit: Edit) -> list[int]:
    """Indexes of the items ``edit`` can change: containing the term in any spacing (a superset is only
    slower, never wrong), or, for a weight, with a hit of that term."""
    if edit.kind == "weight":
        return [
            k
            for k, d in enumerate(docs)
            if any(h.term == edit.term for h in (*d.result.hits, *d.result.dropped))
        ]
    needle = _squeeze(fold_case(normalize(edit.term)))
    return [k for k, d in enumerate(docs) if needle in d.squeezed]


def _squeeze(text: str) -> str:
    return text.replace(" ", "").replace("·", "").replace("\n", "")


# --------------------------------------------------------------------------------------------------
# Editing the file (tomlkit keeps its comments and layout)
# --------------------------------------------------------------------------------------------------

_TERM_PATH = re.compile(r"^(actors|topics)\.([a-z][a-z0-9_]*)\.terms\[(\d+)\]$")
_GROUP_PATH = re.compile(r"^(actors|topics|exclusions)\.([a-z][a-z0-9_]*)\.terms$")


def _apply_to_data(data: dict[str, Any], edits: Iterable[Edit]) -> dict[str, Any]:
    """A copy of the parsed file with ``edits`` applied, exactly as :func:`apply_edits` edits the text."""
    out = copy.deepcopy(data)
    for edit in edits:
        if edit.kind == "weight":
            m = _TERM_PATH.match(edit.path)
            assert m is not None, edit.path
            terms = out[m[1]][m[2]]["terms"]
            current = terms[int(m[3])]
            terms[int(m[3])] = (
                {**current, "weight": edit.weight}
                if isinstance(current, dict)
                else {"term": current, "weight": edit.weight}
            )
            continue
        m = _GROUP_PATH.match(edit.path)
        assert m is not None, edit.path
        group = out.setdefault(m[1], {}).setdefault(m[2], {"reason": TUNED_REASON, "terms": []})
        group["terms"].append(_new_term(edit))
    return out


def _new_term(edit: Edit) -> str | dict[str, Any]:
    return {"term": edit.term, "standalone": True} if edit.standalone else edit.term


def apply_edits(text: str, edits: Iterable[Edit]) -> str:
    """``text`` (a topics file) with ``edits`` applied, comments and layout kept."""
    doc = tomlkit.parse(text)
    for edit in edits:
        if edit.kind == "weight":
            m = _TERM_PATH.match(edit.path)
            if m is None:
                raise ValueError(f"not a term's key path: {edit.path}")
            terms: Array = doc[m[1]][m[2]]["terms"]
            index = int(m[3])
            current = terms[index]
            if isinstance(current, InlineTable | Table | dict):
                current["weight"] = edit.weight
            else:
                table = tomlkit.inline_table()
                table.update({"term": str(current), "weight": edit.weight})
                terms[index] = table
            continue
        m = _GROUP_PATH.match(edit.path)
        if m is None:
            raise ValueError(f"not a group's terms: {edit.path}")
        section = doc.setdefault(m[1], tomlkit.table(is_super_table=True))
        if m[2] not in section:
            group = tomlkit.table()
            group.add(tomlkit.comment("proposed by `monitor topics tune` from labelled false alerts"))
            group["reason"] = TUNED_REASON
            group["terms"] = tomlkit.array()
            section[m[2]] = group
        terms = section[m[2]]["terms"]
        new = _new_term(edit)
        if isinstance(new, dict):
            table = tomlkit.inline_table()
            table.update(new)
            terms.append(table)
        else:
            terms.append(new)
    return tomlkit.dumps(doc)


# --------------------------------------------------------------------------------------------------
# Candidates
# --------------------------------------------------------------------------------------------------


@dataclass(slots=True)
class _Doc:
    item: EvalItem
    result: MatchResult  # matched with full=True: every hit, even where the prefilter would stop
    folded: str  # normalised, case-folded "title\n\ntext": what term containment is judged on
    squeezed: str  # the same without spaces and middle dots (any spacing of a term is in it)
    title: str  # normalised, case-folded title


def _candidates(docs: list[_Doc], matcher: Matcher) -> list[Edit]:
    missed = [d for d in docs if d.item.label == "relevant" and not d.result.relevant]
    alerts = [d for d in docs if d.item.label == "irrelevant" and d.result.relevant]
    relevant = [d for d in docs if d.item.label == "relevant"]
    irrelevant = [d for d in docs if d.item.label == "irrelevant"]
    known = {term_key(s) for t in matcher.config.all_terms() for s in (t.term, *t.aliases)}
    return [
        *_term_edits(missed, irrelevant, docs, matcher, known),
        *_weight_edits(missed, alerts, irrelevant, relevant, matcher),
        *_exclusion_edits(alerts, relevant, matcher, known),
    ]


def _doc(item: EvalItem, matcher: Matcher) -> _Doc:
    result = matcher.match(item.title, item.text, full=True)
    folded = fold_case(normalize(f"{item.title or ''}\n\n{item.text or ''}"))
    return _Doc(item, result, folded, _squeeze(folded), fold_case(normalize(item.title or "")))


def _contains_title(doc: _Doc, term: str) -> bool:
    return _contains(_Doc(doc.item, doc.result, doc.title, "", doc.title), term)


def _contains(doc: _Doc, term: str) -> bool:
    needle = fold_case(normalize(term))
    if not needle:
        return False
    if needle[0].isascii() or needle[-1].isascii():  # English: whole words only (AI is not in SAID)
        return re.search(rf"(?<![a-z0-9]){re.escape(needle)}(?![a-z0-9])", doc.folded) is not None
    return needle in doc.folded


def _term_edits(
    missed: list[_Doc], irrelevant: list[_Doc], docs: list[_Doc], matcher: Matcher, known: set[str]
) -> list[Edit]:
    if len(missed) < MIN_CATCHES:
        return []
    found: dict[str, str] = {}  # term_key → spelling
    for spelling in [*_korean_phrases(missed, matcher), *_english_ngrams(missed)]:
        key = term_key(spelling)
        # suggest_terms leaves out phrases inside a known spelling; the n-grams need the same check
        if key and key not in known and not any(key in k for k in known):
            found.setdefault(key, spelling)
    scored = []
    for spelling in found.values():
        catches = [d for d in missed if _contains(d, spelling)]
        if len(catches) < MIN_CATCHES or any(_contains(d, spelling) for d in irrelevant):
            continue
        scored.append((len(catches), len(spelling), spelling, catches))
    scored.sort(key=lambda s: (-s[0], -s[1], s[2]))
    fallback = _strongest_topic(docs, matcher)
    actors = [g.id for g in matcher.config.actors if len(g.countries) == 1 and not g.generic]
    edits = []
    for rank, (count, _, spelling, catches) in enumerate(_drop_nested(scored)[:MAX_TERM_CANDIDATES]):
        topic = _topic_for(catches) or fallback
        edits.append(Edit("add_term", f"topics.{topic}.terms", spelling, catches=count, risk=0))
        in_titles = sum(1 for d in catches if _contains_title(d, spelling))
        if in_titles >= MIN_CATCHES and _may_stand_alone(spelling):  # specific enough for a headline?
            edits.append(
                Edit("add_term", f"topics.{topic}.terms", spelling, catches=in_titles, standalone=True)
            )
        if rank < MAX_ACTOR_CANDIDATES and _may_be_actor(spelling):  # one country's office or firm?
            edits += [Edit("add_term", f"actors.{a}.terms", spelling, catches=count) for a in actors]
    return edits


def _korean_phrases(missed: list[_Doc], matcher: Matcher) -> list[str]:
    documents = [(str(d.item.id), d.item.title or "", d.item.text or "") for d in missed]
    try:
        suggestions = suggest_terms(
            matcher.config, documents, load_background(), limit=200, min_count=MIN_CATCHES
        )
    except (ConfigError, ImportError, RuntimeError):  # no background table or no analyser: English only
        return []
    # kiwipiepy tags English words as foreign nouns: those are the n-grams' business
    return [s.term for s in suggestions if not s.term.isascii()]


def _english_ngrams(missed: list[_Doc]) -> list[str]:
    """1–3-word English n-grams found in at least MIN_CATCHES missed items, in their most common casing;
    none starts or ends with a stop word, a single word has at least 4 letters (or is an acronym)."""
    docs_with: Counter[str] = Counter()
    surface: dict[str, Counter[str]] = {}
    for d in missed:
        words = _ENGLISH_WORD.findall(f"{d.item.title or ''} {d.item.text or ''}")
        seen: set[str] = set()
        for n in (1, 2, 3):
            for i in range(len(words) - n + 1):
                gram = words[i : i + n]
                low = [w.lower() for w in gram]
                if any(w in _STOPWORDS for w in low):
                    continue
                if n == 1 and not _is_acronym(gram[0]):
                    continue  # one ordinary English word (china, supply) is never specific enough
                key = " ".join(low)
                seen.add(key)
                surface.setdefault(key, Counter())[" ".join(gram)] += 1
        docs_with.update(seen)
    # the most common casing: names read as names (SK Hynix), and all-capital terms stay case-sensitive
    return [surface[key].most_common(1)[0][0] for key, count in docs_with.items() if count >= MIN_CATCHES]


def _is_acronym(word: str) -> bool:
    """MSP, VEU, IRA, CHIPS: two or more capitals (digits allowed), matched case-sensitively."""
    return len(word) >= 2 and word.isupper() and word.isalnum()


def _may_stand_alone(term: str) -> bool:
    """Whether a candidate may be tried as a standalone term: an acronym, a phrase of two or more words or
    a Korean compound of five or more syllables (반도체 장비, 칩4 예비회의), never one common word."""
    if len(term.split()) >= 2 or _is_acronym(term):
        return True
    return not term.isascii() and len(term) >= 5


def _may_be_actor(term: str) -> bool:
    """Whether a candidate may be tried as an actor term: a name by its form (capitalised English words:
    SK Hynix, Samsung Electronics), or a Korean noun with an ending of :data:`ACTOR_FORMS`."""
    if term.isascii():
        return all(w[:1].isupper() for w in term.split())
    return term.endswith(ACTOR_FORMS)


def _drop_nested(scored: list[tuple[int, int, str, list[_Doc]]]) -> list[tuple[int, int, str, list[_Doc]]]:
    """Of two candidates where one contains the other and both catch the same items, keep the longer:
    "chip alliance" and "chip" proposed together would be one edit measured twice."""
    kept: list[tuple[int, int, str, list[_Doc]]] = []
    for s in scored:
        ids = {id(d) for d in s[3]}
        if not any(s[2].lower() in k[2].lower() and ids == {id(d) for d in k[3]} for k in kept):
            kept.append(s)
    return kept


def _topic_for(docs: Iterable[_Doc]) -> str | None:
    votes: Counter[str] = Counter(t.topic for d in docs for t in d.result.topics[:1])
    return votes.most_common(1)[0][0] if votes else None


def _strongest_topic(docs: Iterable[_Doc], matcher: Matcher) -> str:
    votes: Counter[str] = Counter(
        t.topic for d in docs if d.item.label == "relevant" for t in d.result.topics
    )
    return votes.most_common(1)[0][0] if votes else matcher.config.topics[0].id


def _weight_edits(
    missed: list[_Doc], alerts: list[_Doc], irrelevant: list[_Doc], relevant: list[_Doc], matcher: Matcher
) -> list[Edit]:
    terms = {t.path: t for t in matcher.config.all_terms() if t.kind == "topic"}
    by_term = {(t.group, t.term): t for t in terms.values()}

    def counted(docs: list[_Doc]) -> Counter[str]:
        seen: Counter[str] = Counter()
        for d in docs:
            paths = {by_term[(h.group, h.term)].path for h in d.result.hits
                     if h.kind == "topic" and (h.group, h.term) in by_term}  # fmt: skip
            seen.update(paths)
        return seen

    edits = []
    in_irrelevant, in_relevant = counted(irrelevant), counted(relevant)
    for path, count in counted(missed).most_common(MAX_WEIGHT_CANDIDATES):
        t = terms[path]
        new = min(MAX_WEIGHT, round(t.weight * WEIGHT_UP, 1))
        if count >= 1 and new > t.weight:
            edits.append(Edit("weight", path, t.term, new, t.weight, catches=count, risk=in_irrelevant[path]))
    for path, count in counted(alerts).most_common(MAX_WEIGHT_CANDIDATES):
        t = terms[path]
        new = round(t.weight * WEIGHT_DOWN, 1)
        if 0 < new < t.weight:
            edits.append(Edit("weight", path, t.term, new, t.weight, catches=count, risk=in_relevant[path]))
    return edits


def _exclusion_edits(
    alerts: list[_Doc], relevant: list[_Doc], matcher: Matcher, known: set[str]
) -> list[Edit]:
    phrases: Counter[str] = Counter()
    for d in alerts:
        text = normalize(f"{d.item.title or ''}\n\n{d.item.text or ''}")
        seen: set[str] = set()
        for h in d.result.hits:
            seen.update(_around(text, h.start, h.end, h.matched))
        phrases.update(seen)
    group = f"exclusions.{TUNED_GROUP}.terms"
    edits = []
    for phrase, count in phrases.most_common():
        key = term_key(phrase)
        if key in known or any(_contains(d, phrase) for d in relevant):
            continue
        edits.append(Edit("exclusion", group, phrase, catches=count, risk=0))
        known = known | {key}
        if len(edits) >= MAX_EXCLUSION_CANDIDATES:
            break
    return edits


def _around(text: str, start: int, end: int, matched: str) -> list[str]:
    """The word holding a hit, particles stripped, when it is longer than the hit (한미반도체 around 한미),
    and the hit with the word before it (편의점 공급망)."""
    if text[start:end] != matched:  # offsets from another normalisation: nothing safe to cut
        return []
    words = [(m.start(), m.end()) for m in _WORD.finditer(text)]
    here = next((k for k, (s, e) in enumerate(words) if s <= start < e), None)
    if here is None:
        return []
    s, e = words[here]
    word = _strip_particle(text[s:e])
    out = []
    if len(word) > len(matched) and matched in word:
        out.append(word)
    if here > 0 and s == start:
        ps, pe = words[here - 1]
        if text[pe:s] == " " and len(text[ps:pe]) >= 2:
            out.append(f"{text[ps:pe]} {_strip_particle(text[s:e])}")
    return out


def _strip_particle(word: str) -> str:
    for n in (3, 2, 1):
        if len(word) > n + 1 and word[-n:] in BOUNDARY_SUFFIXES:
            return word[:-n]
    return word


def tune_report_json(report: TuneReport) -> dict[str, Any]:
    def figures(f: Figures | None) -> dict[str, Any] | None:
        if f is None:
            return None
        return {"precision": round(f.precision, 4), "recall": round(f.recall, 4), "f1": round(f.f1, 4),
                "tp": f.tp, "fp": f.fp, "fn": f.fn}  # fmt: skip

    return {
        "items": report.items,
        "relevant": report.relevant,
        "baseline": figures(report.baseline),
        "proposals": [
            {
                "kind": p.edit.kind,
                "path": p.edit.path,
                "term": p.edit.term,
                "weight": p.edit.weight,
                "old_weight": p.edit.old_weight,
                "catches": p.edit.catches,
                "risk": p.edit.risk,
                "f1_gain": round(p.gain, 4),
                "after": figures(p.after),
                "accepted": p.edit in report.accepted,
            }
            for p in report.proposals
        ],  # fmt: skip
        "accepted": len(report.accepted),
        "final": figures(report.final),
    }
