"""The module map, held in place: parse every module's imports and check what it must not know."""

from __future__ import annotations

import ast
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "monitor"

# module → imports it must not have (package modules by dotted name, or third-party top-level names)
FORBIDDEN: dict[str, set[str]] = {
    "monitor.models": {"monitor"},  # imports nothing from the package
    "monitor.errors": {"monitor"},
    "monitor.clock": {"monitor.store", "monitor.ingest.fetch", "httpx", "sqlite_utils"},
    "monitor.config": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.ingest.fetch": {"monitor.store", "monitor.ingest.parse", "monitor.config", "monitor.pipeline", "sqlite_utils",
                      "sqlite3"},
    "monitor.ingest.parse": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.ingest.extract": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.ingest.urls": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.stories.exact": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.stories.neardup": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.stories.features": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.stories.clusterer": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.stories.batch": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.stories.metrics": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.lang.text": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.lang.korean": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.match.matcher": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.match.topics": {"monitor.ingest.fetch", "monitor.store", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.store": {"monitor.ingest.fetch", "monitor.ingest.parse", "monitor.ingest.extract", "monitor.match.matcher", "httpx"},
    "monitor.digest.select": {"monitor.store", "monitor.deliver", "smtplib", "httpx", "sqlite_utils"},
    "monitor.deliver": {"monitor.store", "sqlite_utils", "sqlite3"},
    # digest runs meet store, digest and channels here, but speak neither SQL, SMTP nor HTTP themselves
    "monitor.digest.dispatch": {"monitor.ingest.fetch", "monitor.pipeline", "sqlite_utils", "sqlite3", "smtplib", "httpx"},
    "monitor.store.delivery": {"monitor.digest.select", "monitor.deliver", "monitor.digest.dispatch", "monitor.config"},
    # re-matching meets the matcher and the store (through Store's methods only), nothing of a poll
    "monitor.match.rematch": {"monitor.ingest.fetch", "monitor.ingest.parse", "monitor.ingest.extract", "monitor.pipeline", "httpx",
                        "sqlite_utils", "sqlite3"},
    # the poll's story stage: the clusterer and the store's story methods, never SQL or HTTP itself
    "monitor.stories": {"monitor.ingest.fetch", "monitor.ingest.parse", "monitor.ingest.extract", "monitor.match.matcher", "httpx",
                        "sqlite_utils", "sqlite3"},
    # issue 13: the one-sentence reason reads models only, so the store can word stored evidence with it
    "monitor.why": {"monitor.store", "monitor.match.matcher", "monitor.match.topics", "monitor.ingest.fetch", "httpx", "sqlite3"},
    "monitor.match.evaluate": {"monitor.store", "monitor.ingest.fetch", "httpx", "sqlite_utils", "sqlite3"},
    # issue 6: the service calls the pipeline and the store's methods, never SQL or HTTP itself
    "monitor.service.scheduler": {"sqlite_utils", "sqlite3", "httpx", "monitor.ingest.parse", "monitor.ingest.extract", "monitor.match.matcher"},
    "monitor.service.health": {"monitor.store", "monitor.ingest.fetch", "monitor.pipeline", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.service.lock": {"monitor.store", "monitor.ingest.fetch", "httpx", "sqlite_utils", "sqlite3"},
    # issue 4: the clusterer's background term table: a file in the package, nothing else
    "monitor.stories.rarity": {"monitor.stories.clusterer", "monitor.store", "monitor.ingest.fetch", "monitor.config", "httpx", "sqlite_utils",
                       "sqlite3"},
    # issue 15: pure rules over feed entries and text; no I/O
    "monitor.ingest.aggregator": {"monitor.ingest.fetch", "monitor.store", "monitor.ingest.parse", "httpx", "sqlite_utils", "sqlite3"},
    "monitor.lang.detect": {"monitor"},
    # the feed checker fetches and parses like a poll, but stores nothing and matches nothing
    "monitor.sources.check": {"monitor.store", "monitor.pipeline", "monitor.match.matcher", "monitor.stories", "sqlite_utils",
                          "sqlite3"},
    "monitor.sources.feedlist": {"monitor.store", "monitor.pipeline", "monitor.match.matcher", "sqlite_utils", "sqlite3"},
    "monitor.sources.opml": {"monitor.ingest.fetch", "monitor.store", "monitor.config", "httpx", "sqlite_utils", "sqlite3"},
}
#: Only these modules may import these libraries (one owner each).
OWNERS = {"sqlite_utils": {"monitor.store"}, "feedparser": {"monitor.ingest.parse"}, "trafilatura": {"monitor.ingest.extract"},
          "smtplib": {"monitor.deliver.email"}}


def _modules() -> dict[str, set[str]]:
    found = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        imports: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            if isinstance(node, ast.Import):
                imports.update(a.name for a in node.names)
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                imports.add(node.module)
        found[name] = imports
    return found


MODULES = _modules()


def _violates(imported: str, rule: str) -> bool:
    return imported == rule or imported.startswith(rule + ".")


@pytest.mark.parametrize("module", sorted(FORBIDDEN))
def test_module_does_not_reach_past_its_neighbours(module):
    matching = {m: imps for m, imps in MODULES.items() if m == module or m.startswith(module + ".")}
    if not matching:
        pytest.skip(f"{module} not written yet")
    for name, imports in matching.items():
        bad = sorted(i for i in imports for rule in FORBIDDEN[module] if _violates(i, rule))
        assert not bad, f"{name} imports {bad}"


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_library_has_one_owner(library):
    users = {m for m, imps in MODULES.items() if any(_violates(i, library) for i in imps)}
    # an owner may be a package: its submodules share the ownership
    strangers = {u for u in users if not any(_violates(u, owner) for owner in OWNERS[library])}
    assert not strangers, f"{library} imported by {sorted(strangers)}"
