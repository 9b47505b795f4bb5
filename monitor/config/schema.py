"""Loading and validating the config file (``config/monitor.toml``).

Every setting is declared once, in a table: a :class:`Section` holds :class:`Field` entries (name,
converter, default, doc). The validator walks the parsed TOML against the registered sections and collects
*every* problem with its key path, so a user fixes a file in one pass instead of one error per run. A later
feature adds its settings with ``register_section("digest", [...])`` and reads them back with
``config.section("digest")``; no new code path is needed here. Anything not declared is an error with a
"did you mean" hint, because a misspelt key that silently falls back to its default is the worst kind of
config bug.

Secrets never live in the file (it gets committed, copied and pasted into bug reports): a key that looks
like a secret is an error, and a setting names an environment variable instead (``password_env =
"SMTP_PASSWORD"``), read where it is used with :func:`secret_from_env`.

Problems name their key with a 0-based index, plus the entry's name when it has one, the same way
everywhere::

    feeds[3] ("연합뉴스 경제").url: not an http(s) URL: 'ftp://example.com'

:func:`load_config` is what the program uses (a ConfigError carries every error; warnings are logged);
:func:`inspect_config` and :func:`check_config` return the problems instead, for `monitor config check`.
"""

from __future__ import annotations

import difflib
import logging
import math
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, Literal, TypeVar
from urllib.parse import SplitResult, urlsplit

from monitor.errors import ConfigError
from monitor.logs import ctx
from monitor.models import FeedSpec, FetchSettings, StorageSettings

log = logging.getLogger(__name__)

#: The environment variable that names the config file when ``--config`` is not given.
ENV_VAR = "MONITOR_CONFIG"
#: Where the config file is looked for last, relative to the current directory.
DEFAULT_PATH = Path("config/monitor.toml")
#: Polling a site more often than this is impolite, and news feeds don't change that fast anyway.
MIN_INTERVAL_S = 60.0
#: The floor for a feed on the operator's own machine or network (a loopback or private address, or
#: localhost): the politeness rule protects other people's servers, and soak tests and local relays need
#: faster cycles. Still not zero: a feed polled in a busy loop would starve the others.
LOCAL_MIN_INTERVAL_S = 5.0

Severity = Literal["error", "warning"]
_T = TypeVar("_T")


# --------------------------------------------------------------------------------------------------
# What the loader produces
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitorConfig:
    """A validated config: the settings the stages take, plus every registered section's values."""

    path: Path  # the config file (absolute)
    base_dir: Path  # its folder; relative paths in the file are relative to this
    storage: StorageSettings
    fetch: FetchSettings
    feeds: tuple[FeedSpec, ...]
    #: The parsed TOML as written.
    raw: Mapping[str, Any]
    #: Validated values of every registered section, defaults filled in: a mapping per ``[name]``, a tuple
    #: of mappings per ``[[name]]``. Empty for a config built by hand (tests, the demo).
    sections: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def section(self, name: str) -> Any:
        """The validated values of the registered section ``name`` (how later features read theirs)."""
        return self.sections[name]


@dataclass(frozen=True)
class Problem:
    """One thing wrong with a config file, located by its key path."""

    key: str  # "fetch.max_bytes", "feeds[3].url"; "" for the file as a whole
    message: str
    severity: Severity = "error"
    #: The name of the ``[[array]]`` entry the key is in (a feed's name), so "feeds[3]" can be found.
    item: str | None = None

    @property
    def where(self) -> str:
        """The key path as shown to people: ``feeds[3] ("연합뉴스 경제").url``."""
        if self.item is None:
            return self.key
        head, bracket, tail = self.key.partition("]")
        return f'{head}{bracket} ("{self.item}"){tail}'

    def __str__(self) -> str:
        return f"{self.where}: {self.message}" if self.key else self.message


@dataclass(frozen=True)
class ConfigReport:
    """Everything :func:`inspect_config` found: the problems and, when there were no errors, the config."""

    path: Path
    problems: tuple[Problem, ...]
    config: MonitorConfig | None

    @property
    def errors(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "error")

    @property
    def warnings(self) -> tuple[Problem, ...]:
        return tuple(p for p in self.problems if p.severity == "warning")

    @property
    def ok(self) -> bool:
        return not self.errors


# --------------------------------------------------------------------------------------------------
# Human units
# --------------------------------------------------------------------------------------------------

_DURATION_UNITS = {"d": 86400.0, "h": 3600.0, "m": 60.0, "s": 1.0, "ms": 0.001}
_DURATION_ORDER = list(_DURATION_UNITS)
_DURATION_PART = re.compile(r"\s*(\d+(?:\.\d+)?)\s*(ms|d|h|m|s)")
_DURATION = re.compile(rf"(?:{_DURATION_PART.pattern})+\s*")
_DURATION_HELP = 'use a number with a unit: "500ms", "30s", "15m", "1h30m", "2d"'

_SIZE_UNITS = {"b": 1, "kb": 10**3, "mb": 10**6, "gb": 10**9, "kib": 2**10, "mib": 2**20, "gib": 2**30}
_SIZE = re.compile(r"\s*(\d+(?:\.\d+)?)\s*([a-z]+)\s*", re.IGNORECASE)
_SIZE_HELP = 'use a number with a unit: "512KiB", "10MB", "1GiB" (KB/MB are powers of 1000)'


def parse_duration(value: str | int | float) -> float:
    """Seconds from a human duration: ``"500ms"``, ``"30s"``, ``"15m"``, ``"1h30m"``, ``"2d"``, or a number.

    A number is seconds. A string needs units, largest first, each at most once: ``"15"`` (minutes?) and
    ``"30m1h"`` are more likely mistakes than intentions, so they are refused rather than guessed at.
    """
    if isinstance(value, bool) or not isinstance(value, int | float | str):
        raise ValueError(f"not a duration: {value!r}; {_DURATION_HELP}")
    seconds = _duration_text(value) if isinstance(value, str) else float(value)
    if not math.isfinite(seconds):
        raise ValueError(f"not a duration: {value!r}; {_DURATION_HELP}")
    if seconds < 0:
        raise ValueError(f"must not be negative: {value!r}")
    return seconds


