"""The demo: the whole monitor, offline, against a sample news site on loopback.

- ``site``: the sample site built from the seeds (feeds and article pages);
- ``runner``: serve it, write a config pointing at it, poll twice, write a digest, say where it all is.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from monitor.faces import lazy_names

if TYPE_CHECKING:
    from monitor.demo.runner import run_demo

__all__ = [
    "run_demo",
]

__getattr__ = lazy_names(
    __name__,
    {
        "run_demo": "runner",
    },
)
