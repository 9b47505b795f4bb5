"""The monitor's config sections: one frozen dataclass per section, its defaults written there once.

Each ``register_section`` below pairs a settings class with its Fields (key, converter, doc); the Field
takes its default from the dataclass (``monitor.config.schema``). A class a lower stage takes as its
input lives in ``monitor.models`` (the fetcher's FetchSettings, the story tracker's StorySettings), so
that stage need not know the config; the rest live here. :class:`MonitorConfig` gathers them all:
``config.service.stop_timeout_s``, ``config.delivery.email.host``.

A default is written as the value the program uses (seconds for a duration, a tuple for a list) and
goes through the setting's converter like a user's value, so it is checked too. A path default stays
relative in the dataclass; loading resolves it against the config file's folder.
"""

from __future__ import annotations

import dataclasses
import ipaddress
import math
import re
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from types import MappingProxyType
from typing import Any, TypeVar
from urllib.parse import urlsplit

from monitor.config.schema import (
    Context,
    Field,
    ItemError,
    Problem,
    Rule,
    boolean,
    duration,
    encoding,
    env_field,
    file_path,
    format_seconds,
    fraction,
    http_url,
    integer,
    item_name,
    language,
    register_section,
    size,
    string_list,
    text,
    type_error,
)
from monitor.models import (
    EmailSettings,
    FeedSpec,
    FetchSettings,
    SlackSettings,
    SmtpSecurity,
    StorageSettings,
    StorySettings,
)

_T = TypeVar("_T")

#: Polling a site more often than this is impolite, and news feeds don't change that fast anyway.
MIN_INTERVAL_S = 60.0
#: The floor for a feed on the operator's own machine or network (a loopback or private address, or
#: localhost): the politeness rule protects other people's servers, and soak tests and local relays need
#: faster cycles. Still not zero: a feed polled in a busy loop would starve the others.
LOCAL_MIN_INTERVAL_S = 5.0


def default_of(cls: type, name: str) -> Any:
    """The default of ``cls``'s dataclass field ``name``: a section whose values end in another dataclass
    (a channel's EmailSettings, a feed's FeedSpec) takes that one's default rather than writing it again."""
    found = next(f for f in dataclasses.fields(cls) if f.name == name)
    if found.default is dataclasses.MISSING:
        raise AssertionError(f"{cls.__name__}.{name} has no default")
    return found.default


# --------------------------------------------------------------------------------------------------
# [storage], [fetch]: their classes are the stages' own (monitor.models)
# --------------------------------------------------------------------------------------------------


def _fetch_at_most(name: str, limit: str) -> Rule:
    """fetch.<name> must not exceed fetch.<limit> (both durations)."""

    def check(values: Mapping[str, Any]) -> str | None:
        if values[name] <= values[limit]:
            return None
        return f"must not exceed fetch.{limit} ({format_seconds(values[limit])})"

    return Rule((name, limit), check)


register_section(
    "storage",
    [Field("path", file_path, "SQLite database file, relative to the config file's folder")],
    doc="Where the monitor keeps what it has seen.",
    settings=StorageSettings,
)

register_section(
    "fetch",
    [
        Field("user_agent", text, "how the monitor names itself to sites"),
        Field(
            "connect_timeout",
            duration(allow_zero=False),
            "limit for opening a connection",
            attr="connect_timeout_s",
        ),
        Field(
            "read_timeout",
            duration(allow_zero=False),
            "limit for a pause while reading",
            attr="read_timeout_s",
        ),
        Field(
            "total_timeout",
            duration(allow_zero=False),
            "limit for one whole request",
            attr="total_timeout_s",
        ),
        Field("max_bytes", size(), "largest body accepted, after decompression"),
        Field("max_redirects", integer(0), "redirects followed per request"),
        Field("per_host_concurrency", integer(1), "requests in flight to one host"),
        Field(
            "per_host_delay",
            duration(),
            "pause between two requests to one host",
            attr="per_host_delay_s",
        ),
        Field("total_concurrency", integer(1), "requests in flight overall"),
        Field("article_concurrency", integer(1), "article pages fetched at once"),
        Field("allow_private_networks", boolean, "follow links into private/loopback addresses"),
        Field(
            "backoff_base",
            duration(allow_zero=False),
            "first wait after a feed fails",
            attr="backoff_base_s",
        ),
        Field(
            "backoff_max",
            duration(allow_zero=False),
            "longest wait after repeated failures",
            attr="backoff_max_s",
        ),
    ],
    doc="How the monitor talks HTTP: timeouts, size caps and politeness.",
    settings=FetchSettings,
    rules=[
        _fetch_at_most("connect_timeout", "total_timeout"),
        _fetch_at_most("read_timeout", "total_timeout"),
        _fetch_at_most("backoff_base", "backoff_max"),
    ],
)


