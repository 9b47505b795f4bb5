"""The one exception tree of the monitor.

Every error the package raises on purpose derives from :class:`MonitorError`, so the CLI can turn any of
them into a one-line message with a hint instead of a traceback::

    MonitorError
    ├── ConfigError            a config file that can't be used; carries *all* problems with key paths
    ├── FetchError             one HTTP exchange failed; carries the URL and a short ``kind``
    │   ├── BlockedAddress     an article link resolves to loopback/private/link-local space
    │   ├── HTTPStatusError    a 4xx/5xx answer; carries ``status`` and ``retry_after`` (seconds)
    │   ├── ResponseTooLarge   body (after decompression) over the size cap
    │   └── TooManyRedirects   redirect limit reached or a redirect loop
    ├── ParseError             bytes that are not a feed at all (HTML, empty body, ...)
    ├── ExtractError           a page with no extractable article text
    ├── StoreError             the database can't be opened, migrated or written
    │   └── DatabaseBusy       another monitor process holds the database's lock (names its pid)
    └── DeliveryError          a channel refused a digest (or part of it); says if a retry may help

Failures of one feed travel as *values* (``FeedReport.error``) through a poll, never as exceptions
that stop the cycle; these classes are what the stages raise and the pipeline catches.
"""

from __future__ import annotations

from collections.abc import Iterable


class MonitorError(Exception):
    """Base of every error the monitor raises on purpose."""

    #: A short, stable machine-readable category (stored in the database, shown in ``status``).
    kind: str = "error"
    #: What the user can do about it, printed under the message by the CLI.
    hint: str | None = None


class ConfigError(MonitorError):
    kind = "config"

    def __init__(self, problems: Iterable[str], path: str | None = None, *, hint: str | None = None) -> None:
        self.problems = list(problems)
        self.path = path
        where = f"{path}: " if path else ""
        if len(self.problems) == 1:
            msg = f"{where}{self.problems[0]}"
        else:
            msg = f"{where}{len(self.problems)} problems:\n" + "\n".join(f"  {p}" for p in self.problems)
        super().__init__(msg)
        # The usual case is a config or topics file with wrong keys; a caller that knows better says so.
        self.hint = hint or "fix the keys named above; `monitor config check` lists every problem"


class FetchError(MonitorError):
    kind = "fetch"

    def __init__(self, message: str, *, url: str, kind: str | None = None) -> None:
        super().__init__(message)
        self.url = url
        if kind is not None:
            self.kind = kind

    def __str__(self) -> str:  # always say which URL the problem is about
        return f"{self.args[0]} ({self.url})"


class BlockedAddress(FetchError):
    kind = "blocked"
    hint = "links to private addresses are refused; set fetch.allow_private_networks = true to allow them"


class HTTPStatusError(FetchError):
    kind = "http_status"

    def __init__(self, message: str, *, url: str, status: int, retry_after: float | None = None) -> None:
        super().__init__(message, url=url)
        self.status = status
        self.retry_after = retry_after
        if status == 429 or status == 503:
            self.kind = "rate_limited" if status == 429 else "unavailable"


class ResponseTooLarge(FetchError):
    kind = "too_large"
    hint = "raise fetch.max_bytes if this feed is legitimately that large"


class TooManyRedirects(FetchError):
    kind = "redirects"


class ParseError(MonitorError):
    """The body is not a feed we can read. ``url`` is the document's final URL (after redirects), added by
    the pipeline: the parser sees only bytes, and a feed that redirected to a login page must say where
    it ended up."""

    kind = "parse"

    def __init__(self, message: str, *, url: str | None = None) -> None:
        super().__init__(message)
        self.url = url

    def __str__(self) -> str:
        return f"{self.args[0]} ({self.url})" if self.url else str(self.args[0])


class ExtractError(MonitorError):
    kind = "extract"


class StoreError(MonitorError):
    kind = "store"


class DeliveryError(MonitorError):
    """A delivery channel did not accept a digest, or accepted only part of it.

    ``accepted_story_ids`` are the stories the channel did accept before failing (Slack sends a long
    digest as several messages, and message 3 of 5 can fail after 1 and 2 went out), so the ledger marks
    exactly those delivered and nothing more. ``retryable`` says whether the next run should try again
    (network trouble, 429, 5xx) or a person must act (bad credentials, refused recipient, revoked
    webhook); ``retry_after`` is the server's requested wait in seconds, when it gave one.
    """

    kind = "delivery"

    def __init__(
        self,
        message: str,
        *,
        channel: str,
        retryable: bool,
        accepted_story_ids: Iterable[int] = (),
        retry_after: float | None = None,
        hint: str | None = None,
    ) -> None:
        super().__init__(message)
        self.channel = channel
        self.retryable = retryable
        self.accepted_story_ids = tuple(accepted_story_ids)
        self.retry_after = retry_after
        if hint is not None:
            self.hint = hint

    def __str__(self) -> str:  # always say which channel the problem is about
        return f"{self.channel}: {self.args[0]}"


class DatabaseBusy(StoreError):
    """Another `monitor run` (or `monitor poll`) holds the database's process lock."""

    kind = "busy"

    def __init__(self, message: str, *, pid: int | None, hint: str | None = None) -> None:
        super().__init__(message)
        self.pid = pid
        if hint is not None:
            self.hint = hint