def _duration_text(text: str) -> float:
    if text.strip().startswith("-"):
        raise ValueError(f"must not be negative: {text!r}")
    if not _DURATION.fullmatch(text):
        raise ValueError(f"not a duration: {text!r}; {_DURATION_HELP}")
    parts = list(_DURATION_PART.finditer(text))
    ranks = [_DURATION_ORDER.index(m.group(2)) for m in parts]
    if ranks != sorted(set(ranks)):
        raise ValueError(f'not a duration: {text!r}; give units largest first, each once (e.g. "1h30m")')
    return sum(float(m.group(1)) * _DURATION_UNITS[m.group(2)] for m in parts)


def parse_size(value: str | int) -> int:
    """Bytes from a human size: ``"10MB"`` (10**7), ``"512KiB"`` (2**19), or a whole number of bytes."""
    if isinstance(value, bool) or not isinstance(value, int | str):
        raise ValueError(f"not a size: {value!r}; {_SIZE_HELP}")
    if isinstance(value, int):
        nbytes = value
    else:
        match = _SIZE.fullmatch(value)
        unit = _SIZE_UNITS.get(match.group(2).lower()) if match else None
        if match is None or unit is None:
            raise ValueError(f"not a size: {value!r}; {_SIZE_HELP}")
        nbytes = round(float(match.group(1)) * unit)
    if nbytes < 0:
        raise ValueError(f"must not be negative: {value!r}")
    return nbytes


# --------------------------------------------------------------------------------------------------
# The schema: converters, fields, sections
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class Context:
    """What a converter may need besides the value: where relative paths start, the environment."""

    base_dir: Path
    env: Mapping[str, str]


#: Turns a TOML value into the setting's value, or raises ``ValueError`` with a message for the user.
Convert = Callable[[Any, Context], Any]
#: Looks at a converted value and returns a warning for the user, or None.
Advise = Callable[[Any, Context], str | None]

#: The default of a field that must be given.
REQUIRED: Any = object()


@dataclass(frozen=True)
class Field:
    """One setting.

    A default is written the way the file would write it and goes through the same converter, so it is
    checked like a user's value; None means "not set".
    """

    name: str
    convert: Convert
    doc: str
    default: Any = REQUIRED
    #: The attribute of the settings dataclass this fills, when it differs (``connect_timeout_s``).
    attr: str | None = None
    advise: Advise | None = None


@dataclass(frozen=True)
class Rule:
    """A check across fields of one section, e.g. a timeout that must not exceed another.

    It runs whenever all its ``fields`` converted, even if other fields of the section are wrong, so a
    file's problems still come out in one pass. ``check`` returns a message about ``fields[0]``, or None.
    """

    fields: tuple[str, ...]
    check: Callable[[Mapping[str, Any]], str | None]


@dataclass(frozen=True)
class Section:
    """A ``[name]`` table (or ``[[name]]`` array of tables when ``many``); dotted names nest."""

    name: str
    fields: tuple[Field, ...]
    doc: str
    many: bool = False
    rules: tuple[Rule, ...] = ()

    @property
    def header(self) -> str:
        return f"[[{self.name}]]" if self.many else f"[{self.name}]"


class _ItemError(ValueError):
    """A problem with one element of a list value; the key path gets ``[index]``."""

    def __init__(self, index: int, message: str) -> None:
        super().__init__(message)
        self.index = index


_SECTIONS: dict[str, Section] = {}
_SECTION_NAME = re.compile(r"[a-z_][a-z0-9_]*(\.[a-z_][a-z0-9_]*)*")
_SECRET_KEY = re.compile(
    r"(^|_)(password|passwd|passphrase|token|secret|api_?key|webhook_url|private_key|credentials?)($|_)"
)
_ENV_NAME = re.compile(r"[A-Za-z_][A-Za-z0-9_]*")


def register_section(
    name: str,
    fields: Sequence[Field],
    *,
    doc: str,
    many: bool = False,
    rules: Sequence[Rule] = (),
) -> Section:
    """Declare a config section so its keys are validated, defaulted and reported like the built-in ones.

    The registering module must be imported before :func:`load_config` runs (the CLI imports every command
    module when it builds its parser); an unregistered section in the file is an error.
    """
    if not _SECTION_NAME.fullmatch(name):
        raise ValueError(f"config section name {name!r}: use lower-case words joined by dots")
    if name in _SECTIONS:
        raise ValueError(f"config section [{name}] is already registered")
    for f in fields:
        if _looks_secret(f.name):
            raise ValueError(f"{name}.{f.name}: secrets never live in the file; declare it with env_field()")
        if f.name.endswith("_env") != (f.convert is env_var_name):
            raise ValueError(f"{name}.{f.name}: a *_env setting, and only it, names an environment variable")
    section = Section(name, tuple(fields), doc, many, tuple(rules))
    _SECTIONS[name] = section
    return section


def _looks_secret(key: str) -> bool:
    return not key.endswith("_env") and _SECRET_KEY.search(key) is not None


# Converters. Messages complete "<key>: ..." and say what would be accepted.

_TOML_TYPES = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}


def _type_error(expected: str, value: Any) -> ValueError:
    kind = _TOML_TYPES.get(type(value), "date/time")
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    return ValueError(f"must be {expected}, not {kind} {shown}")


def _fmt_seconds(seconds: float) -> str:
    """3600 → "1h", 90 → "1m30s", 0.5 → "500ms": messages show durations the way the file writes them."""
    if seconds != int(seconds):
        return f"{seconds * 1000:g}ms" if seconds < 1 else f"{seconds:g}s"
    parts, rest = [], int(seconds)
    for unit in ("d", "h", "m", "s"):
        count, rest = divmod(rest, int(_DURATION_UNITS[unit]))
        if count:
            parts.append(f"{count}{unit}")
    return "".join(parts) or "0s"


def boolean(value: Any, context: Context) -> bool:
    if not isinstance(value, bool):
        raise _type_error("true or false", value)
    return value


def integer(minimum: int = 0) -> Convert:
    def convert(value: Any, context: Context) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise _type_error("a whole number", value)
        if value < minimum:
            raise ValueError(
                f"must not be negative (got {value})"
                if minimum == 0
                else f"must be at least {minimum} (got {value})"
            )
        return value

    return convert


