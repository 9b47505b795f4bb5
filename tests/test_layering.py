"""The module map, held in place: parse every module's imports and check them against the layers.

The package is a stack of stage packages (docs/design.md draws it). Each package may import only the
packages listed for it below; the listed graph has no cycle, so neither has the code; and outside a
package, only its face (``monitor.ingest``, not ``monitor.ingest.fetch``) is imported, so what lies behind
a face can change without touching its callers. Third-party libraries that do one stage's job have one
owner each.
"""

from __future__ import annotations

import ast
import graphlib
from pathlib import Path

import pytest

PACKAGE = Path(__file__).resolve().parent.parent / "monitor"

#: Modules every layer may use: the values between stages, the exception tree, time, the one-line reason,
#: file locations, logging, and the lazy-face helper. They import nothing above themselves.
BASE = {"monitor", "models", "errors", "clock", "why", "paths", "logs", "faces", "plural"}
BASE_ALLOWED: dict[str, set[str]] = {
    "monitor": set(),
    "models": set(),
    "errors": set(),
    "clock": set(),
    "faces": set(),
    "plural": set(),  # counts in English ("1 feed", "2 entries") for the CLI and the demo
    "why": {"models"},
    "paths": {"errors"},
    "logs": {"clock"},
}

#: Stage package → the packages it may import (besides BASE). Lowest first.
ALLOWED: dict[str, set[str]] = {
    "config": set(),
    "lang": set(),
    "ingest": {"lang"},
    # the store reads ingest's URL rules (which outlet a URL belongs to, wire services) and nothing else
    "store": {"ingest"},
    # the clusterer reads Korean text through lang (the one dot set, suffix table and stemmer)
    "stories": {"ingest", "lang", "store"},
    # evaluation scores the clusterer too; rescoring goes through the store's methods, never SQL
    "match": {"lang", "store", "stories"},
    "digest": {"lang"},
    # deliver holds the channels and the digest run (dispatch), where store, topics and digest meet
    "deliver": {"config", "ingest", "digest", "match", "store"},
    "sources": {"config", "ingest"},
    "pipeline": {"config", "lang", "ingest", "match", "store", "stories"},
    "service": {"config", "ingest", "store", "stories", "deliver", "pipeline"},
    "demo": {"config", "deliver", "pipeline", "store"},
    "cli": {"config", "match", "stories", "store", "deliver", "sources", "pipeline", "service", "demo"},
    "__main__": {"cli"},
}

#: Third-party libraries with one owner: only these modules (or packages) may import them.
OWNERS: dict[str, set[str]] = {
    "sqlite_utils": {"monitor.store"},
    "sqlite3": {"monitor.store"},
    "feedparser": {"monitor.ingest.parse"},
    "trafilatura": {"monitor.ingest.extract"},
    "bs4": {"monitor.ingest.extract"},
    "charset_normalizer": {"monitor.ingest.parse"},
    "smtplib": {"monitor.deliver.email"},
    # the fetcher for feeds and pages; Slack's webhook client for digests
    "httpx": {"monitor.ingest.fetch", "monitor.deliver.slack"},
    # the scheduler; config and `monitor digest` read its cron syntax so a bad schedule is caught early
    "apscheduler": {"monitor.service", "monitor.config", "monitor.cli.digest_cmds"},
    "kiwipiepy": {"monitor.lang.korean"},
    "jinja2": {"monitor.digest.render"},
    "ahocorasick_rs": {"monitor.match.matcher"},
    "numpy": {"monitor.stories"},
    "tomlkit": {"monitor.sources.feedlist", "monitor.match.tuning"},
    # /metrics: the registry and collector, and the WSGI app that serves them
    "prometheus_client": {"monitor.service.metrics", "monitor.service.endpoint"},
}


def _unit(module: str) -> str:
    """The layer a dotted module belongs to: its stage package, or its base module's name."""
    parts = module.split(".")
    return parts[1] if len(parts) > 1 else "monitor"


