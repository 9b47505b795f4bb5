"""Stories formed by real polls over loopback: the demo site's seeds, GUID churn, polling twice, the CLI."""

from __future__ import annotations

import itertools
import json
from datetime import UTC, datetime, timedelta

import pytest

from monitor.cli import main
from monitor.config import load_config
from monitor.demo.runner import run_demo
from monitor.paths import seeds_dir, topics_file
from monitor.pipeline import run_poll
from monitor.store import Store
from monitor.stories import StoryTracker
from tests.integration.test_poll import BODY, RSS, page, rss, write_config
from tests.servers import LoopbackHTTPServer, Reply


def _snapshot(path: str) -> tuple[list, list]:
    with Store.open(path) as store:
        return (
            store.db.execute("SELECT * FROM stories ORDER BY id").fetchall(),
            store.db.execute("SELECT * FROM article_story ORDER BY article_id").fetchall(),
        )


def test_demo_seeds_000_and_002_are_one_story_and_003_one_article(tmp_path):
    messages: list[str] = []
    result = run_demo(tmp_path / "demo", seeds_dir(), topics_file(), say=messages.append)
    with Store.open(result["database"]) as store:
        by_url = {
            row[0].rsplit("/", 1)[-1]: row[1]
            for row in store.db.execute("SELECT url, id FROM articles").fetchall()
        }
        seed0, seed2, seed3 = by_url["seed-000.html"], by_url["seed-002.html"], by_url["seed-003.html"]
        assert store.story_of(seed0) == store.story_of(seed2)
        story = store.story_row(store.story_of(seed0))
        assert story["size"] == 2 and story["outlet_count"] == 2 and story["relevant"] == 1
        # seed 003 repeats its own body: one article, alone in its story
        assert len([u for u in by_url if u.startswith("seed-003")]) == 1
        assert store.story_row(store.story_of(seed3))["size"] == 1
        counts = store.story_counts()
        stories_total, clustered = counts["total_stories"], counts["clustered_articles"]
    assert clustered == result["counts"]["articles"] == 13
    # the demo tells it as it is
    assert f"13 articles → {stories_total} stories" in "\n".join(messages)
    assert stories_total == len(result["stories"]) == 12


def test_polling_twice_and_churning_guids_change_no_story(tmp_path):
    now = datetime.now(UTC).replace(microsecond=0)
    counter = itertools.count()
    with LoopbackHTTPServer() as server:
        server.route(
            "/a1",
            Reply(
                body=page("한미일 산업장관 첫 회의 공급망 협력", BODY), headers={"Content-Type": "text/html"}
            ),
        )
        server.route(
            "/a2",
            Reply(
                body=page("[종합] 한미일 산업장관 첫 회의 공급망 협력", BODY + ["기자 수첩 문단."]),
                headers={"Content-Type": "text/html"},
            ),
        )
        server.route(
            "/a3",
            Reply(
                body=page(
                    "주말 전국 비 온 뒤 기온 뚝",
                    [
                        "기상청은 주말 전국에 비가 내린 뒤 기온이 "
                        "크게 떨어지겠다고 예보했다. 강원 산지에는 첫눈."
                    ],
                ),
                headers={"Content-Type": "text/html"},
            ),
        )
        # A feed whose every GUID is new on each request (a broken CMS); its links stay the same.
        server.route(
            "/churn",
            lambda req: Reply(
                body=rss(
                    [
                        {
                            "title": "한미일 산업장관 첫 회의 공급망 협력",
                            "link": server.url("/a1"),
                            "guid": f"x{next(counter)}",
                            "date": now,
                        },
                        {
                            "title": "주말 전국 비 온 뒤 기온 뚝",
                            "link": server.url("/a3"),
                            "guid": f"x{next(counter)}",
                            "date": now,
                        },
                    ]
                ),
                headers={"Content-Type": RSS},
            ),
        )
        server.route(
            "/wire",
            Reply(
                body=rss(
                    [
                        {
                            "title": "[종합] 한미일 산업장관 첫 회의 공급망 협력",
                            "link": server.url("/a2") + "?utm_source=rss",
                            "guid": "w1",
                            "date": now - timedelta(hours=1),
                        }
                    ]
                ),
                headers={"Content-Type": RSS},
            ),
        )
        cfg = write_config(tmp_path, {"churn": server.url("/churn"), "wire": server.url("/wire")})
        config = load_config(cfg)
        tracker = StoryTracker()  # one tracker across polls, as `monitor run` keeps it
        with Store.open(config.storage.path) as store:
            run_poll(config, store, tracker=tracker)
        first = _snapshot(config.storage.path)
        assert len(first[1]) == 3 and len(first[0]) == 2  # the two write-ups of one meeting are one story
        with Store.open(config.storage.path) as store:
            second = run_poll(config, store, tracker=tracker)
            assert second.new_articles == 0
            assert sum(r.new_sources for r in second.feeds) == 2  # the churned GUIDs, recorded as sources
        assert _snapshot(config.storage.path) == first
        with Store.open(
            config.storage.path
        ) as store:  # a one-shot poll: a fresh tracker restored from the db
            run_poll(config, store)
        assert _snapshot(config.storage.path) == first


