"""Stored articles under a changed topics config: preview it (:func:`backtest`) or apply it (:func:`rematch`).

This is where the matcher meets the store outside a poll, so neither has to know the other: the store
streams articles in batches and takes verdicts back as :class:`~monitor.store.MatchRow`; the matcher sees
titles and texts only.

* :func:`backtest` writes nothing. It scores every stored article under the current config and under the
  new one and reports the articles whose decision differs, each with the terms that made the difference.
  Both sides are recomputed (rather than comparing with the stored verdicts, which may come from an even
  older config), so the report shows what *this* change does.
* :func:`rematch` re-scores the articles whose stored verdict came from another topics file or threshold
  (or all of them), one transaction per batch, so an interrupted run keeps what it finished and the next
  run picks up the rest. It returns the ids of the articles whose decision changed:
  :attr:`RematchReport.changed_article_ids` is the hook for whatever derives from verdicts (story scores).
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from datetime import datetime

from monitor.clock import from_iso
from monitor.logs import ctx
from monitor.match.matcher import Matcher, verdict_row
from monitor.models import MatchResult
from monitor.store import MatchRow, Store

__all__ = ["BacktestReport", "Change", "RematchReport", "backtest", "rematch"]

log = logging.getLogger(__name__)

#: Articles per batch: one read query (and for a rematch one transaction) each; small enough that a
#: batch of 3,000-character articles is a few MB, large enough that per-batch overhead does not count.
BATCH_SIZE = 500

Progress = Callable[[int, int], None]  # (articles done, articles in all)


def _article_text(row: dict) -> str:
    """What a poll matched: the page text, or the feed summary when the page gave none."""
    return row.get("text") or row.get("summary") or ""


# --------------------------------------------------------------------------------------------------
# Backtest
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Change:
    """One article whose decision differs between the two configs, and why."""

    article_id: int
    url: str
    title: str
    published: datetime | None  # UTC (published, else first seen); shown in KST
    old_score: float
    new_score: float
    now_relevant: bool  # True: newly matches; False: stops matching
    gained: tuple[str, ...]  # terms counted under the new config only
    lost: tuple[str, ...]  # terms counted under the old config only
    exclusions: tuple[str, ...]  # exclusions that fire under the new config only
    old_reason: str
    new_reason: str


@dataclass(frozen=True, slots=True)
class BacktestReport:
    old_digest: str
    new_digest: str
    old_threshold: float
    new_threshold: float
    scanned: int
    relevant_before: int
    relevant_after: int
    score_changed: int  # articles whose score moved, decision changed or not
    newly_relevant: tuple[Change, ...]
    no_longer_relevant: tuple[Change, ...]


def backtest(
    store: Store,
    old: Matcher,
    new: Matcher,
    *,
    batch_size: int = BATCH_SIZE,
    limit: int | None = None,
    progress: Progress | None = None,
) -> BacktestReport:
    """What ``new`` would change against ``old`` on every stored article (or the first ``limit`` by id).
    Reads in batches; writes nothing."""
    total = store.count_articles()
    if limit is not None:
        total = min(total, limit)
    scanned = before = after = moved = 0
    gained: list[Change] = []
    lost: list[Change] = []
    for batch in store.iter_articles(batch_size=batch_size):
        if limit is not None:
            batch = batch[: max(0, limit - scanned)]
        for row in batch:
            title, text, lang = row["title"], _article_text(row), row.get("language")
            a, b = old.match(title, text, language=lang), new.match(title, text, language=lang)
            before += a.relevant
            after += b.relevant
            moved += a.score != b.score
            if a.relevant != b.relevant:
                # Only these few need the full evidence: the prefilter's quick "no" lists no terms.
                change = _change(
                    row,
                    old.match(title, text, full=True, language=lang),
                    new.match(title, text, full=True, language=lang),
                )
                (gained if b.relevant else lost).append(change)
        scanned += len(batch)
        if progress:
            progress(scanned, total)
        if limit is not None and scanned >= limit:
            break
    return BacktestReport(
        old_digest=old.config.digest, new_digest=new.config.digest, old_threshold=old.threshold,
        new_threshold=new.threshold, scanned=scanned, relevant_before=before, relevant_after=after,
        score_changed=moved, newly_relevant=tuple(gained), no_longer_relevant=tuple(lost),
    )  # fmt: skip


def _change(row: dict, a: MatchResult, b: MatchResult) -> Change:
    old_terms, new_terms = _terms(a.hits), _terms(b.hits)
    old_excl = _terms(a.exclusions)
    return Change(
        article_id=int(row["id"]), url=row["url"], title=row["title"],
        published=from_iso(row.get("published_at") or row.get("first_seen_at")),
        old_score=a.score, new_score=b.score, now_relevant=b.relevant,
        gained=tuple(t for t in new_terms if t not in old_terms),
        lost=tuple(t for t in old_terms if t not in new_terms),
        exclusions=tuple(t for t in _terms(b.exclusions) if t not in old_excl),
        old_reason=a.reason, new_reason=b.reason,
    )  # fmt: skip


def _terms(hits: Iterable[object]) -> list[str]:
    return list(dict.fromkeys(h.term for h in hits))  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------------
# Rematch
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RematchReport:
    digest: str
    threshold: float
    all: bool  # every article, or only those with a stale or missing verdict
    scanned: int  # articles re-scored (and their verdicts rewritten)
    batches: int
    first_verdicts: int  # articles that had no stored verdict
    newly_relevant: int
    no_longer_relevant: int
    score_changed: int
    #: Articles whose decision changed (relevant ↔ irrelevant, or first verdict "relevant"): whatever
    #: derives from verdicts (story best_score / relevant) must be refreshed for these.
    changed_article_ids: tuple[int, ...] = field(default=())

    @property
    def changed_decision(self) -> int:
        return self.newly_relevant + self.no_longer_relevant


def rematch(
    store: Store,
    matcher: Matcher,
    *,
    all_articles: bool = False,
    batch_size: int = BATCH_SIZE,
    progress: Progress | None = None,
) -> RematchReport:
    """Re-score stored articles under ``matcher`` and store the new verdicts, one transaction per batch.

    Without ``all_articles`` only articles whose verdict came from another topics file or threshold (or
    that have none) are re-scored, so running it twice does nothing the second time."""
    stale = None if all_articles else (matcher.config.digest, matcher.threshold)
    total = store.count_articles(stale_for=stale)
    scanned = batches = first = up = down = moved = 0
    changed: list[int] = []
    for batch in store.iter_articles(batch_size=batch_size, stale_for=stale):
        verdicts: dict[int, MatchRow] = {}
        for row in batch:
            result = matcher.match(row["title"], _article_text(row), language=row.get("language"))
            verdicts[row["id"]] = verdict_row(result)
            was = row["stored_relevant"]
            if was is None:
                first += 1
                if result.relevant:
                    up += 1
                    changed.append(row["id"])
                continue
            moved += row["stored_score"] != result.score
            if bool(was) != result.relevant:
                changed.append(row["id"])
                up += result.relevant
                down += not result.relevant
        store.save_matches(verdicts)
        scanned += len(batch)
        batches += 1
        if progress:
            progress(scanned, total)
    log.info(
        "rematch: %d articles re-scored, %d changed decision",
        scanned,
        len(changed),
        extra=ctx(stage="match"),
    )
    return RematchReport(
        digest=matcher.config.digest, threshold=matcher.threshold, all=all_articles, scanned=scanned,
        batches=batches, first_verdicts=first, newly_relevant=up, no_longer_relevant=down,
        score_changed=moved, changed_article_ids=tuple(changed),
    )  # fmt: skip
