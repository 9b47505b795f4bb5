"""Stories: one development, every outlet that carried it.

The public face of the clustering layer. The pipeline and the CLI use the tracker (:class:`StoryTracker`,
:func:`recluster`); evaluation and benches use :func:`cluster_items` and :func:`pairwise_cluster_metrics`.
Behind it, one concern per module:

- ``exact``: normalisation for fingerprints and the content hash (the exact keys: URL, content hash);
- ``neardup``: MinHash over character shingles and LSH band keys (copies of one body);
- ``features``: what one article carries into a comparison (terms, cues, headline grams, fingerprint);
- ``clusterer``: the online clusterer (window, candidates, decisions, eviction, restore);
- ``batch``: clustering many articles, with features computed in worker processes;
- ``metrics``: pairwise precision and recall against labelled events;
- ``tracker``: the link between the clusterer and the database that a poll calls.

Importing this package is cheap: the clusterer (and numpy with it) loads on first use of a name that
needs it, so a poll with stories switched off, or a command that only reads the database, never pays.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.faces import lazy_names
from monitor.stories.tracker import (
    DEFAULT_WINDOW_HOURS,
    ReclusterResult,
    StoryTracker,
    TrackResult,
    recluster,
)

if TYPE_CHECKING:
    from monitor.stories.batch import add_all, cluster_items, restore_all
    from monitor.stories.clusterer import StoryClusterer
    from monitor.stories.exact import Normalised, content_hash, normalise
    from monitor.stories.metrics import pairwise_cluster_metrics

__all__ = [
    "DEFAULT_WINDOW_HOURS",
    "Normalised",
    "ReclusterResult",
    "StoryClusterer",
    "StoryTracker",
    "TrackResult",
    "add_all",
    "cluster_items",
    "content_hash",
    "normalise",
    "pairwise_cluster_metrics",
    "recluster",
    "restore_all",
]

__getattr__ = lazy_names(
    __name__,
    {
        "StoryClusterer": "clusterer",
        "add_all": "batch",
        "cluster_items": "batch",
        "content_hash": "exact",
        "Normalised": "exact",
        "normalise": "exact",
        "restore_all": "batch",
        "pairwise_cluster_metrics": "metrics",
    },
)