# --------------------------------------------------------------------------------------------------
# [feed_defaults], [[feeds]]
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class FeedDefaults:
    """[feed_defaults]: what every [[feeds]] entry takes unless it sets its own (FeedSpec's defaults)."""

    interval_s: float = float(default_of(FeedSpec, "interval_s"))
    enabled: bool = default_of(FeedSpec, "enabled")
    fetch_articles: bool = default_of(FeedSpec, "fetch_articles")
    encoding: str | None = default_of(FeedSpec, "encoding")


@dataclass(frozen=True, kw_only=True)
class FeedEntry:
    """One [[feeds]] entry as written; None: take [feed_defaults]'s (the config's feeds are FeedSpecs)."""

    name: str
    url: str
    interval_s: float | None = None
    enabled: bool | None = None
    fetch_articles: bool | None = None
    encoding: str | None = None
    tags: tuple[str, ...] = ()
    language: str | None = None


_INTERVAL = duration(MIN_INTERVAL_S, reason="polite polling: at most once a minute per feed")
#: A feed's own interval: checked against MIN_INTERVAL_S with its URL in view (_local_interval).
_FEED_INTERVAL = duration(
    LOCAL_MIN_INTERVAL_S, reason="even a feed on a loopback or private address polls at most every 5s"
)


def _local_interval(values: Mapping[str, Any]) -> str | None:
    """A feed's own interval may go below a minute only when the feed is on the operator's own host or
    network; [feed_defaults] applies to every feed, so it keeps the public floor."""
    interval, url = values["interval"], values["url"]
    if interval is None or interval >= MIN_INTERVAL_S or _is_local(url):
        return None
    return (
        f"{format_seconds(interval)} is below the minimum of {format_seconds(MIN_INTERVAL_S)} "
        "(polite polling: "
        "at most once a minute per feed; only a feed on a loopback or private address may poll faster, "
        f"down to {format_seconds(LOCAL_MIN_INTERVAL_S)})"
    )


def _is_local(url: str) -> bool:
    """Is the URL's host localhost or a loopback/private/link-local IP literal (never resolved here)?"""
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


register_section(
    "feed_defaults",
    [
        Field("interval", _INTERVAL, "time between two polls of a feed", attr="interval_s"),
        Field("enabled", boolean, "whether feeds are polled"),
        Field("fetch_articles", boolean, "fetch each entry's page for the article text"),
        Field("encoding", encoding, "charset override for feeds that declare theirs wrongly"),
    ],
    doc="Values every [[feeds]] entry takes unless it sets its own.",
    settings=FeedDefaults,
)


# --------------------------------------------------------------------------------------------------
# [matching]
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True, kw_only=True)
class MatchingSettings:
    """[matching]: which articles are relevant, and why."""

    enabled: bool = True
    #: A missing file is not an error (a config can be for polling only); the poll logs it.
    topics: str = "topics.toml"
    #: None: the topics file's own [scoring].threshold.
    threshold: float | None = None
    morphology: bool = True


