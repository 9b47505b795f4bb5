"""Stories written straight into a test database, the way the clusterer (issue 4) will store them.

Until the clusterer's wiring lands, digest tests populate ``articles``, ``matches``, ``stories`` and
``article_story`` themselves. ``add_story`` makes a story of ``outlets`` member articles (one per outlet,
the first is the lead), each matched relevant with evidence in the matcher's JSON shape.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from itertools import count
from pathlib import Path

from monitor.clock import to_iso
from monitor.store import Store

#: 2026-11-23 (월) 08:00 KST.
NOW = datetime(2026, 11, 22, 23, 0, tzinfo=UTC)

_ids = count(1)

TOPICS = {
    "supply_chain": "공급망",
    "chips": "반도체",
    "minerals": "핵심광물",
    "export_control": "수출통제",
    # two of config/topics.toml, with their labels there
    "frameworks": "협의체·대화 (산업장관회의, 경제안보대화, IPEF, 캠프 데이비드)",
    "critical_minerals": "핵심광물·희토류",
}


def write_config(tmp_path: Path, extra: str = "") -> Path:
    """The digest tests' config: database m.db beside it, matching off (the stories carry their
    verdicts), one feed; ``extra`` adds sections ([digest], [delivery.*])."""
    path = tmp_path / "monitor.toml"
    path.write_text(
        '[storage]\npath = "m.db"\n[matching]\nenabled = false\n'
        '[[feeds]]\nname = "연합뉴스"\nurl = "https://example.kr/rss"\n' + extra,
        encoding="utf-8",
    )
    return path


def evidence(topics: list[str], terms: list[tuple[str, str]]) -> str:
    """Match evidence as monitor.match.matcher.result_to_dict writes it (only the keys digests read)."""
    return json.dumps(
        {
            "topics": [
                {"topic": t, "label": TOPICS.get(t, t), "raw": 1.0, "score": 0.5, "terms": []} for t in topics
            ],
            "hits": [
                {"term": term, "matched": matched, "kind": "topic", "group": topics[0] if topics else ""}
                for term, matched in terms
            ],
        },
        ensure_ascii=False,
    )


def add_story(
    store: Store,
    title: str,
    *,
    outlets: tuple[str, ...] = ("연합뉴스",),
    score: float = 0.8,
    topics: tuple[str, ...] = ("supply_chain",),
    terms: tuple[tuple[str, str], ...] = (("공급망", "공급망 협력"),),
    age: timedelta = timedelta(hours=2),
    now: datetime = NOW,
    relevant: bool = True,
    snippet: str = "한미일 3국이 공급망 협력을 논의했다.",
) -> int:
    """A story with one member article per outlet; returns the story id (its first article's id)."""
    seen = now - age
    ids = []
    with store.transaction():
        for k, outlet in enumerate(outlets):
            n = next(_ids)
            url = f"https://news.example.kr/{n}"
            cur = store.db.conn.execute(
                "INSERT INTO articles (url, link, title, text, summary, text_source, published_at, "
                "first_seen_at, fetched_at, content_hash) VALUES (?, ?, ?, ?, ?, 'page', ?, ?, ?, ?)",
                (
                    url,
                    url,
                    title if k == 0 else f"{title} ({outlet})",
                    snippet * 3,
                    snippet,
                    to_iso(seen),
                    to_iso(seen),
                    to_iso(seen),
                    f"h{n}",
                ),
            )
            article_id = cur.lastrowid
            ids.append(article_id)
            store.db.conn.execute(
                "INSERT INTO matches (article_id, relevant, decision, score, threshold, topics, reason, "
                "evidence, config_digest, matched_at) VALUES (?, ?, ?, ?, 0.5, ?, 'test', ?, 'x', ?)",
                (
                    article_id,
                    int(relevant),
                    "relevant" if relevant else "irrelevant",
                    score,
                    json.dumps(list(topics)),
                    evidence(list(topics), list(terms)),
                    to_iso(seen),
                ),
            )
        story_id = ids[0]
        store.db.conn.execute(
            "INSERT INTO stories (id, lead_article_id, title, first_seen_at, last_updated_at, size, "
            "outlet_count, outlets, best_score, relevant, topics) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
            (
                story_id,
                story_id,
                title,
                to_iso(seen),
                to_iso(seen),
                len(ids),
                len(set(outlets)),
                json.dumps(list(dict.fromkeys(outlets)), ensure_ascii=False),
                score,
                int(relevant),
                json.dumps(list(topics)),
            ),
        )
        for article_id in ids:
            store.db.conn.execute(
                "INSERT INTO article_story (article_id, story_id, reason, similarity, decided_at) "
                "VALUES (?, ?, ?, 1.0, ?)",
                (article_id, story_id, "new" if article_id == story_id else "same_event", to_iso(seen)),
            )
    return story_id


def grow_story(store: Store, story_id: int, *extra_outlets: str, at: datetime = NOW) -> None:
    """More outlets joined the story (what the clusterer does when other outlets carry it)."""
    with store.transaction():
        row = store.db.execute("SELECT outlets, size FROM stories WHERE id = ?", (story_id,)).fetchone()
        outlets = list(dict.fromkeys([*json.loads(row[0]), *extra_outlets]))
        store.db.conn.execute(
            "UPDATE stories SET outlets = ?, outlet_count = ?, size = ?, last_updated_at = ? WHERE id = ?",
            (
                json.dumps(outlets, ensure_ascii=False),
                len(outlets),
                row[1] + len(extra_outlets),
                to_iso(at),
                story_id,
            ),
        )


def delete_lead_article(store: Store, story_id: int) -> None:
    """A clean-up that removed the lead article (foreign keys off, as a careless script would)."""
    store.db.execute("PRAGMA foreign_keys = OFF")
    with store.transaction():
        store.db.conn.execute("DELETE FROM matches WHERE article_id = ?", (story_id,))
        store.db.conn.execute("DELETE FROM article_story WHERE article_id = ?", (story_id,))
        store.db.conn.execute("DELETE FROM articles WHERE id = ?", (story_id,))
    store.db.execute("PRAGMA foreign_keys = ON")
