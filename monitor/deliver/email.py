"""The email channel: one multipart/alternative message (plain text + HTML) over SMTP.

Security is chosen in config: ``starttls`` (port 587, the usual submission port), ``tls`` (implicit TLS,
port 465) or ``none`` (a local relay only). Every failure becomes a DeliveryError that names the server
(host:port) and the step that failed (connect, STARTTLS, login, MAIL FROM, RCPT TO, DATA), and says
whether trying again later can help. Credentials are never part of a message.

A connection lost after the message data was sent but before the server's "250" is reported as a
retryable failure: the server may have queued the mail anyway, so the next run can repeat it once, but
a digest is never recorded as delivered without the server's word for it.
"""

from __future__ import annotations

import secrets
import smtplib
import ssl
from collections.abc import Callable
from datetime import datetime
from email.message import EmailMessage
from email.policy import SMTP as SMTP_POLICY
from email.utils import format_datetime, parseaddr

from monitor.clock import KST, utcnow
from monitor.digest import render_html, render_text
from monitor.errors import DeliveryError
from monitor.models import Digest, EmailSettings, Receipt


class EmailChannel:
    """Sends a digest to every recipient in one message; ``ssl_context`` is for tests and private CAs."""

    def __init__(
        self,
        settings: EmailSettings,
        *,
        name: str = "email",
        ssl_context: ssl.SSLContext | None = None,
        now: Callable[[], datetime] = utcnow,
    ) -> None:
        self.settings = settings
        self.name = name
        self._ssl = ssl_context
        self._now = now

    def send(self, digest: Digest) -> Receipt:
        message = build_message(digest, self.settings, now=self._now())
        refused = self._deliver(message)
        return Receipt(
            channel=self.name,
            message_id=str(message["Message-ID"]),
            accepted_at=self._now(),
            messages=1,
            story_ids=digest.story_ids,
            refused=tuple(sorted(refused)),
        )

    def _deliver(self, message: EmailMessage) -> dict[str, tuple[int, bytes]]:
        """One SMTP session; returns the recipients refused while others were accepted."""
        s = self.settings
        step = "connect"
        try:
            smtp = self._connect()
            try:
                if s.security == "starttls":
                    step = "STARTTLS"
                    smtp.starttls(context=self._context())
                    smtp.ehlo()
                if s.username:
                    step = "login"
                    smtp.login(s.username, s.password or "")
                step = "send"
                refused = smtp.send_message(
                    message, from_addr=_bare(s.sender), to_addrs=_bare_all(s.recipients)
                )
            except BaseException:
                smtp.close()
                raise
            _quit_quietly(smtp)
            return refused
        except (smtplib.SMTPException, OSError) as e:
            raise self._error(step, e) from e

    def _connect(self) -> smtplib.SMTP:
        s = self.settings
        if s.security == "tls":
            smtp: smtplib.SMTP = smtplib.SMTP_SSL(
                s.host, s.port, timeout=s.timeout_s, context=self._context()
            )
        else:
            smtp = smtplib.SMTP(s.host, s.port, timeout=s.timeout_s)
        try:
            smtp.ehlo()
        except BaseException:
            smtp.close()
            raise
        return smtp

    def _context(self) -> ssl.SSLContext:
        return self._ssl or ssl.create_default_context()

    def _error(self, step: str, e: BaseException) -> DeliveryError:
        where = f"SMTP {self.settings.host}:{self.settings.port}"
        what, retryable, hint = _describe(step, e)
        return DeliveryError(f"{where}: {what}", channel=self.name, retryable=retryable, hint=hint)


def build_message(digest: Digest, settings: EmailSettings, *, now: datetime) -> EmailMessage:
    """The whole message: headers (subject RFC 2047-encoded by the policy), text part, HTML part.

    ``Date`` is in KST so a reader's raw headers match the digest; the Message-ID carries the digest id
    so the ledger's record can be matched to a received mail.
    """
    message = EmailMessage(policy=SMTP_POLICY)
    message["Subject"] = digest.subject
    message["From"] = settings.sender
    message["To"] = ", ".join(settings.recipients)
    message["Date"] = format_datetime(now.astimezone(KST))
    message["Message-ID"] = _message_id(digest, settings.sender)
    message["X-Monitor-Digest"] = digest.digest_id
    message.set_content(render_text(digest), subtype="plain", charset="utf-8")
    message.add_alternative(render_html(digest), subtype="html", charset="utf-8")
    return message