def duration(minimum: float = 0.0, *, allow_zero: bool = True, reason: str = "") -> Convert:
    """A converter to seconds; ``reason`` explains a minimum to the user."""

    def convert(value: Any, context: Context) -> float:
        if isinstance(value, bool) or not isinstance(value, int | float | str):
            raise _type_error('a duration like "30s" or "15m"', value)
        seconds = parse_duration(value)
        if seconds == 0 and not allow_zero:
            raise ValueError("must be more than 0")
        if seconds < minimum:
            because = f" ({reason})" if reason else ""
            shown = _fmt_seconds(seconds)
            raise ValueError(f"{shown} is below the minimum of {_fmt_seconds(minimum)}{because}")
        return seconds

    return convert


def size(minimum: int = 1) -> Convert:
    def convert(value: Any, context: Context) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise _type_error('a size like "10MB"', value)
        nbytes = parse_size(value)
        if nbytes < minimum:
            raise ValueError(f"must be at least {minimum} bytes (got {nbytes})")
        return nbytes

    return convert


def _clean_text(value: str) -> str:
    # Korean typed on macOS can arrive decomposed (NFD); NFC makes equal names compare equal.
    return unicodedata.normalize("NFC", value.strip())


def text(value: Any, context: Context) -> str:
    if not isinstance(value, str):
        raise _type_error("a string", value)
    if not value.strip():
        raise ValueError("must not be empty")
    return _clean_text(value)


def http_url(value: Any, context: Context) -> str:
    if not isinstance(value, str):
        raise _type_error('a URL like "https://www.yna.co.kr/rss/economy.xml"', value)
    url = value.strip()
    if any(ch.isspace() for ch in url):
        raise ValueError(f"contains whitespace; percent-encode it (a space is %20): {url!r}")
    parts = _split_http_url(url)
    if parts is None:
        raise ValueError(f"not an http(s) URL: {url!r}")
    if parts.username is not None or parts.password is not None:
        raise ValueError("must not contain a user name or password; secrets never live in the config file")
    return url


def _split_http_url(url: str) -> SplitResult | None:
    """The parts of an http(s) URL with a host and a usable port, else None."""
    try:
        parts = urlsplit(url)
        port_ok = parts.port is None or parts.port > 0  # .port raises ValueError for "x" or 99999
    except ValueError:  # also a malformed IPv6 literal
        return None
    if parts.scheme.lower() in ("http", "https") and parts.hostname and port_ok:
        return parts
    return None


def encoding(value: Any, context: Context) -> str:
    if not isinstance(value, str):
        raise _type_error('an encoding name like "cp949"', value)
    try:
        "a".encode(value)  # LookupError for unknown names and for non-text codecs ("rot13") alike
    except LookupError:
        raise ValueError(
            f'unknown encoding {value!r} (Korean sites mostly use "utf-8", "cp949" or "euc-kr")'
        ) from None
    return value


def language(value: Any, context: Context) -> str:
    """A feed's language: "ko" or "en" (absent: detected per article, see monitor.lang.detect)."""
    if value not in ("ko", "en"):
        raise ValueError(f'must be "ko" or "en", not {value!r} (leave it out to detect it from the text)')
    return str(value)


def string_list(value: Any, context: Context) -> tuple[str, ...]:
    if not isinstance(value, list | tuple):
        raise _type_error('a list of strings like ["economy", "wire"]', value)
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise _ItemError(index, f"must be a non-empty string, not {item!r}")
    return tuple(_clean_text(item) for item in value)


def file_path(value: Any, context: Context) -> str:
    """An absolute path; a relative one is taken from the config file's folder, not the current one, so
    the monitor finds the same files whichever directory cron or systemd starts it in."""
    if not isinstance(value, str):
        raise _type_error("a path", value)
    if not value.strip():
        raise ValueError("must not be empty")
    path = Path(value).expanduser()
    return os.path.normpath(path if path.is_absolute() else context.base_dir / path)


def env_var_name(value: Any, context: Context) -> str:
    if not isinstance(value, str) or not _ENV_NAME.fullmatch(value):
        raise ValueError(
            'must name an environment variable (letters, digits and _, e.g. "SMTP_PASSWORD"), '
            f"not {value!r}; the secret itself goes in that variable"
        )
    return value


def _env_var_is_set(value: str, context: Context) -> str | None:
    if context.env.get(value):
        return None
    return f"environment variable {value} is not set here; it must be where the monitor runs"


def env_field(name: str, doc: str, *, required: bool = False) -> Field:
    """A ``<name>_env`` setting: names the environment variable that holds the secret ``name``."""
    return Field(
        f"{name}_env", env_var_name, doc, default=REQUIRED if required else None, advise=_env_var_is_set
    )


def secret_from_env(env_name: str, env: Mapping[str, str] = os.environ, *, key: str | None = None) -> str:
    """The secret held by environment variable ``env_name``; ``key`` is the setting that named it."""
    value = env.get(env_name, "")
    if value:
        return value
    setting = f"{key} = {env_name!r}: " if key else ""
    error = ConfigError([f"{setting}environment variable {env_name} is not set or empty"])
    error.hint = f"set {env_name} in the environment the monitor runs in (shell, systemd unit, docker -e)"
    raise error


# --------------------------------------------------------------------------------------------------
# Finding the file
# --------------------------------------------------------------------------------------------------


def resolve_config_path(cli_value: str | None, env: Mapping[str, str] = os.environ) -> Path:
    """``--config`` if given, else ``$MONITOR_CONFIG``, else ``./config/monitor.toml``; absolute."""
    if cli_value is not None:
        candidate, source = cli_value, "given with --config"
    elif env.get(ENV_VAR):
        candidate, source = env[ENV_VAR], f"named by ${ENV_VAR}"
    else:
        candidate, source = str(DEFAULT_PATH), "the default, as neither --config nor $MONITOR_CONFIG was set"
    path = Path(candidate).expanduser().absolute()
    if not path.is_file():
        what = "is a directory, not a file" if path.is_dir() else "not found"
        error = ConfigError([f"config file {what}: {path} ({source})"])
        error.hint = f"pass --config PATH, or set {ENV_VAR}, or run from the folder that holds {DEFAULT_PATH}"
        raise error
    return path


