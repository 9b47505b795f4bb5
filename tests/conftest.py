from __future__ import annotations

import logging
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parent.parent
SHARED = ROOT.parent / "shared"
CORPUS = SHARED / "corpus"


def corpus_path(*parts: str) -> Path:
    """A path under ../shared/corpus, or skip the test: a plain clone has no ../shared."""
    path = CORPUS.joinpath(*parts)
    if not path.exists():
        pytest.skip(f"../shared/corpus not present ({path})")
    return path


@pytest.fixture
def http_server():
    from tests.servers import LoopbackHTTPServer

    with LoopbackHTTPServer() as srv:
        yield srv


@contextmanager
def kept_logs(*names: str, level: int = logging.INFO) -> Iterator[list[logging.LogRecord]]:
    """Every record the named loggers emit at ``level`` or above, each once (caplog can miss them:
    "monitor" stops propagating once setup_logging has run, and attaching caplog's handler to a logger
    that does propagate sees each record twice)."""
    records: list[logging.LogRecord] = []

    class Keep(logging.Handler):
        def emit(self, record: logging.LogRecord) -> None:
            records.append(record)

    keep, loggers = Keep(logging.DEBUG), [logging.getLogger(n) for n in names]
    levels = [lg.level for lg in loggers]
    for lg in loggers:
        lg.addHandler(keep)
        lg.setLevel(level)
    try:
        yield records
    finally:
        for lg, old in zip(loggers, levels, strict=True):
            lg.removeHandler(keep)
            lg.setLevel(old)