register_section(
    "matching",
    [
        Field("enabled", boolean, "match every new article against the topics during polls"),
        Field("topics", file_path, "the topics file, relative to this file's folder"),
        Field("threshold", fraction, "relevance threshold; overrides [scoring].threshold in the topics file"),
        Field("morphology", boolean, "use the Korean analyser where particles decide a match (~330 MB)"),
    ],
    doc="Which articles are relevant, and why (see config/topics.toml).",
    settings=MatchingSettings,
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
            attr="interval_s",
        ),
        Field("enabled", boolean, "overrides feed_defaults.enabled"),
        Field("fetch_articles", boolean, "overrides feed_defaults.fetch_articles"),
        Field("encoding", encoding, "overrides feed_defaults.encoding"),
        Field("tags", string_list, "labels for filtering and digests"),
        Field(
            "language",
            language,
            'the language its articles are written in, "ko" or "en"; '
            "detected from each article's letters when absent",
        ),
    ],
    doc="One entry per feed.",
    settings=FeedEntry,
    rules=[Rule(("interval", "url"), _local_interval)],
    many=True,
)


# --------------------------------------------------------------------------------------------------
# [digest] and its channels [delivery.*] (issue 5)
# --------------------------------------------------------------------------------------------------

#: Weekdays 08:00 and 17:00 in Asia/Seoul: before the working day and before it ends.
DEFAULT_SCHEDULES = ("0 8 * * mon-fri", "0 17 * * mon-fri")
_QUIET = re.compile(r"\s*([01]?\d|2[0-3]):([0-5]\d)\s*-\s*([01]?\d|2[0-3]):([0-5]\d)\s*")


def cron_list(value: Any, context: Context) -> tuple[str, ...]:
    """Five-field cron expressions, each checked by APScheduler (which the scheduler runs them with)."""
    # Loaded on use. No stubs: the ignore is needed by `mypy` (pyproject) but not with --ignore-missing-imports.
    from apscheduler.triggers.cron import CronTrigger  # type: ignore[import-untyped, unused-ignore]

    exprs = string_list(value, context)
    if not exprs:
        raise ValueError('must list at least one cron expression, e.g. ["0 8 * * mon-fri"]')
    for index, expr in enumerate(exprs):
        if len(expr.split()) != 5:
            raise ItemError(
                index,
                f"{expr!r} is not a cron expression: give five fields, "
                '"minute hour day month weekday", e.g. "0 8 * * mon-fri"',
            )
        try:
            CronTrigger.from_crontab(expr, timezone="Asia/Seoul")
        except ValueError as exc:
            raise ItemError(index, f"{expr!r} is not a valid cron expression: {exc}") from None
    return exprs


def quiet_hours(value: Any, context: Context) -> tuple[int, int]:
    """ "22:00-07:00" (KST) → minutes of the day (start, end); the span may cross midnight."""
    if not isinstance(value, str):
        raise type_error('a span like "22:00-07:00"', value)
    match = _QUIET.fullmatch(value)
    if match is None:
        raise ValueError(f'not a span of hours: {value!r}; write "HH:MM-HH:MM" in KST, e.g. "22:00-07:00"')
    h1, m1, h2, m2 = (int(g) for g in match.groups())
    start, end = h1 * 60 + m1, h2 * 60 + m2
    if start == end:
        raise ValueError(f"{value!r} is an empty span; leave quiet_hours unset for none")
    return start, end


def _security(value: Any, context: Context) -> SmtpSecurity:
    if value not in ("starttls", "tls", "none"):
        raise ValueError(
            f'must be "starttls" (port 587), "tls" (port 465) or "none" (a local relay), not {value!r}'
        )
    return value  # one of the three, checked above


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
            raise ItemError(index, f"not an e-mail address: {item!r}")
    return items


def _port(value: Any, context: Context) -> int:
    port = integer(1)(value, context)
    if port > 65535:
        raise ValueError(f"must be a TCP port (1-65535), not {port}")
    return int(port)


def _cap(value: Any, context: Context) -> int:
    return int(integer(1)(value, context))