# --------------------------------------------------------------------------------------------------
# Loading and checking
# --------------------------------------------------------------------------------------------------


def load_config(path: Path | str, env: Mapping[str, str] = os.environ) -> MonitorConfig:
    """The validated config; ConfigError listing every error otherwise. Warnings are logged."""
    report = inspect_config(path, env)
    if report.config is None:
        raise ConfigError([str(p) for p in report.errors], str(report.path))
    for warning in report.warnings:
        log.warning("%s: %s", report.path, warning, extra=ctx(stage="config"))
    return report.config


def check_config(path: Path | str, env: Mapping[str, str] = os.environ) -> list[Problem]:
    """Every problem in the file, errors and warnings, sorted by key path; empty when all is well."""
    return list(inspect_config(path, env).problems)


def inspect_config(path: Path | str, env: Mapping[str, str] = os.environ) -> ConfigReport:
    """Read, validate and (when there are no errors) build the config, in one pass that misses nothing."""
    path = Path(path).expanduser().absolute()
    try:
        raw = _read_toml(path)
    except ValueError as exc:
        return ConfigReport(path, (Problem("", str(exc)),), None)
    context = Context(base_dir=path.parent, env=env)
    problems = [*_secret_problems(raw), *_structure_problems(raw, "", "")]
    values = _convert_sections(raw, context, problems)
    problems.extend(_feed_list_problems(raw.get("feeds")))
    config = None
    if not any(p.severity == "error" for p in problems):
        config = _build(path, raw, values)
        if config.feeds and not any(f.enabled for f in config.feeds):
            problems.append(Problem("feeds", "every feed is disabled; nothing will be polled", "warning"))
        matching = config.sections.get("matching") if config.sections else None
        if matching and matching["enabled"] and not Path(matching["topics"]).is_file():
            # Not an error: the monitor runs and stores articles unmatched; but it is most likely a typo.
            problems.append(
                Problem(
                    "matching.topics",
                    f"no file at {matching['topics']}; articles will be stored unmatched until it exists",
                    "warning",
                )
            )
    return ConfigReport(path, tuple(sorted(problems, key=lambda p: _natural(p.key))), config)


def _read_toml(path: Path) -> dict[str, Any]:
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ValueError(f"cannot read the file: {exc.strerror}") from None
    try:
        source = data.decode("utf-8-sig")  # Windows editors like to start UTF-8 with a BOM
    except UnicodeDecodeError as exc:
        line = data[: exc.start].count(b"\n") + 1
        raise ValueError(f"not UTF-8 text (line {line}); save the file as UTF-8, not cp949/EUC-KR") from None
    try:
        return tomllib.loads(source)
    except tomllib.TOMLDecodeError as exc:
        raise ValueError(f"invalid TOML: {exc}") from None