def test_cli_stories_and_story(tmp_path, capsys):
    result = run_demo(tmp_path / "demo", seeds_dir(), topics_file(), say=lambda _: None)
    cfg = str(result["config"])
    assert main(["--config", cfg, "stories", "--json", "--min-size", "2"]) == 0
    data = json.loads(capsys.readouterr().out)
    assert [s["size"] for s in data["stories"]] == [2] and data["total_stories"] == 12
    story = data["stories"][0]
    assert story["last_updated_kst"].endswith("KST") and story["relevant"] is True
    assert main(["--config", cfg, "story", str(story["id"]), "--json"]) == 0
    detail = json.loads(capsys.readouterr().out)
    assert [m["reason"] for m in detail["members"]] == ["new", "same_event"]
    assert detail["members"][1]["matched_article_id"] == detail["members"][0]["article_id"]
    assert all(m["time_kst"].endswith("KST") and m["url"].startswith("http") for m in detail["members"])
    assert main(["--config", cfg, "story", str(detail["members"][1]["article_id"])]) == 0  # by member id
    text = capsys.readouterr().out
    assert "same_event" in text and story["title"] in text
    assert main(["--config", cfg, "stories", "--relevant"]) == 0
    listing = capsys.readouterr().out
    assert story["title"][:10] in listing and "K팝" not in listing
    # topics as a person reads them, not the file's ids (the JSON keeps the ids)
    assert "협의체·대화" in listing and "frameworks" not in listing and "frameworks" in story["topics"]
    assert main(["--config", cfg, "stories", "--recluster", "--json"]) == 0
    assert "0 decisions changed" in json.loads(capsys.readouterr().out)["recluster"]
    assert main(["--config", cfg, "story", "99999"]) == 2
    assert "no story or article with id 99999" in capsys.readouterr().err
    assert main(["--config", cfg, "stories", "--since", "soon"]) == 2


@pytest.mark.corpus
def test_knews_days_polled_twice_keep_their_stories(tmp_path):
    from monitor.stories import recluster
    from tests.conftest import corpus_path
    from tests.corpus_feeds import corpus_config, corpus_files, serve_corpus

    root = corpus_path("feeds")
    files = [p for p in corpus_files(root) if "knews-rss/2022-07-" in p.as_posix()]
    with LoopbackHTTPServer() as server:
        feeds = serve_corpus(server, root, files)
        config = load_config(corpus_config(tmp_path / "monitor.toml", feeds))
        with Store.open(config.storage.path) as store:
            run_poll(config, store)
            counts = store.story_counts()
            articles = store.counts()["articles"]
        first = _snapshot(config.storage.path)
        with Store.open(config.storage.path) as store:
            assert run_poll(config, store).new_articles == 0
        assert _snapshot(config.storage.path) == first
    assert articles > 6000 and counts["clustered_articles"] == articles
    # cross-outlet copies and overlapping items collapse; most articles are still their own story
    assert articles * 0.5 < counts["total_stories"] < articles * 0.97
    with Store.open(config.storage.path) as store:
        assert recluster(store).changed == 0  # one poll clustered in the order re-clustering uses