@dataclass(frozen=True, kw_only=True)
class DigestSettings:
    """[digest]: what a digest holds and when it goes out; durations in seconds."""

    schedules: tuple[str, ...] = DEFAULT_SCHEDULES
    #: Least story score for a digest; None: every relevant story.
    threshold: float | None = None
    cap: int = 20
    send_empty: bool = False
    #: (start, end) minutes of the KST day; None: no quiet hours.
    quiet_hours: tuple[int, int] | None = None
    #: None: no alerts.
    alert_threshold: float | None = None
    alert_window_s: float = 6 * 3600.0
    max_age_s: float = 3 * 86400.0
    update_min_outlets: int = 2
    claim_ttl_s: float = 30 * 60.0
    retry_base_s: float = 5 * 60.0
    retry_max_s: float = 6 * 3600.0


@dataclass(frozen=True, kw_only=True)
class ChannelOverrides:
    """The [digest] keys a channel may override in its [delivery.*] table; None there means "as [digest]".

    ``enabled`` None: on when the channel is configured."""

    enabled: bool | None = None
    schedules: tuple[str, ...] | None = None
    threshold: float | None = None
    cap: int | None = None
    send_empty: bool | None = None
    quiet_hours: tuple[int, int] | None = None
    alert_threshold: float | None = None


@dataclass(frozen=True, kw_only=True)
class FileDeliverySettings(ChannelOverrides):
    """[delivery.file]: Markdown and HTML digest files."""

    #: None: digests/ beside the database (:func:`file_digest_dir`).
    dir: str | None = None


@dataclass(frozen=True, kw_only=True)
class EmailDeliverySettings(ChannelOverrides):
    """[delivery.email]; the channel is configured when ``host`` is set (with ``from`` and ``to``)."""

    host: str | None = None
    port: int = default_of(EmailSettings, "port")
    security: SmtpSecurity = default_of(EmailSettings, "security")
    sender: str | None = None  # the `from` key
    recipients: tuple[str, ...] | None = None  # the `to` key
    username_env: str | None = None
    password_env: str | None = None
    timeout_s: float = default_of(EmailSettings, "timeout_s")


@dataclass(frozen=True, kw_only=True)
class SlackDeliverySettings(ChannelOverrides):
    """[delivery.slack]; the channel is configured when ``webhook_url_env`` is set."""

    webhook_url_env: str | None = None
    timeout_s: float = default_of(SlackSettings, "timeout_s")


@dataclass(frozen=True, kw_only=True)
class DeliverySettings:
    """The [delivery.*] channels (not a section of its own: a group of three)."""

    file: FileDeliverySettings = field(default_factory=FileDeliverySettings)
    email: EmailDeliverySettings = field(default_factory=EmailDeliverySettings)
    slack: SlackDeliverySettings = field(default_factory=SlackDeliverySettings)


def _overrides() -> list[Field]:
    return [
        Field("enabled", boolean, "send digests to this channel (default: on when configured)"),
        Field("schedules", cron_list, "overrides digest.schedules for this channel"),
        Field("threshold", fraction, "overrides digest.threshold"),
        Field("cap", _cap, "overrides digest.cap"),
        Field("send_empty", boolean, "overrides digest.send_empty"),
        Field("quiet_hours", quiet_hours, "overrides digest.quiet_hours"),
        Field("alert_threshold", fraction, "overrides digest.alert_threshold"),
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
        Field("schedules", cron_list, "when digests go out: cron expressions in Asia/Seoul"),
        Field("threshold", fraction, "least story score for a digest; unset: every relevant story"),
        Field("cap", _cap, 'stories shown per digest; the rest are counted in an "and N more" line'),
        Field("send_empty", boolean, 'send a "nothing new" digest instead of skipping it'),
        Field("quiet_hours", quiet_hours, 'no digests or alerts in this KST span, e.g. "22:00-07:00"'),
        Field("alert_threshold", fraction, "score at which a story is sent at once as an alert; unset: off"),
        Field(
            "alert_window",
            duration(allow_zero=False),
            "alerts only for stories first seen this recently",
            attr="alert_window_s",
        ),
        Field(
            "max_age",
            duration(allow_zero=False),
            "stories that changed longer ago are not sent",
            attr="max_age_s",
        ),
        Field("update_min_outlets", integer(1), "more outlets since a story was sent that make it an update"),
        Field(
            "claim_ttl",
            duration(60.0, reason="a digest run must have time to send"),
            "how long a run may hold a channel before another may take it over",
            attr="claim_ttl_s",
        ),
        Field(
            "retry_base",
            duration(allow_zero=False),
            "first wait after a channel failed",
            attr="retry_base_s",
        ),
        Field(
            "retry_max",
            duration(allow_zero=False),
            "longest wait after repeated failures",
            attr="retry_max_s",
        ),
    ],
    doc="What a digest holds and when it goes out (every [delivery.*] channel may override these).",
    settings=DigestSettings,
    rules=[
        Rule(("alert_threshold", "threshold"), _alert_above_threshold),
        Rule(
            ("retry_base", "retry_max"),
            lambda v: (
                None
                if v["retry_base"] <= v["retry_max"]
                else f"must not exceed digest.retry_max ({format_seconds(v['retry_max'])})"
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
        ),
        *_overrides(),
    ],
    doc="Markdown and HTML digest files; the channel used when no other is configured.",
    settings=FileDeliverySettings,
)