def _natural(key: str) -> list[Any]:
    """Sort key putting feeds[2] before feeds[10]."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key)]


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def _item_name(item: Any) -> str | None:
    name = item.get("name") if isinstance(item, dict) else None
    return _clean_text(name) if isinstance(name, str) and name.strip() else None


def _secret_problems(node: Any, where: str = "", item: str | None = None) -> Iterator[Problem]:
    """Secret-looking keys anywhere in the file, even inside unknown sections: the leak is the problem."""
    if isinstance(node, dict):
        for key, value in node.items():
            if _looks_secret(key):
                message = (
                    "secrets never live in the config file; put the value in an environment variable "
                    f'and name it with {key}_env = "VARIABLE_NAME"'
                )
                yield Problem(_join(where, key), message, item=item)
            else:
                yield from _secret_problems(value, _join(where, key), item)
    elif isinstance(node, list):
        for index, element in enumerate(node):
            yield from _secret_problems(element, f"{where}[{index}]", _item_name(element) or item)


def _child_sections(schema_path: str) -> dict[str, str]:
    """The next name component of every registered section below ``schema_path`` → its dotted path."""
    prefix = f"{schema_path}." if schema_path else ""
    children = {}
    for name in _SECTIONS:
        if name.startswith(prefix):
            component = name[len(prefix) :].split(".", 1)[0]
            children[component] = prefix + component
    return children


def _structure_problems(
    node: Mapping[str, Any], schema_path: str, where: str, item: str | None = None
) -> Iterator[Problem]:
    """Unknown keys and sections, and sections of the wrong shape; values are checked by their fields."""
    section = _SECTIONS.get(schema_path)
    fields = {f.name for f in section.fields} if section else set()
    children = _child_sections(schema_path)
    for key, value in node.items():
        if _looks_secret(key) or key in fields:
            continue
        if key in children:
            yield from _section_shape_problems(children[key], value, _join(where, key))
        else:
            message = _unknown_message(key, value, fields | children.keys())
            yield Problem(_join(where, key), message, item=item)


def _section_shape_problems(schema_path: str, value: Any, where: str) -> Iterator[Problem]:
    section = _SECTIONS.get(schema_path)
    if section is not None and section.many:
        if not isinstance(value, list):
            yield Problem(where, f"must be an array of tables: start each entry with {section.header}")
            return
        for index, element in enumerate(value):
            if isinstance(element, dict):
                yield from _structure_problems(element, schema_path, f"{where}[{index}]", _item_name(element))
            else:
                yield Problem(f"{where}[{index}]", f"must be a table: start each entry with {section.header}")
    elif isinstance(value, dict):
        yield from _structure_problems(value, schema_path, where)
    else:
        yield Problem(where, f"must be a table: write [{schema_path}] on a line of its own, then its keys")


def _unknown_message(key: str, value: Any, known: Iterable[str]) -> str:
    is_table = isinstance(value, dict) or (
        isinstance(value, list) and bool(value) and all(isinstance(v, dict) for v in value)
    )
    kind = "section" if is_table else "key"
    close = difflib.get_close_matches(key, sorted(known), n=1)
    if close:
        return f'unknown {kind} (did you mean "{close[0]}"?)'
    homes = [s.header for s in _SECTIONS.values() if any(f.name == key for f in s.fields)]
    if homes:
        return (
            f"unknown {kind} here; it is a setting of {homes[0]} (a key belongs to the nearest "
            f"[header] above it)"
        )
    if kind == "section":
        return f"unknown section (known: {', '.join(sorted(known))})"
    return "unknown key"


def _lookup(raw: Mapping[str, Any], dotted: str) -> Any:
    node: Any = raw
    for part in dotted.split("."):
        node = node.get(part) if isinstance(node, dict) else None
    return node


def _convert_sections(raw: Mapping[str, Any], context: Context, problems: list[Problem]) -> dict[str, Any]:
    """Convert every registered section, appending problems; a section with errors maps to None."""
    values: dict[str, Any] = {}
    for section in _SECTIONS.values():
        node = _lookup(raw, section.name)
        if section.many:
            entries = node if isinstance(node, list) else []
            values[section.name] = tuple(
                _convert_table(section, entry, f"{section.name}[{i}]", context, problems, _item_name(entry))
                for i, entry in enumerate(entries)
                if isinstance(entry, dict)
            )
        else:
            table = node if isinstance(node, dict) else {}
            values[section.name] = _convert_table(section, table, section.name, context, problems)
    return values


def _convert_table(
    section: Section,
    table: Mapping[str, Any],
    where: str,
    context: Context,
    problems: list[Problem],
    item: str | None = None,
) -> dict[str, Any] | None:
    values: dict[str, Any] = {}
    found: list[Problem] = []
    for f in section.fields:
        key = _join(where, f.name)
        given = table.get(f.name, f.default)
        if given is REQUIRED:
            found.append(
                Problem(
                    key,
                    f"missing; every {section.header} entry needs it"
                    if section.many
                    else "missing; it has no default",
                    item=item,
                )
            )
            continue
        if given is None:
            values[f.name] = None
            continue
        try:
            values[f.name] = f.convert(given, context)
        except _ItemError as exc:
            found.append(Problem(f"{key}[{exc.index}]", str(exc), item=item))
            continue
        except ValueError as exc:
            found.append(Problem(key, str(exc), item=item))
            continue
        note = f.advise(values[f.name], context) if f.advise else None
        if note:
            found.append(Problem(key, note, "warning", item=item))
    for rule in section.rules:
        message = rule.check(values) if all(name in values for name in rule.fields) else None
        if message:
            found.append(Problem(_join(where, rule.fields[0]), message, item=item))
    problems.extend(found)
    return None if any(p.severity == "error" for p in found) else values


# --------------------------------------------------------------------------------------------------
# The feed list, and building the dataclasses
# --------------------------------------------------------------------------------------------------


def _feed_list_problems(feeds: Any) -> Iterator[Problem]:
    """Cross-entry problems, from the raw entries so they show up next to any per-field errors."""
    if feeds is None or feeds == []:
        message = "no feeds configured; add [[feeds]] entries, or nothing will be polled"
        yield Problem("feeds", message, "warning")
        return
    if not isinstance(feeds, list):
        return  # the shape problem is reported already
    seen_names: dict[str, int] = {}
    seen_urls: dict[str, int] = {}
    for index, entry in enumerate(feeds):
        name = _item_name(entry)
        url = entry.get("url") if isinstance(entry, dict) else None
        if name is not None:
            if name in seen_names:
                message = (
                    f"duplicate of feeds[{seen_names[name]}]; feed names must be unique "
                    "(the database keys a feed's history by name)"
                )
                yield Problem(f"feeds[{index}].name", message, item=name)
            seen_names.setdefault(name, index)
        if isinstance(url, str):
            same = _url_identity(url)
            if same in seen_urls:
                first = seen_urls[same]
                other = _item_name(feeds[first])
                shown = f'feeds[{first}] ("{other}")' if other else f"feeds[{first}]"
                yield Problem(f"feeds[{index}].url", f"same URL as {shown}", item=name)
            seen_urls.setdefault(same, index)


def _local_interval(values: Mapping[str, Any]) -> str | None:
    """A feed's own interval may go below a minute only when the feed is on the operator's own host or
    network; [feed_defaults] applies to every feed, so it keeps the public floor."""
    interval, url = values["interval"], values["url"]
    if interval is None or interval >= MIN_INTERVAL_S or _is_local(url):
        return None
    return (
        f"{_fmt_seconds(interval)} is below the minimum of {_fmt_seconds(MIN_INTERVAL_S)} "
        "(polite polling: "
        "at most once a minute per feed; only a feed on a loopback or private address may poll faster, "
        f"down to {_fmt_seconds(LOCAL_MIN_INTERVAL_S)})"
    )


def _is_local(url: str) -> bool:
    """Is the URL's host localhost or a loopback/private/link-local IP literal (never resolved here)?"""
    import ipaddress

    try:
        host = urlsplit(url).hostname or ""
    except ValueError:
        return False
    if host == "localhost" or host.endswith(".localhost"):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_private or address.is_link_local


