"""The schema engine: settings declared as data, a TOML file checked against them, every problem at once.

A setting is a :class:`Field` (its key, a converter, a doc line) in a :class:`Section`, a ``[name]`` table
(or ``[[name]]`` array of tables). Each section comes back as a frozen dataclass, its *settings class*:
the dataclass field holds the setting's type and its default, written there once; the Field holds how the
file writes it and how it is checked, and takes its default from the dataclass. :func:`register_section`
declares a section; :func:`validate` walks parsed TOML against every registered section and collects
*every* problem with its key path, so a user fixes a file in one pass instead of one error per run.
Anything not declared is an error with a "did you mean" hint, because a misspelt key that silently falls
back to its default is the worst kind of config bug.

Secrets never live in the file (it gets committed, copied and pasted into bug reports): a key that looks
like a secret is an error, and a setting names an environment variable instead (``password_env =
"SMTP_PASSWORD"``), read where it is used with :func:`secret_from_env`.

Problems name their key with a 0-based index, plus the entry's name when it has one, the same way
everywhere::

    feeds[3] ("연합뉴스 경제").url: not an http(s) URL: 'ftp://example.com'

This module knows no section of its own: the monitor's sections are in ``monitor.config.sections``, and
finding and loading the file is ``monitor.config.loader``.
"""

from __future__ import annotations

import dataclasses
import difflib
import keyword
import math
import os
import re
import tomllib
import unicodedata
from collections.abc import Callable, Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Literal
from urllib.parse import SplitResult, urlsplit

from monitor.errors import ConfigError

Severity = Literal["error", "warning"]


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
# The schema: fields, rules, sections
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


class _Marker:
    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return self.name


#: The default of a field that must be given.
REQUIRED: Any = _Marker("REQUIRED")
#: A Field's default when it has none of its own: its settings class's default (see :class:`Field`).
UNSET: Any = _Marker("UNSET")


@dataclass(frozen=True)
class Field:
    """One setting.

    In a section with a settings class, the default is that dataclass field's default (none there: the
    key must be given) and the Field writes none, so each default is written in one place. In a section
    registered without one (a quick extension, a test), ``default`` is the default and UNSET means the
    key must be given (an environment-variable setting: it is optional). Either way the default goes
    through the converter, so it is checked like a user's value; None means "not set".
    """

    name: str
    convert: Convert
    doc: str
    default: Any = UNSET
    #: The attribute of the settings dataclass this fills, when it differs (``connect_timeout_s``).
    attr: str | None = None
    advise: Advise | None = None

    @property
    def attribute(self) -> str:
        return self.attr or self.name


@dataclass(frozen=True)
class Rule:
    """A check across fields of one section, e.g. a timeout that must not exceed another.

    It runs whenever all its ``fields`` converted, even if other fields of the section are wrong, so a
    file's problems still come out in one pass. ``check`` gets the converted values by key and returns a
    message about ``fields[0]``, or None.
    """

    fields: tuple[str, ...]
    check: Callable[[Mapping[str, Any]], str | None]


@dataclass(frozen=True)
class Section:
    """A ``[name]`` table (or ``[[name]]`` array of tables when ``many``); dotted names nest.

    ``fields`` carry their resolved defaults; ``settings`` is the frozen dataclass a validated table
    becomes (one value per ``[name]``, a tuple of them per ``[[name]]``).
    """

    name: str
    fields: tuple[Field, ...]
    doc: str
    settings: type
    many: bool = False
    rules: tuple[Rule, ...] = ()

    @property
    def header(self) -> str:
        return f"[[{self.name}]]" if self.many else f"[{self.name}]"

    def build(self, values: Mapping[str, Any]) -> Any:
        """The settings value of one validated table (``values`` by key, as the rules see them)."""
        return self.settings(**{f.attribute: values[f.name] for f in self.fields})


