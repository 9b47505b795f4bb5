"""Measuring the matcher against labelled items: parsing eval JSONL, counting, reporting.

Pure functions over lines and values (the CLI opens files and the store), so the numbers a user sees
from ``monitor eval`` are the numbers the tests check.

An eval line is a JSON object::

    {"id": "a1", "title": "…" | null, "text": "…" | null (or absent), "label": "relevant" | "irrelevant",
     "tier": "core" | "context" (optional, relevant items only), "url": …, "published": …, "event": …}

A bad line (not JSON, not an object, no usable label, an unknown tier, neither title nor text, or a text
beyond :data:`MAX_ITEM_CHARS`) becomes a :class:`LineError` with its 1-based line number and is skipped:
one typo must not void a run.
"""

from __future__ import annotations

import difflib
import json
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import UTC, datetime
from itertools import combinations
from typing import Any, Literal

from monitor.models import ClusterItem, MatchResult, Tier
from monitor.stories import cluster_items, pairwise_cluster_metrics

__all__ = [
    "EvalItem",
    "EvalReport",
    "LineError",
    "Prediction",
    "evaluate",
    "labelled_items",
    "matched_terms",
    "parse_lines",
    "eval_report_json",
    "eval_report_text",
]

Label = Literal["relevant", "irrelevant"]
LABELS: tuple[Label, ...] = ("relevant", "irrelevant")
#: The policy's two tiers of relevant news (../RELEVANCE.md), as a labelled line may give them.
TIERS: tuple[Tier, ...] = ("core", "context")
#: Words people use for a tier that the format spells otherwise (the shared corpus's kinds say "adjacent").
_TIER_HINTS = {"adjacent": "context", "core_relevant": "core"}
#: Characters of title + text one eval item may have: a headline and lede, or an article, is far less; a
#: line of several MB is a page dump or a broken export, and matching would only read its first
#: monitor.match.matcher.MAX_TEXT_CHARS anyway.
MAX_ITEM_CHARS = 1_000_000
_KNOWN_KEYS = {"id", "title", "text", "label", "tier", "url", "published", "event"}


@dataclass(frozen=True, slots=True)
class EvalItem:
    id: str | int
    title: str | None
    text: str | None
    label: Label
    line: int | None = None  # in the file; None for stored labels
    #: The labelled tier of a relevant item, when the file gives one.
    tier: Tier | None = None
    url: str | None = None
    published: str | None = None
    event: str | None = None
    #: Keys the format does not define (kept so callers can slice results, e.g. by a "kind" column).
    extra: Mapping[str, Any] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class LineError:
    line: int
    message: str

    def __str__(self) -> str:
        return f"line {self.line}: {self.message}"


@dataclass(frozen=True, slots=True)
class Prediction:
    item: EvalItem
    result: MatchResult

    @property
    def predicted(self) -> Label:
        return self.result.decision

    @property
    def tier(self) -> Tier | None:
        """The predicted tier: None when irrelevant; ``core`` for a relevant verdict without one."""
        return (self.result.tier or "core") if self.result.relevant else None


