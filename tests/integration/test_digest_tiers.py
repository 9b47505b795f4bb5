"""Two tiers in every digest form, through the real SMTP server, the real webhook sink and the file channel:
context stories in their own section below the core ones, each item's reason in one sentence, topic labels
in Korean and never a raw topic id."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from monitor.config import load_config
from monitor.deliver.dispatch import run_digest
from monitor.match.matcher import load_matcher, result_to_dict
from monitor.store import Store
from tests.integration.test_digest_delivery import HOOK, bodies, email_config, parse, slack_config
from tests.integration.test_email_smtp import Inbox, smtp_server
from tests.servers import LoopbackHTTPServer, Reply
from tests.story_db import NOW, add_story, write_config

TOPICS = Path(__file__).resolve().parents[2] / "config" / "topics.toml"

CORE_TITLE = "한미일 산업장관, 핵심광물 공급망 공동 대응 합의"
CORE_TEXT = "산업통상자원부와 미국 상무부는 핵심광물 공급망 협력 방안을 논의했다."
CONTEXT_TITLE = "美 상무부, 중국 겨냥 반도체 장비 수출통제 강화"
#: The context section's heading in every form.
SECTION = "참고: 관련 동향"


def _topics_beside(tmp_path: Path) -> None:
    """The project's topics file where the digest configs look for it (beside monitor.toml)."""
    (tmp_path / "topics.toml").write_bytes(TOPICS.read_bytes())


def _seed(store: Store) -> tuple[int, int, int]:
    """A core story whose evidence is a real match, a context story, and a core story whose topics are bare
    ids (its evidence carries no labels: the label must come from the topics file)."""
    matcher = load_matcher(TOPICS)
    core = add_story(
        store, CORE_TITLE, topics=("critical_minerals",), score=0.9, outlets=("연합뉴스", "뉴스1")
    )
    context = add_story(store, CONTEXT_TITLE, topics=("export_controls",), score=0.95)
    bare = add_story(
        store, "한미 공급망 대화 개최", topics=("supply_chain", "semiconductors_batteries"), score=0.8
    )
    evidence = result_to_dict(matcher.match(CORE_TITLE, CORE_TEXT))
    with store.transaction():
        store.db.conn.execute(
            "UPDATE matches SET evidence = ?, tier = 'core' WHERE article_id IN "
            "(SELECT article_id FROM article_story WHERE story_id = ?)",
            (json.dumps(evidence, ensure_ascii=False), core),
        )
        store.db.conn.execute(
            "UPDATE matches SET tier = 'context' WHERE article_id IN "
            "(SELECT article_id FROM article_story WHERE story_id = ?)",
            (context,),
        )
        store.db.conn.execute("UPDATE matches SET evidence = '{}' WHERE article_id = ?", (bare,))
    return core, context, bare


def _check_order(text: str) -> None:
    """Both core stories come before the context heading, the context story after it."""
    section = text.index(SECTION)
    assert text.index(CORE_TITLE) < section and text.index("한미 공급망 대화 개최") < section
    assert text.index(CONTEXT_TITLE) > section


def _check_words(text: str) -> None:
    assert (
        "supply_chain" not in text
        and "semiconductors_batteries" not in text
        and "export_controls" not in text
    )
    assert "공급망 회복력" in text  # the topics file's label for supply_chain
    assert "in the title" in text and "(core)" in text  # the one-sentence reason of the core story
    assert "외 29개" not in text


def test_email_digest_lists_context_below_core_with_reasons_and_korean_labels(tmp_path: Path) -> None:
    inbox = Inbox()
    with smtp_server(inbox) as srv:
        _topics_beside(tmp_path)
        cfg = email_config(tmp_path, srv.port)
        with Store.open(cfg.storage.path) as store:
            ids = _seed(store)
            [out] = run_digest(cfg, store, now=NOW)
            assert out.status == "sent" and out.stories == 3
            assert {d["story_id"] for d in store.deliveries("email")} == set(ids)
    [(_, _, raw)] = inbox.received
    parts = bodies(parse(raw))
    for form in ("text/plain", "text/html"):
        _check_order(parts[form])
        _check_words(parts[form])


@pytest.fixture
def sink() -> Any:
    with LoopbackHTTPServer() as srv:
        yield srv


def test_slack_digest_has_a_context_section_after_the_core_ones(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, sink: LoopbackHTTPServer
) -> None:
    sink.route(HOOK, Reply(body=b"ok"))
    _topics_beside(tmp_path)
    cfg = slack_config(tmp_path, monkeypatch, sink)
    with Store.open(cfg.storage.path) as store:
        _seed(store)
        [out] = run_digest(cfg, store, now=NOW)
        assert out.status == "sent" and out.stories == 3
    [post] = sink.posted(HOOK)
    headers = [b["text"]["text"] for b in post["blocks"] if b["type"] == "header"]
    assert headers[-1] == f"{SECTION} (1)"
    texts = json.dumps(post, ensure_ascii=False)
    _check_order(texts)
    assert "supply_chain" not in texts and "(core)" in texts


def test_file_digest_markdown_and_html_have_the_context_section(tmp_path: Path) -> None:
    _topics_beside(tmp_path)
    cfg = load_config(write_config(tmp_path, '[delivery.file]\ndir = "out"\n'))
    with Store.open(cfg.storage.path) as store:
        _seed(store)
        [out] = run_digest(cfg, store, now=NOW)
        assert out.status == "sent" and out.stories == 3
    written = {Path(p).suffix: Path(p).read_text(encoding="utf-8") for p in out.paths}
    assert {".md", ".html"} <= set(written)
    for text in written.values():
        _check_order(text)
        _check_words(text)