register_section(
    "delivery.email",
    [
        Field("host", text, "SMTP server"),
        Field("port", _port, "SMTP port (587 for starttls, 465 for tls)"),
        Field("security", _security, '"starttls" | "tls" | "none" (a local relay only)'),
        Field("from", _address, 'sender address, e.g. "한미일 모니터 <monitor@example.org>"', attr="sender"),
        Field("to", _addresses, "recipient addresses", attr="recipients"),
        env_field("username", "environment variable holding the SMTP user name"),
        env_field("password", "environment variable holding the SMTP password"),
        Field("timeout", duration(allow_zero=False), "limit for each SMTP step", attr="timeout_s"),
        *_overrides(),
    ],
    doc="Digests by e-mail (multipart text + HTML).",
    settings=EmailDeliverySettings,
    rules=[_all_or_none("host", "from", "to")],
)

register_section(
    "delivery.slack",
    [
        env_field("webhook_url", "environment variable holding the Slack incoming-webhook URL"),
        Field("timeout", duration(allow_zero=False), "limit for each webhook request", attr="timeout_s"),
        *_overrides(),
    ],
    doc="Digests to a Slack channel through an incoming webhook (Block Kit).",
    settings=SlackDeliverySettings,
)


# --------------------------------------------------------------------------------------------------
# [stories] (issue 4): the class is the tracker's own (monitor.models)
# --------------------------------------------------------------------------------------------------

#: The longest a story may stay open after its last development: a year open defeats the point.
MAX_CLOSE_AFTER_HOURS = 24 * 366


def close_after_hours(value: Any, context: Context) -> float:
    """Hours (a number, e.g. 72 or 36.5) a story keeps accepting members after its last development."""
    if isinstance(value, bool) or not isinstance(value, int | float):
        raise type_error("a number of hours like 72", value)
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
        Field("enabled", boolean, "cluster every new article into a story during polls"),
        Field(
            "window",
            duration(allow_zero=False),
            'how far apart in time two reports of one story can be (e.g. "72h")',
            attr="window_s",
        ),
        Field(
            "near_duplicate",
            fraction,
            "estimated body similarity (Jaccard of shingles) that makes a copy of the same article",
        ),
        Field(
            "same_event",
            fraction,
            "combined headline/key-term score that makes another write-up of the same event",
        ),
        # Issue 14: a recurring item (a daily column, a morning briefing, a weekly price table) must not
        # chain into one story for months. StoryTracker.from_settings hands it to the clusterer; the store
        # keeps each story's last_development_at it counts from.
        Field(
            "close_after_hours",
            close_after_hours,
            "hours after its last development (the latest new outlet's first report) that a story "
            "stops accepting members",
        ),
    ],
    doc="Stories: one development however many outlets carried it (issue 4).",
    settings=StorySettings,
)


# --------------------------------------------------------------------------------------------------
# [service], [retention]: `monitor run` (issue 6)
# --------------------------------------------------------------------------------------------------


