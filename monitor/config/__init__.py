"""Configuration: the TOML file a user writes, checked and turned into typed settings.

No HTTP, no SQL. Every problem is reported with its key path (``feeds[3].url``, ``digest.email.port``)
and all of them at once, so one run of `monitor config check` shows everything to fix.

Behind this face, ``schema`` holds the engine (sections of fields with converters and rules, registered
once) and the monitor's own sections.
"""

from __future__ import annotations

from monitor.config.schema import (
    DEFAULT_PATH,
    ENV_VAR,
    ConfigReport,
    Context,
    Field,
    MonitorConfig,
    Problem,
    Rule,
    Section,
    check_config,
    env_field,
    file_digest_dir,
    inspect_config,
    load_config,
    parse_duration,
    parse_size,
    register_section,
    resolve_config_path,
    secret_from_env,
    section_values,
)

__all__ = [
    "DEFAULT_PATH",
    "ENV_VAR",
    "ConfigReport",
    "Context",
    "Field",
    "MonitorConfig",
    "Problem",
    "Rule",
    "Section",
    "check_config",
    "env_field",
    "file_digest_dir",
    "inspect_config",
    "load_config",
    "parse_duration",
    "parse_size",
    "register_section",
    "resolve_config_path",
    "secret_from_env",
    "section_values",
]
