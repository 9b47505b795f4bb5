"""Package faces that cost nothing to import.

A stage package names its public surface in ``__init__.py``; the modules behind it load on first use of a
name, so importing ``monitor.ingest`` for its URL rules does not load trafilatura (~20 MB), and a command
that only reads the database never loads the matcher. Type checkers see the names through the package's
``if TYPE_CHECKING:`` imports; at run time ``__getattr__`` (PEP 562) imports the module that defines them.
"""

from __future__ import annotations

import importlib
from collections.abc import Callable, Mapping
from typing import Any


def lazy_names(package: str, names: Mapping[str, str]) -> Callable[[str], Any]:
    """A module ``__getattr__`` for ``package`` that loads ``names[name]`` (a submodule) on first use.

    >>> getattr_ = lazy_names("monitor.lang", {"detect_language": "detect"})
    >>> getattr_("detect_language").__name__
    'detect_language'
    """

    def __getattr__(name: str) -> Any:
        module = names.get(name)
        if module is None:
            raise AttributeError(f"module {package!r} has no attribute {name!r}")
        return getattr(importlib.import_module(f"{package}.{module}"), name)

    return __getattr__
