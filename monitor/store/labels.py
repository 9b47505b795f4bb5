"""Users' labels on stored articles (`monitor label`, `monitor eval --labels`) and re-matching reads."""

from __future__ import annotations

from monitor.store.core import CoreStore


class LabelStore(CoreStore):
    """Labels and the reads that re-score stored articles (issue 3)."""
