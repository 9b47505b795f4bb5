"""`monitor demo`: the whole product, offline, on a loopback news site built from the seeds.

It starts an HTTP server on 127.0.0.1 (a free port), writes a config pointing at it, polls the feeds
into a fresh database twice (the second poll shows conditional GET and idempotent storage), writes a file
digest of the stories it found (``digests/`` next to the config), and says where everything is.
"""

from __future__ import annotations

import hashlib
import json
import shutil
import threading
from collections.abc import Callable
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

from monitor.config import MonitorConfig, load_config
from monitor.deliver import run_digest
from monitor.demo.site import FEEDS, build_site
from monitor.models import PollReport
from monitor.pipeline import run_poll
from monitor.plural import counted
from monitor.store import Store


class DemoServer:
    """A static site on loopback that answers conditional GETs (ETag) like a real outlet's CDN."""

    def __init__(self) -> None:
        self.site: dict[str, tuple[str, bytes]] = {}
        site = self.site

        class Handler(BaseHTTPRequestHandler):
            protocol_version = "HTTP/1.1"

            def log_message(self, format: str, *args: Any) -> None:
                pass

            def do_GET(self) -> None:
                found = site.get(self.path.split("?")[0])
                if found is None:
                    self.send_response(404)
                    self.send_header("Content-Length", "0")
                    self.end_headers()
                    return
                ctype, body = found
                etag = '"' + hashlib.sha1(body, usedforsecurity=False).hexdigest()[:16] + '"'
                if self.headers.get("If-None-Match") == etag:
                    self.send_response(304)
                    self.send_header("ETag", etag)
                    self.end_headers()
                    return
                self.send_response(200)
                self.send_header("Content-Type", ctype)
                self.send_header("Content-Length", str(len(body)))
                self.send_header("ETag", etag)
                self.end_headers()
                self.wfile.write(body)

        self._httpd = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
        self._httpd.daemon_threads = True
        self._thread = threading.Thread(target=self._httpd.serve_forever, daemon=True)

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self._httpd.server_address[1]}"

    def __enter__(self) -> DemoServer:
        self._thread.start()
        return self

    def __exit__(self, *exc: object) -> None:
        self._httpd.shutdown()
        self._httpd.server_close()


def write_demo_config(workdir: Path, base_url: str, topics: Path) -> Path:
    feeds = "\n".join(
        f'[[feeds]]\nname = "{name}"\nurl = "{base_url}{path}"\n' for name, path in FEEDS.values()
    )
    text = f"""# Written by `monitor demo`. The demo site runs on loopback,
# so private addresses are allowed here.
# A real config keeps allow_private_networks = false (see config/monitor.toml).
[storage]
path = "demo.db"

[fetch]
allow_private_networks = true
per_host_delay = "0s"
per_host_concurrency = 4

[matching]
topics = "{topics.as_posix()}"

# The seed articles are from 2024-2025: let the digest reach back that far.
[digest]
max_age = "3650d"

[delivery.file]
dir = "digests"

{feeds}"""
    path = workdir / "monitor.toml"
    path.write_text(text, encoding="utf-8")
    return path


