"""Sources: the operator's list of feeds.

What `monitor feeds` does, behind this face:

- ``check``: fetch and parse each configured feed as a poll would, and say what is wrong, without storing;
- ``feedlist``: add a feed to the user's config file, keeping its comments (tomlkit);
- ``opml``: import and export the feed list as OPML.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.faces import lazy_names

if TYPE_CHECKING:
    from monitor.sources.check import run_checks, state_path_for
    from monitor.sources.feedlist import add_feed, import_opml
    from monitor.sources.opml import write_opml

__all__ = [
    "add_feed",
    "import_opml",
    "run_checks",
    "state_path_for",
    "write_opml",
]

__getattr__ = lazy_names(
    __name__,
    {
        "run_checks": "check",
        "state_path_for": "check",
        "add_feed": "feedlist",
        "import_opml": "feedlist",
        "write_opml": "opml",
    },
)