def test_an_english_and_a_korean_feed_report_one_meeting_as_one_story(tmp_path):
    # Issue 14: across languages, through a real poll. Own text: a Korean outlet and an English one.
    now = datetime.now(UTC).replace(microsecond=0)
    ko_title = "한미일 통상장관, 호놀룰루서 반도체 공급망 조기경보 공유 합의"
    ko_body = [
        "산업통상자원부는 한미일 3국 통상장관이 호놀룰루에서 만나 반도체 공급망 조기경보 정보를 공유하기로 "
        "합의했다고 밝혔다.",
        "3국은 핵심광물 공동 비축 방안도 논의했다.",
    ]
    en_title = "S. Korea, US, Japan trade ministers agree in Honolulu to share chip supply chain warnings"
    en_body = [
        "Trade ministers of South Korea, the United States and Japan met in Honolulu and agreed to share "
        "early warnings on semiconductor supply chains, the Ministry of Trade, Industry and Energy said.",
        "They also discussed joint stockpiles of critical minerals.",
    ]
    other_title = "주말 전국 비 온 뒤 기온 뚝"
    with LoopbackHTTPServer() as server:
        server.route("/ko", Reply(body=page(ko_title, ko_body), headers={"Content-Type": "text/html"}))
        server.route("/en", Reply(body=page(en_title, en_body), headers={"Content-Type": "text/html"}))
        server.route(
            "/rain",
            Reply(
                body=page(
                    other_title, ["기상청은 주말 전국에 비가 내린 뒤 기온이 크게 떨어지겠다고 예보했다."]
                ),
                headers={"Content-Type": "text/html"},
            ),
        )
        server.route(
            "/feed-ko",
            Reply(
                body=rss(
                    [
                        {"title": ko_title, "link": server.url("/ko"), "guid": "k1", "date": now},
                        {"title": other_title, "link": server.url("/rain"), "guid": "k2", "date": now},
                    ]
                ),
                headers={"Content-Type": RSS},
            ),
        )
        server.route(
            "/feed-en",
            Reply(
                body=rss(
                    [
                        {
                            "title": en_title,
                            "link": server.url("/en"),
                            "guid": "e1",
                            "date": now - timedelta(hours=2),
                        }
                    ],
                    title="English desk",
                ),
                headers={"Content-Type": RSS},
            ),
        )
        config = load_config(
            write_config(tmp_path, {"ko": server.url("/feed-ko"), "en": server.url("/feed-en")})
        )
        with Store.open(config.storage.path) as store:
            run_poll(config, store, tracker=StoryTracker())
            ids = {
                row[0].rsplit("/", 1)[-1]: row[1]
                for row in store.db.execute("SELECT url, id FROM articles").fetchall()
            }
            assert store.story_of(ids["ko"]) == store.story_of(ids["en"])
            assert store.story_of(ids["rain"]) != store.story_of(ids["ko"])


def test_a_poll_normalises_each_article_once(tmp_path, monkeypatch):
    """The poll normalises an article for its content hash and hands that form to the story stage, which
    then does not normalise the same title and text again (a page article and a summary-only one)."""
    from monitor.stories import exact

    calls: list[tuple[str, str]] = []
    real = exact.normalise

    def counting(title: str, text: str) -> exact.Normalised:
        calls.append((title, text))
        return real(title, text)

    # the one name every caller reaches normalise() through
    monkeypatch.setattr(exact, "normalise", counting)
    monkeypatch.setattr("monitor.stories.features.normalise", counting)
    now = datetime.now(UTC).replace(microsecond=0)
    with LoopbackHTTPServer() as server:
        server.route(
            "/a1",
            Reply(
                body=page("한미일 산업장관 첫 회의 공급망 협력", BODY), headers={"Content-Type": "text/html"}
            ),
        )
        items = [
            {
                "title": "한미일 산업장관 첫 회의 공급망 협력",
                "link": server.url("/a1"),
                "guid": "1",
                "date": now,
            }
        ]
        server.route("/feed", Reply(body=rss(items), headers={"Content-Type": RSS}))
        summary_only = [
            {"title": "주말 전국 비 온 뒤 기온 뚝", "link": server.url("/none"), "guid": "2", "date": now}
        ]
        server.route("/summaries", Reply(body=rss(summary_only), headers={"Content-Type": RSS}))
        cfg = write_config(tmp_path, {"pages": server.url("/feed")})
        text = cfg.read_text("utf-8")
        text += (
            f'\n[[feeds]]\nname = "summaries"\nurl = "{server.url("/summaries")}"\nfetch_articles = false\n'
        )
        cfg.write_text(text, "utf-8")
        monkeypatch.setattr("monitor.pipeline.normalise", counting)
        config = load_config(cfg)
        with Store.open(config.storage.path) as store:
            report = run_poll(config, store, tracker=StoryTracker(workers=0))
            assert report.new_articles == 2
            assert store.story_counts()["clustered_articles"] == 2
    assert len(calls) == 2, calls  # once each: for the content hash; the story stage reused the forms
    assert len(set(calls)) == 2
    # the poll holds the forms for as many articles as the story stage clusters in this process
    from monitor import pipeline
    from monitor.stories import batch

    assert pipeline._NORMALISED_HELD == 2 * batch.FEATURE_CHUNK