def _imports_of(source: str, where: str = "<source>") -> list[tuple[str, str | None]]:
    """The absolute imports in ``source``, as (module, name imported from it or None).

    ``from monitor import store`` is an import of ``monitor.store``: a name that is a module of the
    package counts as that module, not as the bare package.
    """
    imports: list[tuple[str, str | None]] = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            imports += [(a.name, None) for a in node.names]
        elif isinstance(node, ast.ImportFrom):
            assert node.level == 0, f"{where}: relative import; write monitor.… in full"
            assert node.module
            for a in node.names:
                sub = PACKAGE / a.name
                if node.module == "monitor" and (sub.is_dir() or sub.with_suffix(".py").exists()):
                    imports.append((f"monitor.{a.name}", None))
                else:
                    imports.append((node.module, a.name))
    return imports


def _modules() -> dict[str, list[tuple[str, str | None]]]:
    """Module → its absolute imports."""
    found: dict[str, list[tuple[str, str | None]]] = {}
    for path in PACKAGE.rglob("*.py"):
        rel = path.relative_to(PACKAGE.parent).with_suffix("")
        name = ".".join(rel.parts).removesuffix(".__init__")
        found[name] = _imports_of(path.read_text(encoding="utf-8"), name)
    return found


MODULES = _modules()


def _allowed(unit: str) -> set[str]:
    if unit in BASE_ALLOWED:
        return BASE_ALLOWED[unit]
    return BASE | ALLOWED[unit]


def test_every_module_is_in_a_layer() -> None:
    units = {_unit(m) for m in MODULES}
    assert units <= BASE | set(ALLOWED), f"not in any layer: {sorted(units - BASE - set(ALLOWED))}"


def test_the_allowed_graph_has_no_cycle() -> None:
    graph = {u: _allowed(u) - {u} for u in BASE | set(ALLOWED)}
    order = list(graphlib.TopologicalSorter(graph).static_order())  # raises CycleError on a cycle
    assert order.index("models") < order.index("store") < order.index("pipeline") < order.index("cli")


@pytest.mark.parametrize("module", sorted(MODULES))
def test_imports_stay_within_the_layers(module: str) -> None:
    unit = _unit(module)
    allowed = _allowed(unit) | {unit}
    wrong = sorted({m for m, _ in MODULES[module] if m.startswith("monitor") and _unit(m) not in allowed})
    assert not wrong, f"{module} ({unit}) may not import {wrong}; allowed: {sorted(allowed)}"


@pytest.mark.parametrize("module", sorted(MODULES))
def test_other_packages_are_reached_through_their_face(module: str) -> None:
    unit = _unit(module)
    packages = {p.name for p in PACKAGE.iterdir() if (p / "__init__.py").exists()}
    behind = sorted(
        {
            m
            for m, _ in MODULES[module]
            if m.count(".") >= 2 and m.split(".")[1] in packages and _unit(m) != unit
        }
    )
    assert not behind, f"{module} imports private modules of another package: {behind}"


@pytest.mark.parametrize("library", sorted(OWNERS))
def test_each_library_has_its_owners(library: str) -> None:
    owners = OWNERS[library]
    users = {
        m
        for m, imports in MODULES.items()
        if any(i == library or i.startswith(library + ".") for i, _ in imports)
    }
    strays = sorted(u for u in users if not any(u == o or u.startswith(o + ".") for o in owners))
    assert not strays, f"{library} is owned by {sorted(owners)}; also imported by {strays}"


def test_the_graph_is_what_the_code_does() -> None:
    """The allowed lists are not wider than needed: every listed edge is used, so the table stays a map."""
    used: dict[str, set[str]] = {}
    for module, imports in MODULES.items():
        unit = _unit(module)
        used.setdefault(unit, set()).update(_unit(m) for m, _ in imports if m.startswith("monitor"))
    unused = {u: sorted(ALLOWED[u] - used.get(u, set())) for u in ALLOWED}
    assert not any(unused.values()), (
        f"allowed but unused (narrow the table): { {k: v for k, v in unused.items() if v} }"
    )


def test_the_checker_reads_every_import_form() -> None:
    """`from monitor import store` names the store, not the bare package (an old blind spot)."""
    source = "import monitor.ingest.fetch\nfrom monitor import store\nfrom monitor import __version__\n"
    assert {_unit(m) for m, _ in _imports_of(source)} == {"ingest", "store", "monitor"}
