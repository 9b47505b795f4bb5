"""`monitor digest` prints what it did, truthfully, and exits 1 when a channel failed."""

from __future__ import annotations

import json
from datetime import UTC, datetime
from pathlib import Path

from monitor.cli import main
from monitor.store import Store
from tests.story_db import add_story, write_config


def setup(tmp_path: Path, extra: str = "") -> Path:
    path = write_config(tmp_path, extra)
    with Store.open(tmp_path / "m.db") as store:
        add_story(store, "한미일 공급망 협력", outlets=("연합뉴스", "뉴시스"), now=datetime.now(UTC))
    return path


def test_now_sends_then_reports_nothing_new(tmp_path, capsys):
    config = str(setup(tmp_path))
    assert main(["--config", config, "digest", "--now"]) == 0
    out = capsys.readouterr().out
    assert out.startswith("file: sent a digest of 1 story [digest-") and str(tmp_path / "digests") in out
    assert main(["--config", config, "digest", "--now"]) == 0
    assert capsys.readouterr().out.strip() == "file: nothing new, no digest sent"
    assert main(["--config", config, "digest"]) == 0
    overview = capsys.readouterr().out
    assert "0 8 * * mon-fri" in overview and "1 story delivered in all" in overview


def test_dry_run_and_json(tmp_path, capsys):
    config = str(setup(tmp_path))
    assert main(["--config", config, "digest", "--now", "--dry-run", "--json"]) == 0
    [outcome] = json.loads(capsys.readouterr().out)
    assert outcome["channel"] == "file" and outcome["dry_run"] and outcome["stories"] == 1
    assert not (tmp_path / "digests").exists()


def test_failure_names_channel_and_reason_and_exits_1(tmp_path, capsys, monkeypatch):
    monkeypatch.delenv("MONITOR_TEST_NO_HOOK", raising=False)
    config = str(
        setup(
            tmp_path,
            '[delivery.slack]\nwebhook_url_env = "MONITOR_TEST_NO_HOOK"\n[delivery.file]\ndir = "digests"\n',
        )
    )
    assert main(["--config", config, "digest", "--now", "--channel", "slack"]) == 1
    out = capsys.readouterr().out
    assert out.startswith("slack: FAILED:") and "MONITOR_TEST_NO_HOOK" in out and "next try" in out
    # `monitor status` tells the same from the database: the last run per channel, what failed and when
    # it is retried, and how many stories each channel has been sent
    assert main(["--config", config, "digest", "--now", "--channel", "file"]) == 0
    capsys.readouterr()
    assert main(["--config", config, "status"]) == 0
    status = capsys.readouterr().out
    [file_row] = [line for line in status.splitlines() if line.startswith("file ")]
    [slack_row] = [line for line in status.splitlines() if line.startswith("slack ")]
    assert "sent (1 story)" in file_row and file_row.split()[-1] == "1"
    assert "failed (0 stories)" in slack_row and "never" in slack_row
    assert "×1:" in slack_row and "MONITOR_TEST_NO_HOOK" in slack_row and "retry after" in slack_row


def test_preview_writes_files_and_sends_nothing(tmp_path, capsys):
    config = str(setup(tmp_path))
    assert main(["--config", config, "digest", "--preview", str(tmp_path / "pv")]) == 0
    assert "nothing sent or recorded" in capsys.readouterr().out
    assert len(list((tmp_path / "pv").iterdir())) == 4 and not (tmp_path / "digests").exists()
    assert main(["--config", config, "digest", "--now"]) == 0  # still pending: the preview recorded nothing
    assert "sent a digest of 1 story" in capsys.readouterr().out


def test_alerts_command(tmp_path, capsys):
    config = str(setup(tmp_path, "[digest]\nalert_threshold = 0.75\n"))
    assert main(["--config", config, "digest", "--alerts"]) == 0
    assert capsys.readouterr().out.startswith("file: sent an alert of 1 story [digest-")
    assert main(["--config", config, "digest", "--alerts"]) == 0
    assert capsys.readouterr().out.strip() == "file: nothing new, no alert sent"


def test_preview_include_sent_shows_a_digest_that_went_out_again(tmp_path, capsys):
    """After a digest went out, a preview has nothing new; --include-sent (issue 16: the demo's next step)
    shows the sent stories again, and still records nothing."""
    config = str(setup(tmp_path))
    assert main(["--config", config, "digest", "--now"]) == 0
    assert main(["--config", config, "digest", "--preview", str(tmp_path / "plain")]) == 0
    [plain] = (tmp_path / "plain").glob("*.txt")
    assert "새 소식 없음" in plain.read_text(encoding="utf-8")
    assert main(["--config", config, "digest", "--preview", str(tmp_path / "again"), "--include-sent"]) == 0
    [again] = (tmp_path / "again").glob("*.txt")
    assert "한미일 공급망 협력" in again.read_text(encoding="utf-8")
    capsys.readouterr()
    assert main(["--config", config, "digest", "--now"]) == 0  # the preview recorded nothing
    assert capsys.readouterr().out.strip() == "file: nothing new, no digest sent"
    assert main(["--config", config, "digest", "--now", "--include-sent"]) == 2  # only with --preview
