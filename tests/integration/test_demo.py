"""`monitor demo` end to end: loopback site, two polls, clean seed texts in a fresh database."""

from __future__ import annotations

import sqlite3

from monitor.cli import main
from monitor.demo.runner import run_demo
from monitor.paths import seeds_dir, topics_file

JUNK = (
    "주요 뉴스",
    "가장작게",
    "좋아요0",
    "비트코인",
    "무단전재",
    "현재가(원)",
    "rang@newspim.com",
    "[사진=",
)


def test_demo_stores_every_seed_with_clean_text_and_second_poll_adds_nothing(tmp_path):
    messages: list[str] = []
    result = run_demo(tmp_path / "demo", seeds_dir(), topics_file(), say=messages.append)
    assert result["first"].new_articles == 13 and not result["first"].failed
    assert result["second"].new_articles == 0
    assert {r.status for r in result["second"].feeds} == {"not_modified"}
    conn = sqlite3.connect(result["database"])
    rows = conn.execute("SELECT title, text, text_source FROM articles").fetchall()
    seeds = [r for r in rows if "한미" in r[0] or "한·미" in r[0]]
    assert len(rows) == 13
    for title, text, source in rows:
        assert source == "page", title
        for junk in JUNK:
            assert junk not in text, (title, junk)
    # the EUC-KR feed's titles arrive as proper Hangul
    assert any(t.startswith("‘한·미, 반도체 등 산업안보협력") for t, _, _ in rows)
    assert len([t for t, _, _ in seeds]) >= 5
    # every article was matched; exactly the five seeds are relevant, the everyday news is not
    verdicts = dict(
        conn.execute(
            "SELECT a.title, m.relevant FROM articles a JOIN matches m ON m.article_id = a.id"
        ).fetchall()
    )
    assert len(verdicts) == 13
    relevant = [t for t, rel in verdicts.items() if rel]
    assert len(relevant) == 5  # the five seeds
    assert not any(trap in t for t in relevant for trap in ("한미반도체", "한미약품", "한일전", "K팝"))
    evidence = conn.execute("SELECT evidence FROM matches WHERE relevant = 1").fetchone()[0]
    assert '"snippet"' in evidence and '"weight"' in evidence
    # seeds 000 and 002 report the same meeting: one story, so four relevant stories reach the digest
    stories = conn.execute("SELECT id, title FROM stories WHERE relevant = 1").fetchall()
    assert len(stories) == 4
    assert result["digest"] is not None and result["digest"].is_file()
    digest = result["digest"].read_text(encoding="utf-8")
    for _, title in stories:
        assert title.replace("&", "&amp;")[:20] in digest or title[:20] in digest, title
    assert "외 1개 매체" in digest  # the merged story names its second outlet
    # a second run starts from a fresh database
    again = run_demo(tmp_path / "demo", seeds_dir(), topics_file(), say=messages.append)
    assert again["counts"]["articles"] == 13


def test_demo_command_prints_where_things_are(tmp_path, capsys):
    assert main(["demo", "--dir", str(tmp_path / "d")]) == 0
    out = capsys.readouterr().out
    assert "13 articles stored" in out and "demo.db" in out and "monitor --config" in out


def test_demo_digest_holds_the_stories_it_is_given(tmp_path):
    """The demo's last step on stories put in the database here (the clusterer fills them during polls)."""
    from monitor.config import load_config
    from monitor.demo.runner import write_demo_config, write_demo_digest
    from monitor.store import Store
    from tests.story_db import add_story

    config = load_config(write_demo_config(tmp_path, "http://127.0.0.1:9", topics_file()))
    messages: list[str] = []
    with Store.open(config.storage.path) as store:
        assert write_demo_digest(config, store, say=messages.append) is None
        assert messages == ["digest: no relevant stories, so no digest was written"]
        add_story(store, "한미일 산업장관 첫 회의", outlets=("뉴스핌", "연합뉴스"))
        path = write_demo_digest(config, store, say=messages.append)
    assert path is not None and path.parent == tmp_path / "digests" and path.suffix == ".md"
    text = path.read_text(encoding="utf-8")
    assert "한미일 산업장관 첫 회의" in text and "뉴스핌 외 1개 매체" in text
    assert path.with_suffix(".html").is_file()
