"""Stories: the clusterer's decisions per article, and the story rows digests read."""

from __future__ import annotations

from monitor.store.core import CoreStore


class StoryStore(CoreStore):
    """The ``stories`` and ``article_story`` tables (issue 4)."""