def _url_identity(url: str) -> str:
    """Scheme and host are case-insensitive; the rest of a URL is not."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # malformed, and reported as such by its field
        return url.strip()
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()


def _build(path: Path, raw: dict[str, Any], values: dict[str, Any]) -> MonitorConfig:
    defaults = values["feed_defaults"]
    return MonitorConfig(
        path=path,
        base_dir=path.parent,
        storage=_settings(StorageSettings, "storage", values["storage"]),
        fetch=_settings(FetchSettings, "fetch", values["fetch"]),
        feeds=tuple(_feed_spec(entry, defaults) for entry in values["feeds"]),
        raw=MappingProxyType(raw),
        sections=MappingProxyType(values),
    )


def _settings(cls: type[_T], name: str, values: Mapping[str, Any]) -> _T:
    return cls(**{f.attr or f.name: values[f.name] for f in _SECTIONS[name].fields})


def _feed_spec(entry: Mapping[str, Any], defaults: Mapping[str, Any]) -> FeedSpec:
    def pick(key: str) -> Any:
        return defaults[key] if entry[key] is None else entry[key]

    return FeedSpec(
        name=entry["name"],
        url=entry["url"],
        interval_s=round(pick("interval")),
        enabled=pick("enabled"),
        encoding=pick("encoding"),
        fetch_articles=pick("fetch_articles"),
        tags=entry["tags"],
        language=entry["language"],
    )


# --------------------------------------------------------------------------------------------------
# The built-in sections. Defaults come from the dataclasses, so there is one place for each.
# --------------------------------------------------------------------------------------------------

_FETCH = FetchSettings()
_FEED = FeedSpec(name="", url="")
_INTERVAL = duration(MIN_INTERVAL_S, reason="polite polling: at most once a minute per feed")
#: A feed's own interval: checked against MIN_INTERVAL_S with its URL in view (_interval_problems).
_FEED_INTERVAL = duration(
    LOCAL_MIN_INTERVAL_S, reason="even a feed on a loopback or private address polls at most every 5s"
)


def _fetch_at_most(name: str, limit: str) -> Rule:
    """fetch.<name> must not exceed fetch.<limit> (both durations)."""

    def check(values: Mapping[str, Any]) -> str | None:
        if values[name] <= values[limit]:
            return None
        return f"must not exceed fetch.{limit} ({_fmt_seconds(values[limit])})"

    return Rule((name, limit), check)


register_section(
    "storage",
    [
        Field(
            "path",
            file_path,
            "SQLite database file, relative to the config file's folder",
            default="data/monitor.db",
        )
    ],
    doc="Where the monitor keeps what it has seen.",
)

register_section(
    "fetch",
    [
        Field("user_agent", text, "how the monitor names itself to sites", _FETCH.user_agent),
        Field(
            "connect_timeout",
            duration(allow_zero=False),
            "limit for opening a connection",
            _FETCH.connect_timeout_s,
            attr="connect_timeout_s",
        ),
        Field(
            "read_timeout",
            duration(allow_zero=False),
            "limit for a pause while reading",
            _FETCH.read_timeout_s,
            attr="read_timeout_s",
        ),
        Field(
            "total_timeout",
            duration(allow_zero=False),
            "limit for one whole request",
            _FETCH.total_timeout_s,
            attr="total_timeout_s",
        ),
        Field("max_bytes", size(), "largest body accepted, after decompression", _FETCH.max_bytes),
        Field("max_redirects", integer(0), "redirects followed per request", _FETCH.max_redirects),
        Field(
            "per_host_concurrency", integer(1), "requests in flight to one host", _FETCH.per_host_concurrency
        ),
        Field(
            "per_host_delay",
            duration(),
            "pause between two requests to one host",
            _FETCH.per_host_delay_s,
            attr="per_host_delay_s",
        ),
        Field("total_concurrency", integer(1), "requests in flight overall", _FETCH.total_concurrency),
        Field("article_concurrency", integer(1), "article pages fetched at once", _FETCH.article_concurrency),
        Field(
            "allow_private_networks",
            boolean,
            "follow links into private/loopback addresses",
            _FETCH.allow_private_networks,
        ),
        Field(
            "backoff_base",
            duration(allow_zero=False),
            "first wait after a feed fails",
            _FETCH.backoff_base_s,
            attr="backoff_base_s",
        ),
        Field(
            "backoff_max",
            duration(allow_zero=False),
            "longest wait after repeated failures",
            _FETCH.backoff_max_s,
            attr="backoff_max_s",
        ),
    ],
    doc="How the monitor talks HTTP: timeouts, size caps and politeness.",
    rules=[
        _fetch_at_most("connect_timeout", "total_timeout"),
        _fetch_at_most("read_timeout", "total_timeout"),
        _fetch_at_most("backoff_base", "backoff_max"),
    ],
)

register_section(
    "feed_defaults",
    [
        Field("interval", _INTERVAL, "time between two polls of a feed", _FEED.interval_s),
        Field("enabled", boolean, "whether feeds are polled", _FEED.enabled),
        Field(
            "fetch_articles", boolean, "fetch each entry's page for the article text", _FEED.fetch_articles
        ),
        Field("encoding", encoding, "charset override for feeds that declare theirs wrongly", None),
    ],
    doc="Values every [[feeds]] entry takes unless it sets its own.",
)


def fraction(value: Any, context: Context) -> float:
    """A number in (0, 1], such as a relevance threshold."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _type_error("a number between 0 and 1", value)
    if not 0 < value <= 1:
        raise ValueError(f"must be greater than 0 and at most 1, not {value}")
    return float(value)


register_section(
    "matching",
    [
        Field("enabled", boolean, "match every new article against the topics during polls", True),
        # A missing file is not an error here (a config can be for polling only); the poll logs it.
        Field("topics", file_path, "the topics file, relative to this file's folder", "topics.toml"),
        Field(
            "threshold",
            fraction,
            "relevance threshold; overrides [scoring].threshold in the topics file",
            None,
        ),
        Field(
            "morphology", boolean, "use the Korean analyser where particles decide a match (~330 MB)", True
        ),
    ],
    doc="Which articles are relevant, and why (see config/topics.toml).",
)

register_section(
    "feeds",
    [
        Field("name", text, "unique name, shown in status and digests"),
        Field("url", http_url, "the RSS/Atom URL"),
        Field(
            "interval",
            _FEED_INTERVAL,
            "overrides feed_defaults.interval (below 1m only for a feed on a loopback or private address)",
            None,
        ),
        Field("enabled", boolean, "overrides feed_defaults.enabled", None),
        Field("fetch_articles", boolean, "overrides feed_defaults.fetch_articles", None),
        Field("encoding", encoding, "overrides feed_defaults.encoding", None),
        Field("tags", string_list, "labels for filtering and digests", ()),
        Field(
            "language",
            language,
            'the language its articles are written in, "ko" or "en"; '
            "detected from each article's letters when absent",
            None,
        ),
    ],
    doc="One entry per feed.",
    rules=[Rule(("interval", "url"), _local_interval)],
    many=True,
)


# --- digests and delivery (issue 5) ---

#: Weekdays 08:00 and 17:00 in Asia/Seoul: before the working day and before it ends.
DEFAULT_SCHEDULES = ("0 8 * * mon-fri", "0 17 * * mon-fri")
_QUIET = re.compile(r"\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*")


