"""Clustering a batch: in (published, id) order, with the per-article features computed in worker
processes ahead of the sequential decisions.
"""

from __future__ import annotations

import functools
import gc
import itertools
import logging
import multiprocessing
from collections import deque
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from concurrent.futures import Future, ProcessPoolExecutor
from concurrent.futures.process import BrokenProcessPool
from contextlib import contextmanager
from typing import Any, TypeVar

from monitor.models import Assignment, ClusterItem
from monitor.stories.clusterer import StoryClusterer
from monitor.stories.exact import Normalised
from monitor.stories.features import _Features, _time_of, item_features

log = logging.getLogger(__name__)


def cluster_items(items: Iterable[ClusterItem], *, workers: int = 0, **options: Any) -> dict[int, Assignment]:
    """Cluster a batch from scratch in published order (ties by article id): re-clustering and eval.

    Deterministic: the same items give the same assignments whatever order they are passed in, and
    whatever ``workers`` (see :func:`add_all`).
    """
    clusterer = StoryClusterer(**options)
    ordered = sorted(items, key=lambda i: (_time_of(i) is None, _time_of(i) or 0.0, i.article_id))
    return dict(
        zip((i.article_id for i in ordered), add_all(clusterer, ordered, workers=workers), strict=True)
    )


#: Items per task sent to a feature worker, and tasks in flight per worker: large enough to amortise
#: pickling, small enough that memory stays bounded by what is in flight, not by the batch.
FEATURE_CHUNK = 500
_IN_FLIGHT_PER_WORKER = 3


def add_all(
    clusterer: StoryClusterer,
    items: Sequence[ClusterItem],
    *,
    workers: int = 0,
    normalised: Mapping[tuple[str, str], Normalised] | None = None,
) -> list[Assignment]:
    """``clusterer.add`` for each item in order, with the per-item features (normalisation, shingles,
    MinHash, cues: about two thirds of the work) computed by ``workers`` processes ahead of the
    decisions, which stay sequential in this process. The result is identical to adding one by one.

    Worker processes start through forkserver, so a calling script needs an ``if __name__ ==
    "__main__":`` guard; without one (or when processes can't start) the workers break and the rest of
    the batch is computed in this process, with a warning, so stories still form. ``workers`` <= 1, a
    small batch, or a ``key_terms`` callable (which may not pickle) keep everything in this process.

    ``normalised``: the items' normalised forms by (title, text), as the poll computed them for the
    content hash; an item found there is not normalised again (in this process; workers normalise their
    own, since sending the forms to them would cost about what normalising does).
    """
    with _gc_paused():
        if _in_process(clusterer, len(items), workers):
            known = normalised or {}
            return [clusterer.add(item, normalised=known.get((item.title, item.text))) for item in items]
        return _in_workers(clusterer, items, workers, clusterer.add)


def _in_process(clusterer: StoryClusterer, batch: int, workers: int) -> bool:
    """Is a batch better computed in this process: no workers asked for, too few articles to pay for
    starting them, or a ``key_terms`` callable that may not pickle?"""
    return workers <= 1 or batch < 2 * FEATURE_CHUNK or clusterer.key_terms is not None


def restore_all(
    clusterer: StoryClusterer, decided: Sequence[tuple[ClusterItem, Assignment]], *, workers: int = 0
) -> None:
    """``clusterer.restore`` for each stored decision in order, the features computed as in
    :func:`add_all`: a process that starts (``monitor poll --once``) replays its whole window, a first
    poll's worth of articles, before its first decision."""
    items = [item for item, _ in decided]
    stored = iter([assignment for _, assignment in decided])  # taken in order, one per item

    def restore(item: ClusterItem, features: _Features | None = None) -> None:
        clusterer.restore(item, next(stored), features)

    with _gc_paused():
        if _in_process(clusterer, len(items), workers):
            for item, assignment in decided:
                clusterer.restore(item, assignment)
            return
        _in_workers(clusterer, items, workers, restore)


@contextmanager
def _gc_paused() -> Iterator[None]:
    """Pause the cyclic garbage collector for a batch. The index holds hundreds of thousands of long-lived
    containers (term sets, postings lists, features) and the collector rescans them as they are created:
    about a fifth of the main process's time at 10k articles. Nothing the clusterer builds is cyclic, so
    reference counting frees evicted entries as before; cycles made elsewhere wait for the batch's end."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


_T = TypeVar("_T")


def _in_workers(
    clusterer: StoryClusterer,
    items: Sequence[ClusterItem],
    workers: int,
    apply: Callable[[ClusterItem, _Features | None], _T],
) -> list[_T]:
    """``apply(item, features)`` for each item in order, the features computed by ``workers`` processes
    ahead of it (None for the rest of the batch once the workers fail: ``apply`` computes them)."""
    chunks = [items[i : i + FEATURE_CHUNK] for i in range(0, len(items), FEATURE_CHUNK)]
    compute = functools.partial(_features_of_chunk, max_shingle_chars=clusterer.max_shingle_chars)
    out: list[_T] = []
    context = multiprocessing.get_context("forkserver")
    try:
        with ProcessPoolExecutor(max_workers=workers, mp_context=context) as pool:
            pending: deque[Future[list[_Features]]] = deque()
            upcoming = iter(chunks)
            for chunk in itertools.islice(upcoming, workers * _IN_FLIGHT_PER_WORKER):
                pending.append(pool.submit(compute, chunk))
            for chunk in chunks:
                features = pending.popleft().result()
                following = next(upcoming, None)
                if following is not None:
                    pending.append(pool.submit(compute, following))
                out.extend(apply(item, f) for item, f in zip(chunk, features, strict=True))
    except (BrokenProcessPool, OSError) as exc:
        # Only feature computation failed: every decision so far stands, the rest are taken here.
        log.warning(
            "clustering: feature workers unavailable (%s: %s); computing the remaining %d "
            "articles' features in this process",
            type(exc).__name__,
            exc,
            len(items) - len(out),
        )
        out.extend(apply(item, None) for item in items[len(out) :])
    return out


def _features_of_chunk(items: Sequence[ClusterItem], *, max_shingle_chars: int) -> list[_Features]:
    with _gc_paused():
        return [item_features(item, max_shingle_chars) for item in items]
