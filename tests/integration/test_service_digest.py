"""The digest half of the kill test: `monitor run` sending digests to a loopback SMTP server, SIGKILLed at
random points and restarted, against one uninterrupted run. Every story link the uninterrupted run mailed
arrives, and none arrives more than twice (the documented at-most-one repeat: a kill between the SMTP
server's acceptance and the ledger's commit sends that digest again).

``DIGEST_CONFIG`` is an e-mail
channel to the loopback SMTP server with a digest every minute (the cron granularity), so each run
lasts a little over a minute.
"""

from __future__ import annotations

import os
import random
import re
import signal
import sqlite3
import time
from pathlib import Path

import pytest

from tests.integration.test_email_smtp import LoopbackSMTP  # port 0, as the email tests
from tests.integration.test_service import (
    FEEDS,
    db_path,
    feeds_done,
    serve_feeds,
    service_config,
    start,
    stop,
    wait_ready,
    wait_until,
)
from tests.servers import LoopbackHTTPServer

#: An e-mail channel with a digest every minute, to the loopback server.
DIGEST_CONFIG = """
[digest]
schedules = ["* * * * *"]

[delivery.email]
host = "127.0.0.1"
port = {smtp_port}
security = "none"
from = "monitor@example.org"
to = ["analyst@example.org"]
"""

LINK = re.compile(r"http://127\.0\.0\.1:\d+/news/\d+/\d+\.html")


class Inbox:
    def __init__(self) -> None:
        self.messages: list[str] = []

    async def handle_DATA(self, server, session, envelope):  # aiosmtpd handler protocol
        self.messages.append(envelope.content.decode("utf-8", "replace"))
        return "250 OK"

    def links(self) -> list[str]:
        found: list[str] = []
        for message in self.messages:
            found += sorted(set(LINK.findall(message)))  # a link once per message, however often shown
        return found


def run_until_mailed(config: Path, inbox: Inbox, *, kills: int, rng: random.Random) -> None:
    for _ in range(kills):
        proc = start(config)
        time.sleep(rng.uniform(0.5, 75.0))  # anywhere up to and across the first minute's digest
        proc.send_signal(signal.SIGKILL)
        proc.communicate(timeout=30)
    proc = start(config)
    try:
        wait_ready(config, proc)
        # Every run ends the same way: all feeds polled, then the minute's digests send until no relevant
        # story is left undelivered (a kill may have left some pending: the restarted run sends them).
        assert wait_until(lambda: feeds_done(config) == FEEDS, timeout=120)
        # stories are formed at the end of the poll cycle, just after the feeds' own transactions
        assert wait_until(lambda: stories_in(config) > 0, timeout=60), "no relevant story: nothing to send"
        assert wait_until(lambda: undelivered(config) == 0, timeout=200), "stories still undelivered"
    finally:
        code, err = stop(proc)
    assert code == 0, err


def undelivered(config: Path) -> int:
    with sqlite3.connect(db_path(config)) as conn:
        return int(
            conn.execute(
                "SELECT count(*) FROM stories s WHERE s.relevant = 1 AND NOT EXISTS "
                "(SELECT 1 FROM deliveries d WHERE d.story_id = s.id AND d.channel = 'email')"
            ).fetchone()[0]
        )


def stories_in(config: Path) -> int:
    with sqlite3.connect(db_path(config)) as conn:
        return int(conn.execute("SELECT count(*) FROM stories WHERE relevant = 1").fetchone()[0])


@pytest.mark.slow
@pytest.mark.skipif(
    not os.environ.get("MONITOR_SLOW_TESTS"),
    reason="about 3.5 minutes (digests run on whole minutes); run with MONITOR_SLOW_TESTS=1",
)
def test_sigkill_during_digests_delivers_everything_and_repeats_at_most_once(tmp_path):
    rng = random.Random(int(os.environ.get("MONITOR_KILL_SEED", "6")))
    results: dict[str, list[str]] = {}
    with LoopbackHTTPServer() as srv:
        feeds = serve_feeds(srv, page_delay_s=0.05)
        for name, kills in (("reference", 0), ("killed", int(os.environ.get("MONITOR_KILLS", "4")))):
            inbox = Inbox()
            controller = LoopbackSMTP(inbox)  # type: ignore[arg-type]
            controller.start()
            try:
                (tmp_path / name).mkdir()
                config = service_config(tmp_path / name, feeds)
                port = controller.port
                with config.open("a", encoding="utf-8") as f:
                    f.write(DIGEST_CONFIG.format(smtp_port=port))
                run_until_mailed(config, inbox, kills=kills, rng=rng)
            finally:
                controller.stop()
            results[name] = inbox.links()
    expected, got = results["reference"], results["killed"]
    assert expected, "the uninterrupted run mailed no story links: check DIGEST_CONFIG"
    assert set(got) >= set(expected), "a story the uninterrupted run delivered was lost"
    repeats = {link: got.count(link) for link in set(got) if got.count(link) > 2}
    assert not repeats, f"delivered more than twice: {repeats}"