def run_demo(
    workdir: Path,
    seeds: Path,
    topics: Path,
    say: Callable[[str], None] = print,
    *,
    while_serving: Callable[[dict[str, Any]], None] | None = None,
) -> dict[str, Any]:
    """Run the offline showcase; return what happened (the CLI prints it, tests check it).

    ``while_serving`` is called with that result while the sample site is still up (and the database
    closed), for `monitor demo --serve`: the site stops when it returns.
    """
    workdir.mkdir(parents=True, exist_ok=True)
    for stale in workdir.glob("demo.db*"):  # a fresh database every time
        stale.unlink()
    shutil.rmtree(workdir / "digests", ignore_errors=True)
    with DemoServer() as server:
        server.site.update(build_site(server.base_url, seeds))
        pages = sum(1 for p in server.site if p.startswith("/news/"))
        say(
            f"demo news site on {server.base_url} ({counted(len(FEEDS), 'feed')}, "
            f"{counted(pages, 'article page')})"
        )
        config = load_config(write_demo_config(workdir, server.base_url, topics))
        with Store.open(config.storage.path) as store:
            first = run_poll(config, store)
            say(_describe("first poll", first))
            second = run_poll(config, store)
            say(_describe("second poll", second))
            counts = store.counts()
            digest_notes: list[str] = []  # said last, after the articles
            digest_path = write_demo_digest(config, store, digest_notes.append)
            stories = store.recent_stories(limit=None)
            members = {s["id"]: store.story_members(s["id"]) for s in stories if s["size"] > 1}
            articles = store.db.execute(
                "SELECT a.id, a.title, a.text_source, length(a.text), m.relevant, m.score, m.topics "
                "FROM articles a LEFT JOIN matches m ON m.article_id = a.id ORDER BY a.id"
            ).fetchall()
        _say_results(config, say, counts, articles, stories, members, digest_notes, digest_path)
        result = {
            "config": config.path,
            "database": config.storage.path,
            "first": first,
            "second": second,
            "counts": counts,
            "stories": stories,
            "story_members": members,
            "digest": digest_path,
            "site": server.base_url,
        }
        if while_serving is not None:
            while_serving(result)
    return result


def _say_results(
    config: MonitorConfig,
    say: Callable[[str], None],
    counts: dict[str, int],
    articles: list[Any],
    stories: list[Any],
    members: dict[int, list[Any]],
    digest_notes: list[str],
    digest_path: Path | None,
) -> None:
    relevant = [a for a in articles if a[4]]
    say(
        f"\n{counted(counts['articles'], 'article')} stored in {config.storage.path}; "
        f"{len(relevant)} {'matches' if len(relevant) == 1 else 'match'} the topics:"
    )
    for article_id, title, source, chars, is_relevant, score, topics_json in articles:
        if is_relevant:
            named = ", ".join(json.loads(topics_json)[:3])
            say(
                f"  ✓ [{article_id}] {title}  (score {score:.2f}; {named}; "
                f"{counted(chars, 'char')} from the {source})"
            )
    say("not relevant (stored, not flagged):")
    for article_id, title, _, _, is_relevant, _, _ in articles:
        if not is_relevant:
            say(f"    [{article_id}] {title}")
    say(f"why an article matched: monitor --config {config.path} explain ID")
    say(
        f"\nstories: {counted(counts['articles'], 'article')} → {counted(len(stories), 'story')} "
        "(copies and other outlets' reports of one event are one story)"
    )
    for story_id, rows in sorted(members.items()):
        outlets = len({r["outlet"] for r in rows})
        say(f"  story {story_id}: {counted(len(rows), 'article')} from {counted(outlets, 'outlet')}")
        for r in rows:
            how = "first report" if r["reason"] == "new" else f"{r['reason']} {r['similarity']:.2f}"
            say(f"    [{r['article_id']}] {r['title']}  ({how})")
    say(f"every story: monitor --config {config.path} stories; one story: monitor story ID")
    for note in digest_notes:
        say(note)
    if digest_path is not None:
        say(f"\ndigest of the seed stories: {digest_path}")


def write_demo_digest(config: MonitorConfig, store: Store, say: Callable[[str], None] = print) -> Path | None:
    """The file digest of the stories in ``store`` (Markdown and HTML); the Markdown file's path, or None
    when there were no relevant stories to put in it."""
    [outcome] = run_digest(config, store, "file", manual=True)
    if outcome.status == "sent" and outcome.paths:
        return Path(outcome.paths[0])
    if outcome.status == "failed":
        say(f"digest: FAILED: {outcome.error}")
    else:
        say("digest: no relevant stories, so no digest was written")
    return None


def _describe(label: str, report: PollReport) -> str:
    parts = []
    for r in report.feeds:
        if r.status == "error":
            parts.append(f"  {r.feed}: FAILED {r.error_kind}: {r.error}")
        elif r.status == "not_modified":
            parts.append(f"  {r.feed}: unchanged (HTTP 304)")
        else:
            new = counted(r.new_articles, "new article")
            parts.append(f"  {r.feed}: {counted(r.entries, 'entry')}, {new}")
    return f"{label}: {counted(report.new_articles, 'new article')}\n" + "\n".join(parts)