def cron_list(value: Any, context: Context) -> tuple[str, ...]:
    """Five-field cron expressions, each checked by APScheduler (which the scheduler runs them with)."""
    from apscheduler.triggers.cron import CronTrigger  # loaded on use

    exprs = string_list(value, context)
    if not exprs:
        raise ValueError('must list at least one cron expression, e.g. ["0 8 * * mon-fri"]')
    for index, expr in enumerate(exprs):
        if len(expr.split()) != 5:
            raise _ItemError(
                index,
                f"{expr!r} is not a cron expression: give five fields, "
                '"minute hour day month weekday", e.g. "0 8 * * mon-fri"',
            )
        try:
            CronTrigger.from_crontab(expr, timezone="Asia/Seoul")
        except ValueError as exc:
            raise _ItemError(index, f"{expr!r} is not a valid cron expression: {exc}") from None
    return exprs


def quiet_hours(value: Any, context: Context) -> tuple[int, int]:
    """ "22:00-07:00" (KST) → minutes of the day (start, end); the span may cross midnight."""
    if not isinstance(value, str):
        raise _type_error('a span like "22:00-07:00"', value)
    match = _QUIET.fullmatch(value)
    if match is None:
        raise ValueError(f'not a span of hours: {value!r}; write "HH:MM-HH:MM" in KST, e.g. "22:00-07:00"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ValueError(f"{value!r} is an empty span; leave quiet_hours unset for none")
    return start, end


def _security(value: Any, context: Context) -> str:
    if value not in ("starttls", "tls", "none"):
        raise ValueError(
            f'must be "starttls" (port 587), "tls" (port 465) or "none" (a local relay), not {value!r}'
        )
    return str(value)


def _address(value: Any, context: Context) -> str:
    address = text(value, context)
    if "@" not in address or any(ch in address for ch in "\r\n"):
        raise ValueError(f"not an e-mail address: {address!r}")
    return address


def _addresses(value: Any, context: Context) -> tuple[str, ...]:
    if isinstance(value, str):
        value = [value]
    items = string_list(value, context)
    if not items:
        raise ValueError('must list at least one address, e.g. ["analyst@example.org"]')
    for index, item in enumerate(items):
        if "@" not in item:
            raise _ItemError(index, f"not an e-mail address: {item!r}")
    return items


def _port(value: Any, context: Context) -> int:
    port = integer(1)(value, context)
    if port > 65535:
        raise ValueError(f"must be a TCP port (1-65535), not {port}")
    return int(port)


def _cap(value: Any, context: Context) -> int:
    return int(integer(1)(value, context))


#: Keys of [digest] a channel may override in its [delivery.*] table; None there means "as [digest]".
def _overrides() -> list[Field]:
    return [
        Field("enabled", boolean, "send digests to this channel (default: on when configured)", None),
        Field("schedules", cron_list, "overrides digest.schedules for this channel", None),
        Field("threshold", fraction, "overrides digest.threshold", None),
        Field("cap", _cap, "overrides digest.cap", None),
        Field("send_empty", boolean, "overrides digest.send_empty", None),
        Field("quiet_hours", quiet_hours, "overrides digest.quiet_hours", None),
        Field("alert_threshold", fraction, "overrides digest.alert_threshold", None),
    ]


def _all_or_none(*names: str) -> Rule:
    def check(values: Mapping[str, Any]) -> str | None:
        given = [n for n in names if values[n] is not None]
        if given and len(given) < len(names):
            missing = ", ".join(n for n in names if values[n] is None)
            return f"also set {missing}: a mail channel needs {', '.join(names)}"
        return None

    return Rule(names, check)


def _alert_above_threshold(values: Mapping[str, Any]) -> str | None:
    alert, threshold = values["alert_threshold"], values["threshold"]
    if alert is not None and threshold is not None and alert < threshold:
        return f"must not be below digest.threshold ({threshold:g}): an alert is for the strongest stories"
    return None


register_section(
    "digest",
    [
        Field(
            "schedules",
            cron_list,
            "when digests go out: cron expressions in Asia/Seoul",
            list(DEFAULT_SCHEDULES),
        ),
        Field("threshold", fraction, "least story score for a digest; unset: every relevant story", None),
        Field("cap", _cap, 'stories shown per digest; the rest are counted in an "and N more" line', 20),
        Field("send_empty", boolean, 'send a "nothing new" digest instead of skipping it', False),
        Field("quiet_hours", quiet_hours, 'no digests or alerts in this KST span, e.g. "22:00-07:00"', None),
        Field(
            "alert_threshold",
            fraction,
            "score at which a story is sent at once as an alert; unset: off",
            None,
        ),
        Field(
            "alert_window",
            duration(allow_zero=False),
            "alerts only for stories first seen this recently",
            "6h",
        ),
        Field("max_age", duration(allow_zero=False), "stories that changed longer ago are not sent", "3d"),
        Field(
            "update_min_outlets", integer(1), "more outlets since a story was sent that make it an update", 2
        ),
        Field(
            "claim_ttl",
            duration(60.0, reason="a digest run must have time to send"),
            "how long a run may hold a channel before another may take it over",
            "30m",
        ),
        Field("retry_base", duration(allow_zero=False), "first wait after a channel failed", "5m"),
        Field("retry_max", duration(allow_zero=False), "longest wait after repeated failures", "6h"),
    ],
    doc="What a digest holds and when it goes out (every [delivery.*] channel may override these).",
    rules=[
        Rule(("alert_threshold", "threshold"), _alert_above_threshold),
        Rule(
            ("retry_base", "retry_max"),
            lambda v: (
                None
                if v["retry_base"] <= v["retry_max"]
                else f"must not exceed digest.retry_max ({_fmt_seconds(v['retry_max'])})"
            ),
        ),
    ],
)

register_section(
    "delivery.file",
    [
        Field(
            "dir",
            file_path,
            "where digest files go, relative to this file's folder (default: digests/ "
            "next to the database, so on the same volume: config/data/digests for the shipped config)",
            None,
        ),
        *_overrides(),
    ],
    doc="Markdown and HTML digest files; the channel used when no other is configured.",
)

register_section(
    "delivery.email",
    [
        Field("host", text, "SMTP server", None),
        Field("port", _port, "SMTP port (587 for starttls, 465 for tls)", 587),
        Field("security", _security, '"starttls" | "tls" | "none" (a local relay only)', "starttls"),
        Field("from", _address, 'sender address, e.g. "한미일 모니터 <monitor@example.org>"', None),
        Field("to", _addresses, "recipient addresses", None),
        env_field("username", "environment variable holding the SMTP user name"),
        env_field("password", "environment variable holding the SMTP password"),
        Field("timeout", duration(allow_zero=False), "limit for each SMTP step", "30s"),
        *_overrides(),
    ],
    doc="Digests by e-mail (multipart text + HTML).",
    rules=[_all_or_none("host", "from", "to")],
)

register_section(
    "delivery.slack",
    [
        env_field("webhook_url", "environment variable holding the Slack incoming-webhook URL"),
        Field("timeout", duration(allow_zero=False), "limit for each webhook request", "10s"),
        *_overrides(),
    ],
    doc="Digests to a Slack channel through an incoming webhook (Block Kit).",
)


def file_digest_dir(config: MonitorConfig) -> Path:
    """Where the file channel writes: ``[delivery.file] dir``, else ``digests/`` beside the database.

    Beside the database rather than beside the config: in the container only the database's folder is a
    volume the service may write (config/ itself belongs to root), and the data and its digests belong
    together wherever ``storage.path`` puts them."""
    configured = section_values(config, "delivery.file")["dir"]
    return Path(configured) if configured else Path(config.storage.path).parent / "digests"


def section_values(config: MonitorConfig, name: str) -> Mapping[str, Any]:
    """``config.section(name)``, or the section's defaults for a config built by hand (tests, scripts)."""
    if name in config.sections:
        return config.sections[name]
    problems: list[Problem] = []
    values = _convert_table(_SECTIONS[name], {}, name, Context(config.base_dir, os.environ), problems)
    if values is None:  # a default that fails its own converter is a bug here, not the user's
        raise AssertionError(f"defaults of [{name}] do not validate: {problems}")
    return MappingProxyType(values)


# --- stories (issue 4) ---

#: The longest a story may stay open after its last development: a year open defeats the point.
MAX_CLOSE_AFTER_HOURS = 24 * 366


def close_after_hours(value: Any, context: Context) -> float:
    """Hours (a number, e.g. 72 or 36.5) a story keeps accepting members after its last development."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise _type_error("a number of hours like 72", value)
    if not math.isfinite(value) or value <= 0:
        raise ValueError(f"must be more than 0 hours, not {value}")
    if value > MAX_CLOSE_AFTER_HOURS:
        raise ValueError(
            f"must be at most {MAX_CLOSE_AFTER_HOURS} hours (a year), not {value:g}: a story "
            "open that long chains a recurring column into one"
        )
    return float(value)


register_section(
    "stories",
    [
        Field("enabled", boolean, "cluster every new article into a story during polls", True),
        Field(
            "window",
            duration(allow_zero=False),
            'how far apart in time two reports of one story can be (e.g. "72h")',
            72 * 3600.0,
        ),
        Field(
            "near_duplicate",
            fraction,
            "estimated body similarity (Jaccard of shingles) that makes a copy of the same article",
            0.6,
        ),
        Field(
            "same_event",
            fraction,
            "combined headline/key-term score that makes another write-up of the same event",
            0.5,
        ),
        # Issue 14: a recurring item (a daily column, a morning briefing, a weekly price table) must not
        # chain into one story for months. The clusterer reads it as settings["close_after_hours"] in
        # StoryTracker.from_settings; the store keeps each story's last_development_at it counts from.
        Field(
            "close_after_hours",
            close_after_hours,
            "hours after its last development (the latest new outlet's first report) that a story "
            "stops accepting members",
            72.0,
        ),
    ],
    doc="Stories: one development however many outlets carried it (issue 4).",
)


# --- service: `monitor run` (issue 6) ---


def clock_time(value: Any, context: Context) -> str:
    """A time of day, "HH:MM" (24 h, KST)."""
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
        raise _type_error('a time of day like "04:30" (24-hour, KST)', value)
    return value.strip()


register_section(
    "service",
    [
        Field(
            "jitter",
            duration(),
            "random delay (0 to this) added to every poll, so feeds on one host "
            "don't fire together; capped at a quarter of the feed's interval",
            "30s",
        ),
        Field(
            "poll_lanes",
            integer(1),
            "poll cycles that may run at once; a feed stalling until its "
            "timeout holds back only the feeds due in its own cycle",
            4,
        ),
        Field(
            "stop_timeout",
            duration(allow_zero=False),
            "on SIGTERM/SIGINT, how long the poll in progress may take to finish before it is cancelled "
            "(each feed's transaction still completes or rolls back whole)",
            "20s",
        ),
        Field(
            "health_file",
            file_path,
            "heartbeat JSON rewritten every minute (default: next to the database, <name>.health.json)",
            None,
        ),
        Field("health_port", integer(0), "serve /healthz and /metrics on this TCP port; 0: off", 0),
        Field(
            "health_host",
            text,
            "address the health endpoint listens on (0.0.0.0 in a container)",
            "127.0.0.1",
        ),
        Field(
            "digest_grace",
            duration(),
            "a digest missed by up to this long (sleep, restart) runs once "
            "when the service is back; older ones are skipped",
            "6h",
        ),
        Field(
            "silent_factor",
            integer(1),
            "flag a feed silent after this many times its usual longest gap between articles",
            4,
        ),
    ],
    doc="The long-running service (`monitor run`): scheduling, stopping, health.",
)

register_section(
    "retention",
    [
        Field(
            "article_text",
            duration(),
            "keep article text this long after it was first seen, then "
            "empty it (title, link, matches and stories stay); 0: keep forever",
            "180d",
        ),
        Field("fetch_log", duration(), "keep the per-poll log this long; 0: keep forever", "90d"),
        Field("run_at", clock_time, "time of day (KST) of the daily retention job", "04:30"),
        Field("vacuum", boolean, "VACUUM after a run that removed something, to give the space back", True),
    ],
    doc="What the daily retention job of `monitor run` removes; stories and the delivery ledger are kept.",
)