class ItemError(ValueError):
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
    settings: type | None = None,
    many: bool = False,
    rules: Sequence[Rule] = (),
) -> Section:
    """Declare a config section so its keys are validated, defaulted and reported like the built-in ones.

    ``settings`` is the frozen dataclass the section comes back as, with one dataclass field per Field
    (named by ``Field.attr``, else its key) holding the default; without one, a frozen dataclass is made
    from the fields. The registering module must be imported before :func:`validate` runs (the CLI imports
    every command module when it builds its parser); an unregistered section in the file is an error.
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
    if settings is None:
        resolved, settings = _made_settings(name, fields)
    else:
        resolved = _settings_defaults(name, fields, settings)
    section = Section(name, resolved, doc, settings, many, tuple(rules))
    _SECTIONS[name] = section
    return section


def _settings_defaults(name: str, fields: Sequence[Field], settings: type) -> tuple[Field, ...]:
    """The fields with their defaults taken from ``settings``, which must match them one to one."""
    if not dataclasses.is_dataclass(settings) or not settings.__dataclass_params__.frozen:  # type: ignore[attr-defined]
        raise ValueError(f"config section [{name}]: {settings.__name__} must be a frozen dataclass")
    declared = {f.name: f for f in dataclasses.fields(settings) if f.init}
    wanted = [f.attribute for f in fields]
    if sorted(declared) != sorted(wanted):
        raise ValueError(
            f"config section [{name}]: the fields of {settings.__name__} ({', '.join(declared)}) "
            f"must be the section's settings ({', '.join(wanted)})"
        )
    resolved = []
    for f in fields:
        if f.default is not UNSET:
            raise ValueError(
                f"{name}.{f.name}: the default is written once, on {settings.__name__}.{f.attribute}; "
                "leave it out of the Field"
            )
        spec = declared[f.attribute]
        if spec.default is not dataclasses.MISSING:
            default = spec.default
        elif spec.default_factory is not dataclasses.MISSING:
            default = spec.default_factory()
        else:
            default = REQUIRED
        resolved.append(dataclasses.replace(f, default=default))
    return tuple(resolved)


def _made_settings(name: str, fields: Sequence[Field]) -> tuple[tuple[Field, ...], type]:
    """The defaults as the fields write them, and a frozen dataclass to hold the values."""
    for f in fields:
        if not f.attribute.isidentifier() or keyword.iskeyword(f.attribute):
            raise ValueError(f"{name}.{f.name}: not a Python name; give the Field an attr=")
    resolved = tuple(
        f
        if f.default is not UNSET
        else dataclasses.replace(f, default=None if f.name.endswith("_env") else REQUIRED)
        for f in fields
    )
    class_name = "".join(part.title() for part in re.split(r"[._]", name)) + "Settings"
    settings = dataclasses.make_dataclass(class_name, [(f.attribute, Any) for f in fields], frozen=True)
    return resolved, settings


def registered_sections() -> tuple[Section, ...]:
    """Every registered section, in the order they were registered."""
    return tuple(_SECTIONS.values())


def _looks_secret(key: str) -> bool:
    return not key.endswith("_env") and _SECRET_KEY.search(key) is not None


# Converters. Messages complete "<key>: ..." and say what would be accepted.

_TOML_TYPES = {bool: "boolean", int: "integer", float: "float", str: "string", list: "array", dict: "table"}


def type_error(expected: str, value: Any) -> ValueError:
    kind = _TOML_TYPES.get(type(value), "date/time")
    shown = repr(value) if len(repr(value)) <= 40 else repr(value)[:37] + "..."
    return ValueError(f"must be {expected}, not {kind} {shown}")


def format_seconds(seconds: float) -> str:
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
        raise type_error("true or false", value)
    return value


def integer(minimum: int = 0) -> Convert:
    def convert(value: Any, context: Context) -> int:
        if isinstance(value, bool) or not isinstance(value, int):
            raise type_error("a whole number", value)
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
            raise type_error('a duration like "30s" or "15m"', value)
        seconds = parse_duration(value)
        if seconds == 0 and not allow_zero:
            raise ValueError("must be more than 0")
        if seconds < minimum:
            because = f" ({reason})" if reason else ""
            shown = format_seconds(seconds)
            raise ValueError(f"{shown} is below the minimum of {format_seconds(minimum)}{because}")
        return seconds

    return convert


def size(minimum: int = 1) -> Convert:
    def convert(value: Any, context: Context) -> int:
        if isinstance(value, bool) or not isinstance(value, int | str):
            raise type_error('a size like "10MB"', value)
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
        raise type_error("a string", value)
    if not value.strip():
        raise ValueError("must not be empty")
    return _clean_text(value)


def http_url(value: Any, context: Context) -> str:
    if not isinstance(value, str):
        raise type_error('a URL like "https://www.yna.co.kr/rss/economy.xml"', value)
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
        raise type_error('an encoding name like "cp949"', value)
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
        raise type_error('a list of strings like ["economy", "wire"]', value)
    for index, item in enumerate(value):
        if not isinstance(item, str) or not item.strip():
            raise ItemError(index, f"must be a non-empty string, not {item!r}")
    return tuple(_clean_text(item) for item in value)


def file_path(value: Any, context: Context) -> str:
    """An absolute path; a relative one is taken from the config file's folder, not the current one, so
    the monitor finds the same files whichever directory cron or systemd starts it in."""
    if not isinstance(value, str):
        raise type_error("a path", value)
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


def fraction(value: Any, context: Context) -> float:
    """A number in (0, 1], such as a relevance threshold."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise type_error("a number between 0 and 1", value)
    if not 0 < value <= 1:
        raise ValueError(f"must be greater than 0 and at most 1, not {value}")
    return float(value)


