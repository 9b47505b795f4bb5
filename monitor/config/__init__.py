"""Configuration: the TOML file a user writes, checked and turned into typed settings.

No HTTP, no SQL. Every problem is reported with its key path (``feeds[3].url``, ``digest.email.port``)
and all of them at once, so one run of `monitor config check` shows everything to fix. Each section comes
back as a frozen dataclass on :class:`MonitorConfig` (``config.service.stop_timeout_s``), its defaults
written once, on that dataclass.

Behind this face: ``schema``, the engine (fields, converters, rules, sections, registration, reading and
validating TOML); ``sections``, the monitor's own sections and :class:`MonitorConfig`; ``loader``, finding
and loading the file.
"""

from __future__ import annotations

from monitor.config.files import path_problems
from monitor.config.loader import (
    DEFAULT_PATH,
    ENV_VAR,
    ConfigReport,
    check_config,
    inspect_config,
    load_config,
    resolve_config_path,
)
from monitor.config.schema import (
    Context,
    Field,
    Problem,
    Rule,
    Section,
    env_field,
    parse_duration,
    parse_size,
    register_section,
    registered_sections,
    secret_from_env,
)
from monitor.config.sections import (
    ChannelOverrides,
    DeliverySettings,
    DigestSettings,
    EmailDeliverySettings,
    FeedDefaults,
    FeedEntry,
    FileDeliverySettings,
    MatchingSettings,
    MonitorConfig,
    RetentionSettings,
    ServiceSettings,
    SlackDeliverySettings,
    file_digest_dir,
)
from monitor.models import FetchSettings, StorageSettings, StorySettings

__all__ = [
    "ChannelOverrides",
    "ConfigReport",
    "Context",
    "DEFAULT_PATH",
    "DeliverySettings",
    "DigestSettings",
    "ENV_VAR",
    "EmailDeliverySettings",
    "FeedDefaults",
    "FeedEntry",
    "FetchSettings",
    "Field",
    "FileDeliverySettings",
    "MatchingSettings",
    "MonitorConfig",
    "Problem",
    "RetentionSettings",
    "Rule",
    "Section",
    "ServiceSettings",
    "SlackDeliverySettings",
    "StorageSettings",
    "StorySettings",
    "check_config",
    "env_field",
    "file_digest_dir",
    "inspect_config",
    "load_config",
    "parse_duration",
    "parse_size",
    "path_problems",
    "register_section",
    "registered_sections",
    "resolve_config_path",
    "secret_from_env",
]
