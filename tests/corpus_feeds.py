"""Serve the shared feed corpus over loopback, each file with the HTTP headers its test declares.

feedparser's test files carry ``Header: Name: value`` lines in an XML comment at the top (response
headers its harness serves them with; Content-Type defaults to text/xml). Used by the corpus test and
by ``bench/bench_corpus_poll.py``; both skip or stop when ../shared is absent.
"""

from __future__ import annotations

import codecs
import re
from pathlib import Path

from tests.servers import LoopbackHTTPServer, Reply

_HEADER = re.compile(r"^\s*Header:\s*([A-Za-z-]+):\s*(.+?)\s*$", re.M)


def _comment_text(raw: bytes) -> str:
    """The start of a file as text, for reading its header comment (UTF-16/32 files included)."""
    head = raw[:4096]
    for bom, enc in (
        (codecs.BOM_UTF32_LE, "utf-32"),
        (codecs.BOM_UTF32_BE, "utf-32"),
        (codecs.BOM_UTF16_LE, "utf-16"),
        (codecs.BOM_UTF16_BE, "utf-16"),
    ):
        if head.startswith(bom):
            return head.decode(enc, errors="ignore")
    if head[:4] in (b"\x00\x00\x00<", b"<\x00\x00\x00"):
        return head.decode("utf-32-be" if head[0] == 0 else "utf-32-le", errors="ignore")
    if head[:2] in (b"\x00<", b"<\x00"):
        return head.decode("utf-16-be" if head[0] == 0 else "utf-16-le", errors="ignore")
    return head.decode("latin-1")


def declared_headers(raw: bytes) -> dict[str, str]:
    headers = {name.title(): value for name, value in _HEADER.findall(_comment_text(raw))}
    headers.setdefault("Content-Type", "text/xml")
    return headers


def corpus_files(root: Path) -> list[Path]:
    return sorted(p for p in root.rglob("*") if p.is_file() and p.suffix in {".xml", ".json", ".rdf", ".rss"})


def serve_corpus(server: LoopbackHTTPServer, root: Path, files: list[Path]) -> dict[str, str]:
    """Route every file; return feed name (its relative path) → URL."""
    feeds = {}
    for path in files:
        rel = path.relative_to(root).as_posix()
        raw = path.read_bytes()
        feeds[rel] = server.route("/" + rel, Reply(body=raw, headers=declared_headers(raw)))
    return feeds


def corpus_config(path: Path, feeds: dict[str, str]) -> Path:
    """A config polling every corpus feed once, without article pages (their links lead off-machine)."""
    lines = [
        '[storage]\npath = "corpus.db"\n',
        "[fetch]",
        "allow_private_networks = true",
        "per_host_concurrency = 16",
        'per_host_delay = "0s"',
        "total_concurrency = 32",
        "",
    ]
    for name, url in feeds.items():
        escaped = name.replace("\\", "\\\\").replace('"', '\\"')
        lines += ["[[feeds]]", f'name = "{escaped}"', f'url = "{url}"', "fetch_articles = false", ""]
    path.write_text("\n".join(lines), encoding="utf-8")
    return path