def clock_time(value: Any, context: Context) -> str:
    """A time of day, "HH:MM" (24 h, KST)."""
    if not isinstance(value, str) or not re.fullmatch(r"([01]\d|2[0-3]):[0-5]\d", value.strip()):
        raise type_error('a time of day like "04:30" (24-hour, KST)', value)
    return value.strip()


@dataclass(frozen=True, kw_only=True)
class ServiceSettings:
    """[service]: scheduling, stopping and health of `monitor run`; durations in seconds."""

    jitter_s: float = 30.0
    poll_lanes: int = 4
    stop_timeout_s: float = 20.0
    #: None: next to the database, <name>.health.json.
    health_file: str | None = None
    #: 0: no health endpoint.
    health_port: int = 0
    health_host: str = "127.0.0.1"
    digest_grace_s: float = 6 * 3600.0
    silent_factor: int = 4


@dataclass(frozen=True, kw_only=True)
class RetentionSettings:
    """[retention]: what the daily job removes; 0 s keeps forever."""

    article_text_s: float = 180 * 86400.0
    fetch_log_s: float = 90 * 86400.0
    #: "HH:MM", KST.
    run_at: str = "04:30"
    vacuum: bool = True


register_section(
    "service",
    [
        Field(
            "jitter",
            duration(),
            "random delay (0 to this) added to every poll, so feeds on one host "
            "don't fire together; capped at a quarter of the feed's interval",
            attr="jitter_s",
        ),
        Field(
            "poll_lanes",
            integer(1),
            "poll cycles that may run at once; a feed stalling until its "
            "timeout holds back only the feeds due in its own cycle",
        ),
        Field(
            "stop_timeout",
            duration(allow_zero=False),
            "on SIGTERM/SIGINT, how long the poll in progress may take to finish before it is cancelled "
            "(each feed's transaction still completes or rolls back whole)",
            attr="stop_timeout_s",
        ),
        Field(
            "health_file",
            file_path,
            "heartbeat JSON rewritten every minute (default: next to the database, <name>.health.json)",
        ),
        Field("health_port", integer(0), "serve /healthz and /metrics on this TCP port; 0: off"),
        Field("health_host", text, "address the health endpoint listens on (0.0.0.0 in a container)"),
        Field(
            "digest_grace",
            duration(),
            "a digest missed by up to this long (sleep, restart) runs once "
            "when the service is back; older ones are skipped",
            attr="digest_grace_s",
        ),
        Field(
            "silent_factor",
            integer(1),
            "flag a feed silent after this many times its usual longest gap between articles",
        ),
    ],
    doc="The long-running service (`monitor run`): scheduling, stopping, health.",
    settings=ServiceSettings,
)

register_section(
    "retention",
    [
        Field(
            "article_text",
            duration(),
            "keep article text this long after it was first seen, then "
            "empty it (title, link, matches and stories stay); 0: keep forever",
            attr="article_text_s",
        ),
        Field(
            "fetch_log",
            duration(),
            "keep the per-poll log this long; 0: keep forever",
            attr="fetch_log_s",
        ),
        Field("run_at", clock_time, "time of day (KST) of the daily retention job"),
        Field("vacuum", boolean, "VACUUM after a run that removed something, to give the space back"),
    ],
    doc="What the daily retention job of `monitor run` removes; stories and the delivery ledger are kept.",
    settings=RetentionSettings,
)


# --------------------------------------------------------------------------------------------------
# The whole config
# --------------------------------------------------------------------------------------------------