@dataclass(frozen=True, slots=True)
class EvalReport:
    predictions: tuple[Prediction, ...]
    errors: tuple[LineError, ...] = ()
    #: Pairwise story-clustering quality (``pairwise_cluster_metrics`` keys) when any item carries an
    #: ``event``; None otherwise, so a plain relevance file reports what it always did.
    clusters: Mapping[str, Any] | None = None

    def _count(self, label: Label, predicted: Label) -> int:
        return sum(1 for p in self.predictions if p.item.label == label and p.predicted == predicted)

    @property
    def tp(self) -> int:
        return self._count("relevant", "relevant")

    @property
    def fp(self) -> int:
        return self._count("irrelevant", "relevant")

    @property
    def fn(self) -> int:
        return self._count("relevant", "irrelevant")

    @property
    def tn(self) -> int:
        return self._count("irrelevant", "irrelevant")

    @property
    def precision(self) -> float:
        """tp / (tp + fp); 0.0 when nothing was predicted relevant (no division by zero, valid JSON)."""
        return _ratio(self.tp, self.tp + self.fp)

    @property
    def recall(self) -> float:
        return _ratio(self.tp, self.tp + self.fn)

    @property
    def f1(self) -> float:
        p, r = self.precision, self.recall
        return 2 * p * r / (p + r) if p + r else 0.0

    @property
    def tiers(self) -> dict[str, int]:
        """Predicted relevant items per tier."""
        return {t: sum(1 for p in self.predictions if p.tier == t) for t in TIERS}

    @property
    def tier_agreement(self) -> tuple[int, int]:
        """(caught items whose predicted tier is their labelled one, caught items with a labelled tier)."""
        caught = [p for p in self.predictions if p.item.tier is not None and p.tier is not None]
        return sum(1 for p in caught if p.tier == p.item.tier), len(caught)


def _ratio(a: int, b: int) -> float:
    return a / b if b else 0.0


def parse_lines(lines: Iterable[str]) -> tuple[list[EvalItem], list[LineError]]:
    """Eval items from JSONL lines; blank lines are ignored, bad ones reported with their number."""
    items: list[EvalItem] = []
    errors: list[LineError] = []
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            items.append(_item(json.loads(line), number))
        except json.JSONDecodeError as exc:
            errors.append(LineError(number, f"not valid JSON ({exc.msg} at column {exc.colno})"))
        except ValueError as exc:
            errors.append(LineError(number, str(exc)))
    return items, errors


def _item(obj: Any, line: int | None) -> EvalItem:
    if not isinstance(obj, dict):
        raise ValueError(f"expected a JSON object, got {type(obj).__name__}")
    label = obj.get("label")
    normal = label.strip().lower() if isinstance(label, str) else label
    if normal not in LABELS:
        close = difflib.get_close_matches(str(normal), LABELS, n=1) if isinstance(normal, str) else []
        hint = f" (did you mean {close[0]!r}?)" if close else ""
        raise ValueError(f'"label" must be "relevant" or "irrelevant", got {label!r}{hint}')
    tier = _tier(obj.get("tier"), normal)
    title, text = _optional_str(obj, "title"), _optional_str(obj, "text")
    if not (title or "").strip() and not (text or "").strip():
        raise ValueError('neither "title" nor "text" has any text')
    size = len(title or "") + len(text or "")
    if size > MAX_ITEM_CHARS:
        raise ValueError(
            f'"title" and "text" are {size:,} characters, more than the {MAX_ITEM_CHARS:,} an item may have '
            "(a headline and lede, or one article): is it a page dump?"
        )
    raw_id, url = obj.get("id"), obj.get("url")
    item_id: str | int
    if isinstance(raw_id, str | int) and not isinstance(raw_id, bool):
        item_id = raw_id
    else:
        item_id = url if isinstance(url, str) else f"line {line}"
    return EvalItem(
        id=item_id, title=title, text=text, label=normal, line=line, tier=tier,
        url=_optional_str(obj, "url"), published=_scalar(obj.get("published")),
        event=_scalar(obj.get("event")),
        extra={k: v for k, v in obj.items() if k not in _KNOWN_KEYS},
    )  # fmt: skip


def _tier(value: Any, label: str) -> Tier | None:
    if value is None:
        return None
    normal = value.strip().lower() if isinstance(value, str) else value
    if normal not in TIERS:
        close = _TIER_HINTS.get(normal) if isinstance(normal, str) else None
        if close is None and isinstance(normal, str):
            close = next(iter(difflib.get_close_matches(normal, TIERS, n=1)), None)
        hint = f" (did you mean {close!r}?)" if close else ""
        raise ValueError(f'"tier" must be "core" or "context", got {value!r}{hint}')
    if label != "relevant":
        raise ValueError(f'"tier" {value!r} goes only with "label": "relevant" (this item is {label!r})')
    return normal


