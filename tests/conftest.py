from __future__ import annotations

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