def _env_var_is_set(value: str, context: Context) -> str | None:
    if context.env.get(value):
        return None
    return f"environment variable {value} is not set here; it must be where the monitor runs"


def env_field(name: str, doc: str, *, required: bool = False) -> Field:
    """A ``<name>_env`` setting: names the environment variable that holds the secret ``name``.

    Optional (None) unless ``required``; in a section with a settings class, its dataclass field decides.
    """
    return Field(
        f"{name}_env", env_var_name, doc, default=REQUIRED if required else UNSET, advise=_env_var_is_set
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
# Reading and validating a file
# --------------------------------------------------------------------------------------------------


def read_toml(path: Path) -> dict[str, Any]:
    """The parsed file; ValueError with a message for the user when it cannot be read or parsed."""
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


def validate(raw: Mapping[str, Any], context: Context) -> tuple[dict[str, Any], list[Problem]]:
    """Every registered section's settings value (a tuple of them for ``[[name]]``), and every problem.

    A section with errors maps to None; the caller builds nothing when any problem is an error.
    """
    problems = [*_secret_problems(raw), *_structure_problems(raw, "", "")]
    values = _convert_sections(raw, context, problems)
    return values, problems


def sort_problems(problems: Iterable[Problem]) -> tuple[Problem, ...]:
    """By key path, feeds[2] before feeds[10]."""
    return tuple(sorted(problems, key=lambda p: _natural(p.key)))


def _natural(key: str) -> list[Any]:
    """Sort key putting feeds[2] before feeds[10]."""
    return [int(part) if part.isdigit() else part for part in re.split(r"(\d+)", key)]


def _join(prefix: str, key: str) -> str:
    return f"{prefix}.{key}" if prefix else key


def item_name(item: Any) -> str | None:
    """The name of an ``[[array]]`` entry (a feed's ``name``), as problems show it."""
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
            yield from _secret_problems(element, f"{where}[{index}]", item_name(element) or item)


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
                yield from _structure_problems(element, schema_path, f"{where}[{index}]", item_name(element))
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
            converted = [
                _convert_table(section, entry, f"{section.name}[{i}]", context, problems, item_name(entry))
                for i, entry in enumerate(entries)
                if isinstance(entry, dict)
            ]
            values[section.name] = (
                None if any(v is None for v in converted) else tuple(section.build(v) for v in converted if v)
            )
        else:
            table = node if isinstance(node, dict) else {}
            one = _convert_table(section, table, section.name, context, problems)
            values[section.name] = None if one is None else section.build(one)
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
        except ItemError as exc:
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