def _message_id(digest: Digest, sender: str) -> str:
    """<digest id.random@sender's domain>: unique, traceable to the digest, short enough not to be folded.

    The sender's domain, never the local host name (make_msgid's default, which may leak or be bogus).
    """
    domain = _bare(sender).rpartition("@")[2] or "monitor.invalid"
    return f"<{digest.digest_id}.{secrets.token_hex(6)}@{domain}>"


def _bare(address: str) -> str:
    """The envelope address of "이름 <a@b>": with the name in, smtplib would demand SMTPUTF8."""
    return parseaddr(address)[1] or address


def _bare_all(addresses: tuple[str, ...]) -> list[str]:
    return [_bare(a) for a in addresses]


def _quit_quietly(smtp: smtplib.SMTP) -> None:
    """End the session after the server accepted the message; a failing QUIT must not undo acceptance."""
    try:
        smtp.quit()
    except (smtplib.SMTPException, OSError):
        smtp.close()


_AUTH_HINT = "check the account in the variables named by username_env / password_env"
_STARTTLS_HINT = 'use security = "tls" for port 465; "none" only for a local relay'


def _describe(step: str, e: BaseException) -> tuple[str, bool, str | None]:
    """(what failed, can a later retry help, hint) for an exception raised during ``step``."""
    if isinstance(e, smtplib.SMTPRecipientsRefused):
        codes = [code for code, _ in e.recipients.values()]
        refused = ", ".join(f"{rcpt} ({code} {_text(msg)})" for rcpt, (code, msg) in e.recipients.items())
        return f"RCPT TO refused every recipient: {refused}", all(400 <= c < 500 for c in codes), None
    if isinstance(e, smtplib.SMTPSenderRefused):
        return f"MAIL FROM {e.sender} refused: {e.smtp_code} {_text(e.smtp_error)}", _temporary(e), None
    if isinstance(e, smtplib.SMTPDataError):
        return f"DATA refused: {e.smtp_code} {_text(e.smtp_error)}", _temporary(e), None
    if isinstance(e, smtplib.SMTPAuthenticationError):
        return f"login failed: {e.smtp_code} {_text(e.smtp_error)}", False, _AUTH_HINT
    if isinstance(e, smtplib.SMTPNotSupportedError):
        hint = _STARTTLS_HINT if step == "STARTTLS" else "remove the credentials if the server needs none"
        return f"{step} not supported by the server: {e}", False, hint
    if isinstance(e, TimeoutError) or isinstance(e.__context__, TimeoutError):  # smtplib wraps read timeouts
        return f"timed out during {step}", True, "raise [delivery.email] timeout if the server is slow"
    if isinstance(e, smtplib.SMTPServerDisconnected):
        return f"server closed the connection during {step}: {e}", True, None
    if isinstance(e, smtplib.SMTPResponseException):
        return f"{step} failed: {e.smtp_code} {_text(e.smtp_error)}", _temporary(e), None
    if isinstance(e, ssl.SSLCertVerificationError):
        return f"TLS certificate not trusted during {step}: {e.verify_message}", False, None
    if isinstance(e, ssl.SSLError):
        return f"TLS failed during {step}: {e.reason or e}", False, None
    if isinstance(e, ConnectionRefusedError):
        return "connection refused", True, "check [delivery.email] host and port, and that the server is up"
    return f"{step} failed: {e}", True, None


def _temporary(e: smtplib.SMTPResponseException) -> bool:
    """SMTP 4xx means "try again later"; 5xx means it will not work as it is."""
    return 400 <= e.smtp_code < 500


def _text(raw: bytes | str) -> str:
    return raw.decode("utf-8", "replace") if isinstance(raw, bytes) else str(raw)
