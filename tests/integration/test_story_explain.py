"""`monitor story ID` says why each member joined, after a real poll over loopback (issue 14).

The member a report joined through and the features that carried it are stored with the decision
(``article_story.evidence``) and shown by `monitor story ID` and its ``--json``. The clusterer on this
branch fills ``Assignment.evidence`` only once the fitted same-event scorer lands (branch s17-stories), so
one test polls with a store that stamps stand-in features on joins that came without any: it is the
store, the restore path and the CLI that are under test here, not the scorer.
"""

from __future__ import annotations

import json
from dataclasses import replace
from datetime import UTC, datetime, timedelta

from monitor.cli import main
from monitor.config import load_config
from monitor.pipeline import run_poll
from monitor.store import Store
from monitor.stories import StoryTracker
from tests.integration.test_poll import BODY, RSS, page, rss, write_config
from tests.servers import LoopbackHTTPServer, Reply


class StandInEvidenceStore(Store):
    """A store that gives every join without evidence the features a same-event scorer would give."""

    def record_assignments(self, assignments, *, now=None):
        stamped = [
            a
            if a.reason in ("new", "updated") or a.evidence
            else replace(a, evidence=(("title_ngram", round(a.similarity, 3)), ("outlets_differ", 1.0)))
            for a in assignments
        ]
        return super().record_assignments(stamped, now=now)


def _serve(server: LoopbackHTTPServer, now: datetime) -> dict[str, str]:
    html = {"Content-Type": "text/html"}
    server.route("/a1", Reply(body=page("한미일 산업장관 첫 회의 공급망 협력", BODY), headers=html))
    server.route(
        "/a2",
        Reply(
            body=page("[종합] 한미일 산업장관 첫 회의 공급망 협력", [*BODY, "기자 수첩 문단."]), headers=html
        ),
    )
    server.route(
        "/a3",
        Reply(
            body=page(
                "주말 전국 비 온 뒤 기온 뚝",
                ["기상청은 주말 전국에 비가 내린 뒤 기온이 크게 떨어지겠다고 예보했다. 강원 산지에는 첫눈."],
            ),
            headers=html,
        ),
    )
    server.route(
        "/first",
        Reply(
            body=rss(
                [
                    {
                        "title": "한미일 산업장관 첫 회의 공급망 협력",
                        "link": server.url("/a1"),
                        "guid": "f1",
                        "date": now - timedelta(hours=2),
                    },
                    {
                        "title": "주말 전국 비 온 뒤 기온 뚝",
                        "link": server.url("/a3"),
                        "guid": "f3",
                        "date": now,
                    },
                ]
            ),
            headers={"Content-Type": RSS},
        ),
    )
    server.route(
        "/second",
        Reply(
            body=rss(
                [
                    {
                        "title": "[종합] 한미일 산업장관 첫 회의 공급망 협력",
                        "link": server.url("/a2"),
                        "guid": "s1",
                        "date": now,
                    }
                ]
            ),
            headers={"Content-Type": RSS},
        ),
    )
    return {"산업일보": server.url("/first"), "경제신문": server.url("/second")}


def _story_json(cfg: str, story_id: int, capsys) -> dict:
    assert main(["--config", cfg, "story", str(story_id), "--json"]) == 0
    return json.loads(capsys.readouterr().out)


def test_story_shows_the_member_each_joined_through_after_a_real_poll(tmp_path, capsys):
    now = datetime.now(UTC).replace(microsecond=0)
    with LoopbackHTTPServer() as server:
        cfg = write_config(tmp_path, _serve(server, now))
        config = load_config(cfg)
        with Store.open(config.storage.path) as store:
            run_poll(config, store, tracker=StoryTracker())
            (story,) = store.recent_stories(min_size=2)
    detail = _story_json(str(cfg), story["id"], capsys)
    first, second = detail["members"]
    assert (first["reason"], first["joined_via"], first["evidence"]) == ("new", None, [])
    assert second["joined_via"] == {
        "article_id": first["article_id"],
        "outlet": "산업일보",
        "title": first["title"],
    }
    # whatever features this branch's clusterer gave are shown as given, as [{"feature", "value"}]
    assert all(set(e) == {"feature", "value"} for e in second["evidence"])
    assert detail["last_development_kst"].endswith("KST") and detail["last_development_at"] == second["time"]
    assert main(["--config", str(cfg), "story", str(story["id"])]) == 0
    text = capsys.readouterr().out
    assert f"{first['article_id']} (산업일보)" in text and "last development" in text


def test_stored_join_features_are_shown_kept_across_polls_and_restored(tmp_path, capsys):
    now = datetime.now(UTC).replace(microsecond=0)
    with LoopbackHTTPServer() as server:
        cfg = write_config(tmp_path, _serve(server, now))
        config = load_config(cfg)
        tracker = StoryTracker()
        with StandInEvidenceStore.open(config.storage.path) as store:
            run_poll(config, store, tracker=tracker)
            (story,) = store.recent_stories(min_size=2)
            kept = store.db.execute("SELECT * FROM article_story ORDER BY article_id").fetchall()
        with StandInEvidenceStore.open(config.storage.path) as store:  # polled again: nothing re-decided
            assert run_poll(config, store, tracker=tracker).new_articles == 0
            assert store.db.execute("SELECT * FROM article_story ORDER BY article_id").fetchall() == kept
            # a fresh process restores the decisions with their evidence
            restored = {r.item.article_id: r.assignment for r in store.assigned_in_window(72)}
    detail = _story_json(str(cfg), story["id"], capsys)
    joined = detail["members"][1]
    sim = round(joined["similarity"], 3)
    assert joined["evidence"] == [
        {"feature": "title_ngram", "value": sim},
        {"feature": "outlets_differ", "value": 1.0},
    ]
    assert restored[joined["article_id"]].evidence == (("title_ngram", sim), ("outlets_differ", 1.0))
    assert main(["--config", str(cfg), "story", str(joined["article_id"])]) == 0  # by the member's id
    text = capsys.readouterr().out
    assert f"title_ngram {sim:.2f}, outlets_differ 1.00" in text
