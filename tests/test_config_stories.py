"""[stories] close_after_hours (issue 14): its default, what it accepts, and errors that name the key."""

from __future__ import annotations

from pathlib import Path

import pytest

from monitor.config import check_config, load_config
from monitor.stories import StoryTracker

FEED = '[[feeds]]\nname = "연합뉴스"\nurl = "https://www.yna.co.kr/rss/economy.xml"\n'


def _write(tmp_path: Path, stories: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(f"[stories]\n{stories}\n{FEED}", encoding="utf-8")
    (tmp_path / "topics.toml").touch()
    return path


def test_close_after_hours_defaults_to_72_and_arrives_where_the_tracker_is_built(tmp_path):
    settings = load_config(_write(tmp_path, "")).section("stories")
    assert settings.close_after_hours == 72.0
    # the clusterer reads it from the settings StoryTracker.from_settings is given
    assert StoryTracker.from_settings(settings) is not None
    assert load_config(_write(tmp_path, "close_after_hours = 36.5")).stories.close_after_hours == 36.5


@pytest.mark.parametrize(
    ("value", "message"),
    [
        ('"72h"', "must be a number of hours like 72, not string '72h'"),
        ("0", "must be more than 0 hours, not 0"),
        ("-12", "must be more than 0 hours, not -12"),
        ("true", "must be a number of hours like 72, not boolean True"),
        ("nan", "must be more than 0 hours, not nan"),
        ("100000", "must be at most 8784 hours (a year), not 100000"),
    ],
)
def test_a_bad_close_after_hours_is_one_error_naming_the_key(tmp_path, value, message):
    problems = [str(p) for p in check_config(_write(tmp_path, f"close_after_hours = {value}"), env={})]
    assert len(problems) == 1 and problems[0].startswith(f"stories.close_after_hours: {message}"), problems