def _optional_str(obj: Mapping[str, Any], key: str) -> str | None:
    value = obj.get(key)
    if value is None or isinstance(value, str):
        return value
    raise ValueError(f'"{key}" must be a string or null, got {type(value).__name__}')


def _scalar(value: Any) -> str | None:
    return None if value is None else str(value)


def labelled_items(rows: Iterable[Mapping[str, Any]]) -> list[EvalItem]:
    """Eval items from labels stored by ``monitor label`` (rows with ``id``, ``title``, ``text``,
    ``label``, optional ``url``/``published``/``event``): the seam for ``monitor eval --labels``."""
    return [_item(dict(row), None) for row in rows]


def evaluate(
    items: Iterable[EvalItem],
    match: Callable[[str | None, str | None], MatchResult],
    errors: Iterable[LineError] = (),
) -> EvalReport:
    """Run ``match`` on every item (``Matcher.match`` is the usual one); cluster the items into stories
    too when any carries an ``event`` (see :func:`cluster_quality`)."""
    items = list(items)
    predictions = tuple(Prediction(i, match(i.title, i.text)) for i in items)
    clusters = cluster_quality(items) if any(i.event is not None for i in items) else None
    return EvalReport(predictions, tuple(errors), clusters)


def cluster_quality(items: Iterable[EvalItem]) -> dict[str, Any]:
    """Cluster the items from scratch (as ``monitor stories --recluster`` does) and score the stories
    pairwise against their ``event``: same event → should share a story; different or no event → not.

    Items without an event still take part (they can wrongly join a story), they only never form a
    true pair. Item ids become article ids in file order, so ties between undated items are broken the
    way the file lists them.
    """
    items = list(items)
    cluster = [
        ClusterItem(
            article_id=n,
            title=item.title or "",
            text=item.text or "",
            url=item.url or "",
            published=_published(item.published),
        )
        for n, item in enumerate(items, start=1)
    ]
    stories = cluster_items(cluster)
    predicted = {n: stories[n].story_key for n in range(1, len(items) + 1)}
    gold = {n: item.event for n, item in enumerate(items, start=1)}
    # Which pairs went wrong, by item id: what a person reads to see why (the figures alone don't say).
    # Pairs are enumerated within an event or a story only, never all pairs of a large labelled set.
    by_event: dict[str, list[int]] = {}
    by_story: dict[int, list[int]] = {}
    for n in range(1, len(items) + 1):
        event = gold[n]
        if event is not None:
            by_event.setdefault(event, []).append(n)
        by_story.setdefault(predicted[n], []).append(n)
    missed = [
        [items[a - 1].id, items[b - 1].id]
        for group in by_event.values()
        for a, b in combinations(group, 2)
        if predicted[a] != predicted[b]
    ]
    wrong = [
        [items[a - 1].id, items[b - 1].id]
        for group in by_story.values()
        for a, b in combinations(group, 2)
        if gold[a] is None or gold[a] != gold[b]
    ]
    return {
        **pairwise_cluster_metrics(predicted, gold),
        "cluster_missed_pairs": missed,
        "cluster_wrong_pairs": wrong,
    }


def _published(value: str | None) -> datetime | None:
    if not value:
        return None
    try:
        parsed = datetime.fromisoformat(value.replace("Z", "+00:00"))
    except ValueError:
        return None  # an unreadable date only loses the time window, not the item
    return parsed if parsed.tzinfo else parsed.replace(tzinfo=UTC)


def matched_terms(result: MatchResult) -> list[str]:
    """The distinct terms that counted, in order of first occurrence."""
    return list(dict.fromkeys(h.term for h in result.hits))