@dataclass(frozen=True)
class MonitorConfig:
    """A validated config: every section as its frozen settings value.

    A config built by hand (tests, scripts) gets each section's defaults as the dataclasses write them;
    a relative path among them (``matching.topics``) is then relative to the current directory, not to
    ``base_dir`` as :func:`~monitor.config.load_config` resolves it.
    """

    path: Path  # the config file (absolute)
    base_dir: Path  # its folder; relative paths in the file are relative to this
    storage: StorageSettings
    fetch: FetchSettings
    #: The feeds with [feed_defaults] filled in.
    feeds: tuple[FeedSpec, ...]
    #: The parsed TOML as written.
    raw: Mapping[str, Any]
    feed_defaults: FeedDefaults = field(default_factory=FeedDefaults)
    matching: MatchingSettings = field(default_factory=MatchingSettings)
    stories: StorySettings = field(default_factory=StorySettings)
    digest: DigestSettings = field(default_factory=DigestSettings)
    delivery: DeliverySettings = field(default_factory=DeliverySettings)
    service: ServiceSettings = field(default_factory=ServiceSettings)
    retention: RetentionSettings = field(default_factory=RetentionSettings)
    #: Every registered section's value by its dotted name (a tuple for ``[[name]]``: ``feeds`` holds the
    #: entries as written): how a section registered outside this module is read. Empty for a config
    #: built by hand.
    sections: Mapping[str, Any] = field(default_factory=lambda: MappingProxyType({}))

    def section(self, name: str) -> Any:
        """The validated value of the registered section ``name`` (``config.section("delivery.file")``)."""
        return self.sections[name]


def file_digest_dir(config: MonitorConfig) -> Path:
    """Where the file channel writes: ``[delivery.file] dir``, else ``digests/`` beside the database.

    Beside the database rather than beside the config: in the container only the database's folder is a
    volume the service may write (config/ itself belongs to root), and the data and its digests belong
    together wherever ``storage.path`` puts them."""
    configured = config.delivery.file.dir
    return Path(configured) if configured else Path(config.storage.path).parent / "digests"


def build_config(path: Path, raw: Mapping[str, Any], values: Mapping[str, Any]) -> MonitorConfig:
    """The config from validated section values (no errors among them)."""

    def own(name: str, cls: type[_T]) -> _T:
        # A test may swap the registry and register another class under a built-in name: then the
        # attribute keeps its defaults and the test's value is read with config.section(name).
        value = values.get(name)
        return value if isinstance(value, cls) else cls()

    defaults = own("feed_defaults", FeedDefaults)
    return MonitorConfig(
        path=path,
        base_dir=path.parent,
        storage=own("storage", StorageSettings),
        fetch=own("fetch", FetchSettings),
        feeds=tuple(_feed_spec(entry, defaults) for entry in values.get("feeds", ())),
        raw=MappingProxyType(dict(raw)),
        feed_defaults=defaults,
        matching=own("matching", MatchingSettings),
        stories=own("stories", StorySettings),
        digest=own("digest", DigestSettings),
        delivery=DeliverySettings(
            file=own("delivery.file", FileDeliverySettings),
            email=own("delivery.email", EmailDeliverySettings),
            slack=own("delivery.slack", SlackDeliverySettings),
        ),
        service=own("service", ServiceSettings),
        retention=own("retention", RetentionSettings),
        sections=MappingProxyType(dict(values)),
    )


def _feed_spec(entry: FeedEntry, defaults: FeedDefaults) -> FeedSpec:
    return FeedSpec(
        name=entry.name,
        url=entry.url,
        interval_s=round(defaults.interval_s if entry.interval_s is None else entry.interval_s),
        enabled=defaults.enabled if entry.enabled is None else entry.enabled,
        encoding=defaults.encoding if entry.encoding is None else entry.encoding,
        fetch_articles=defaults.fetch_articles if entry.fetch_articles is None else entry.fetch_articles,
        tags=entry.tags,
        language=entry.language,
    )


def feed_list_problems(feeds: Any) -> Iterator[Problem]:
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
        name = item_name(entry)
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
                other = item_name(feeds[first])
                shown = f'feeds[{first}] ("{other}")' if other else f"feeds[{first}]"
                yield Problem(f"feeds[{index}].url", f"same URL as {shown}", item=name)
            seen_urls.setdefault(same, index)


def _url_identity(url: str) -> str:
    """Scheme and host are case-insensitive; the rest of a URL is not."""
    try:
        parts = urlsplit(url.strip())
    except ValueError:  # malformed, and reported as such by its field
        return url.strip()
    return parts._replace(scheme=parts.scheme.lower(), netloc=parts.netloc.lower()).geturl()
