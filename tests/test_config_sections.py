"""The sections as values: one frozen dataclass per registered section, each default written once."""

from __future__ import annotations

import dataclasses
import textwrap
from operator import attrgetter
from pathlib import Path
from typing import Any

import pytest

from monitor.config import (
    Field,
    FileDeliverySettings,
    MatchingSettings,
    MonitorConfig,
    ServiceSettings,
    StorageSettings,
    load_config,
    register_section,
    registered_sections,
    schema,
)
from monitor.models import FetchSettings

BUILT_IN = {s.name: s for s in registered_sections()}
SINGLE = sorted(name for name, s in BUILT_IN.items() if not s.many)
FEED = '[[feeds]]\nname = "연합뉴스 경제"\nurl = "https://www.yna.co.kr/rss/economy.xml"\n'


def _write(tmp_path: Path, text: str) -> Path:
    path = tmp_path / "monitor.toml"
    path.write_text(textwrap.dedent(text), encoding="utf-8")
    (tmp_path / "topics.toml").touch()
    return path


def _declared_default(cls: type, attr: str) -> Any:
    spec = next(f for f in dataclasses.fields(cls) if f.name == attr)
    if spec.default is not dataclasses.MISSING:
        return spec.default
    if spec.default_factory is not dataclasses.MISSING:
        return spec.default_factory()
    return schema.REQUIRED


@pytest.fixture
def own_registry(monkeypatch: pytest.MonkeyPatch) -> None:
    """Sections a test registers vanish after it."""
    monkeypatch.setattr(schema, "_SECTIONS", dict(schema._SECTIONS))


def test_the_monitor_registers_every_section_it_documents() -> None:
    assert set(BUILT_IN) >= {
        "storage",
        "fetch",
        "feed_defaults",
        "feeds",
        "matching",
        "stories",
        "digest",
        "delivery.file",
        "delivery.email",
        "delivery.slack",
        "service",
        "retention",
    }


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_every_section_has_a_frozen_settings_class_with_a_field_per_setting(name: str) -> None:
    section = BUILT_IN[name]
    assert dataclasses.is_dataclass(section.settings)
    assert section.settings.__dataclass_params__.frozen  # type: ignore[attr-defined]
    init_fields = [f.name for f in dataclasses.fields(section.settings) if f.init]
    assert sorted(init_fields) == sorted(f.attribute for f in section.fields)


@pytest.mark.parametrize("name", sorted(BUILT_IN))
def test_each_default_is_the_settings_class_default(name: str) -> None:
    section = BUILT_IN[name]
    for f in section.fields:
        assert f.default == _declared_default(section.settings, f.attribute), f"{name}.{f.name}"


def test_a_default_written_on_the_field_as_well_is_refused(own_registry: None) -> None:
    @dataclasses.dataclass(frozen=True)
    class Newsletter:
        every_s: float = 86400.0

    with pytest.raises(ValueError, match=r"newsletter\.every: the default is written once, on Newsletter"):
        register_section(
            "newsletter",
            [Field("every", schema.duration(), "how often", 3600.0, attr="every_s")],
            doc="x",
            settings=Newsletter,
        )


def test_a_settings_class_must_be_frozen_and_match_the_fields(own_registry: None) -> None:
    @dataclasses.dataclass
    class Loose:
        every: float = 1.0

    @dataclasses.dataclass(frozen=True)
    class Other:
        every: float = 1.0
        extra: int = 2

    every = Field("every", schema.duration(), "how often")
    with pytest.raises(ValueError, match="must be a frozen dataclass"):
        register_section("newsletter", [every], doc="x", settings=Loose)
    with pytest.raises(ValueError, match=r"the fields of Other \(every, extra\) must be"):
        register_section("newsletter", [every], doc="x", settings=Other)


def test_an_empty_file_gives_every_section_its_class_defaults_with_paths_resolved(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, ""), env={})
    for name in SINGLE:
        section = BUILT_IN[name]
        paths = {
            f.attribute: str(tmp_path / f.default)
            for f in section.fields
            if f.convert is schema.file_path and f.default is not None
        }
        assert cfg.section(name) == dataclasses.replace(section.settings(), **paths), name
    assert cfg.storage == StorageSettings(str(tmp_path / "data" / "monitor.db"))
    assert cfg.delivery.file == FileDeliverySettings(dir=None)
    assert cfg.matching == MatchingSettings(topics=str(tmp_path / "topics.toml"))


@pytest.mark.parametrize("name", SINGLE)
def test_each_section_is_an_attribute_of_the_config(tmp_path: Path, name: str) -> None:
    cfg = load_config(_write(tmp_path, FEED), env={})
    assert attrgetter(name)(cfg) is cfg.section(name)


def test_values_come_back_typed_under_their_attribute_names(tmp_path: Path) -> None:
    text = (
        FEED
        + """
        [service]
        stop_timeout = "45s"
        health_port = 9100

        [retention]
        article_text = "30d"

        [delivery.email]
        host = "smtp.example.org"
        from = "monitor@example.org"
        to = "analyst@example.org"
        schedules = ["0 9 * * *"]
    """
    )
    cfg = load_config(_write(tmp_path, text), env={})
    assert cfg.service.stop_timeout_s == 45.0 and cfg.service.health_port == 9100
    assert cfg.retention.article_text_s == 30 * 86400.0
    email = cfg.delivery.email
    assert (email.sender, email.recipients, email.schedules) == (
        "monitor@example.org",
        ("analyst@example.org",),
        ("0 9 * * *",),
    )
    assert cfg.section("feeds")[0].interval_s is None and cfg.feeds[0].interval_s == 900


def test_the_config_and_every_section_value_are_frozen(tmp_path: Path) -> None:
    cfg = load_config(_write(tmp_path, FEED), env={})
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.service = ServiceSettings()  # type: ignore[misc]
    for name in SINGLE:
        value = cfg.section(name)
        first = dataclasses.fields(value)[0].name
        with pytest.raises(dataclasses.FrozenInstanceError):
            setattr(value, first, None)
    with pytest.raises(dataclasses.FrozenInstanceError):
        cfg.section("feeds")[0].name = "x"
    with pytest.raises(TypeError):
        cfg.sections["service"] = None  # type: ignore[index]
    with pytest.raises(TypeError):
        cfg.raw["feeds"] = []  # type: ignore[index]


def test_a_config_built_by_hand_has_every_section_default(tmp_path: Path) -> None:
    cfg = MonitorConfig(
        path=tmp_path / "c.toml",
        base_dir=tmp_path,
        storage=StorageSettings(str(tmp_path / "m.db")),
        fetch=FetchSettings(),
        feeds=(),
        raw={},
    )
    loaded = load_config(_write(tmp_path, ""), env={})
    assert cfg.service == loaded.service and cfg.retention == loaded.retention
    assert cfg.digest == loaded.digest and cfg.stories == loaded.stories
    assert cfg.delivery.email == loaded.delivery.email and cfg.delivery.slack == loaded.delivery.slack