def eval_report_json(report: EvalReport) -> dict[str, Any]:
    """The one object ``monitor eval --json`` prints. Extend here (e.g. clustering keys) so every
    consumer gets the same shape."""
    clusters = dict(report.clusters) if report.clusters is not None else {}
    return {
        "precision": round(report.precision, 4),
        "recall": round(report.recall, 4),
        "f1": round(report.f1, 4),
        "tp": report.tp,
        "fp": report.fp,
        "fn": report.fn,
        "tn": report.tn,
        "tiers": report.tiers,
        **_agreement(report),
        **clusters,  # cluster_precision, cluster_recall, cluster_f1 (+ counts) when items carry events
        "items": [
            {
                "id": p.item.id,
                "predicted": p.predicted,
                "tier": p.tier,
                **({"labelled_tier": p.item.tier} if p.item.tier else {}),
                "score": p.result.score,
                "matched_terms": matched_terms(p.result),
            }
            for p in report.predictions
        ],
    }


def _agreement(report: EvalReport) -> dict[str, Any]:
    agree, total = report.tier_agreement
    return {"tier_agreement": round(agree / total, 4), "tier_labelled_caught": total} if total else {}


def eval_report_text(report: EvalReport, *, show_errors: bool = True) -> str:
    """Figures, the confusion matrix, and every mistake with its reason (what a person tunes from)."""
    lines = [
        f"items: {len(report.predictions)}"
        + (f" ({len(report.errors)} bad lines skipped)" if report.errors else ""),
        f"precision {report.precision:.3f}   recall {report.recall:.3f}   F1 {report.f1:.3f}",
        "",
        "                      predicted relevant   predicted irrelevant",
        f"labelled relevant     {report.tp:>18}   {report.fn:>20}",
        f"labelled irrelevant   {report.fp:>18}   {report.tn:>20}",
        "",
        f"tiers of the predicted relevant: core {report.tiers['core']}, context {report.tiers['context']}",
    ]
    agree, total = report.tier_agreement
    if total:
        lines.append(
            f"  tier as labelled: {agree} of {total} caught items with a labelled tier ({agree / total:.0%})"
        )
    if report.clusters is not None:
        c = report.clusters
        lines += [
            "",
            f"stories (pairs of items with the same event): cluster_precision {c['cluster_precision']:.3f}"
            f"   cluster_recall {c['cluster_recall']:.3f}   cluster_f1 {c['cluster_f1']:.3f}",
            f"  {c['cluster_true_pairs']} of {c['cluster_gold_pairs']} same-event pairs joined, "
            f"{c['cluster_predicted_pairs']} pairs joined in all, "
            f"{c['cluster_mixed_stories']} stories mixing different events",
        ]
        if show_errors:
            titles = {p.item.id: p.item.title or p.item.text or "" for p in report.predictions}
            for heading, pairs in (
                ("same event, apart", c.get("cluster_missed_pairs", [])),
                ("joined, not the same event", c.get("cluster_wrong_pairs", [])),
            ):
                if pairs:
                    lines += ["", f"{heading} ({len(pairs)} pair{'' if len(pairs) == 1 else 's'}):"]
                    lines += [
                        f"  {a} + {b}  {_short(titles.get(a))}  |  {_short(titles.get(b))}" for a, b in pairs
                    ]
    if show_errors:
        for title, label, predicted in (
            ("false positives", "irrelevant", "relevant"),
            ("false negatives", "relevant", "irrelevant"),
        ):
            wrong = [p for p in report.predictions if p.item.label == label and p.predicted == predicted]
            if wrong:
                lines += ["", f"{title} ({len(wrong)}):"]
                lines += [_mistake(p) for p in wrong]
    return "\n".join(lines)


def _short(title: str | None) -> str:
    return (title or "").strip().replace("\n", " ")[:40]


def _mistake(p: Prediction) -> str:
    heading = (p.item.title or p.item.text or "").strip().replace("\n", " ")[:70]
    return f"  {p.item.id}  {p.result.score:.2f}  {heading}\n      {p.result.reason}"
