"""The email channel against a real SMTP server (aiosmtpd) on 127.0.0.1, port 0.

What arrives is parsed with the email package; faults (refused connection, refused recipient, a drop
during DATA, failed login, TLS trouble, a silent server) must each give a DeliveryError that names the
server and the failed step, with nothing reported as accepted. TLS uses a throwaway CA from trustme.
"""

from __future__ import annotations

import email
import email.policy
import socket
import ssl
from collections.abc import Awaitable, Iterator
from contextlib import contextmanager
from dataclasses import replace
from email.header import decode_header, make_header
from email.message import Message
from typing import Any

import pytest
from aiosmtpd.controller import Controller
from aiosmtpd.smtp import AuthResult, LoginPassword

from monitor.deliver import EmailChannel
from monitor.digest import build_digest
from monitor.errors import DeliveryError
from monitor.models import Digest, EmailSettings
from tests.digest_samples import GENERATED_AT, SINCE, sample_stories
from tests.servers import closed_port

SENDER = "한미일 모니터 <monitor@example.org>"
RECIPIENTS = ("analyst@example.org", "desk@example.com")


class Inbox:
    """aiosmtpd handler that keeps what it accepted and can refuse a recipient or drop during DATA."""

    def __init__(self) -> None:
        self.received: list[tuple[str, list[str], bytes]] = []
        self.refuse: dict[str, str] = {}
        self.drop_in_data = False

    async def handle_RCPT(self, server: Any, session: Any, envelope: Any, address: str, options: Any) -> str:
        if address in self.refuse:
            return self.refuse[address]
        envelope.rcpt_tos.append(address)
        return "250 OK"

    async def handle_DATA(self, server: Any, session: Any, envelope: Any) -> str:
        if self.drop_in_data:
            server.transport.close()
            return "421 gone"
        self.received.append((envelope.mail_from, list(envelope.rcpt_tos), envelope.original_content))
        return "250 2.0.0 queued"


class LoopbackSMTP(Controller):
    """aiosmtpd's Controller on port 0: it needs a known port, so read the one the OS chose after binding."""

    def __init__(self, handler: Inbox, **kw: Any) -> None:
        super().__init__(handler, hostname="127.0.0.1", port=0, **kw)

    def _create_server(self) -> Awaitable[Any]:
        pending = super()._create_server()

        async def bind() -> Any:
            server: Any = await pending
            self.port = server.sockets[0].getsockname()[1]
            return server

        return bind()


@contextmanager
def smtp_server(inbox: Inbox, **kw: Any) -> Iterator[LoopbackSMTP]:
    controller = LoopbackSMTP(inbox, **kw)
    controller.start()
    try:
        yield controller
    finally:
        controller.stop()


def accept_only(user: str, password: str) -> Any:
    def authenticator(server: Any, session: Any, envelope: Any, mechanism: str, data: Any) -> AuthResult:
        ok = isinstance(data, LoginPassword) and (data.login, data.password) == (
            user.encode(),
            password.encode(),
        )
        return AuthResult(success=ok, handled=False)

    return authenticator


@pytest.fixture(scope="module")
def ca() -> Any:
    """A throwaway CA; only the TLS tests need trustme, so only they skip without it."""
    trustme = pytest.importorskip("trustme", reason="trustme makes the throwaway TLS certificates")
    return trustme.CA()


@pytest.fixture(scope="module")
def server_tls(ca: Any) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1").configure_cert(ctx)
    return ctx


@pytest.fixture(scope="module")
def client_tls(ca: Any) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    ca.configure_trust(ctx)
    return ctx


def digest() -> Digest:
    return build_digest(sample_stories(), channel="email", generated_at=GENERATED_AT, cap=20, since=SINCE)


def settings(port: int, **kw: Any) -> EmailSettings:
    base = EmailSettings(
        host="127.0.0.1", port=port, security="none", sender=SENDER, recipients=RECIPIENTS, timeout_s=5
    )
    return replace(base, **kw)


def failure(channel: EmailChannel) -> DeliveryError:
    with pytest.raises(DeliveryError) as info:
        channel.send(digest())
    assert info.value.accepted_story_ids == () and info.value.channel == "email"
    return info.value


def parts(message: Message) -> dict[str, str]:
    return {p.get_content_type(): p.get_content() for p in message.iter_parts()}  # type: ignore[attr-defined]


# --------------------------------------------------------------------------------------------------
# Accepted mail
# --------------------------------------------------------------------------------------------------


def test_plain_relay_delivers_one_message_to_every_recipient() -> None:
    inbox = Inbox()
    d = digest()
    with smtp_server(inbox) as srv:
        receipt = EmailChannel(settings(srv.port)).send(d)
    [(mail_from, rcpts, raw)] = inbox.received
    assert mail_from == "monitor@example.org" and rcpts == list(RECIPIENTS)
    as_sent = email.message_from_bytes(raw)  # compat32 keeps the encoded words as they travelled
    assert as_sent["Subject"].startswith("=?utf-8?")
    assert str(make_header(decode_header(as_sent["Subject"]))) == d.subject
    msg = email.message_from_bytes(raw, policy=email.policy.default)
    assert msg["Subject"] == d.subject and msg["Message-ID"] == receipt.message_id
    assert msg["Date"] and msg["To"] == ", ".join(RECIPIENTS)
    assert receipt.story_ids == d.story_ids and receipt.refused == ()


def test_both_parts_carry_the_same_stories_and_links() -> None:
    inbox = Inbox()
    d = digest()
    with smtp_server(inbox) as srv:
        EmailChannel(settings(srv.port)).send(d)
    msg = email.message_from_bytes(inbox.received[0][2], policy=email.policy.default)
    assert msg.get_content_type() == "multipart/alternative"
    forms = parts(msg)
    assert set(forms) == {"text/plain", "text/html"}
    for item in d.items:
        for form, body in forms.items():
            assert item.outlets in body and item.when in body, (form, item.number)
            if item.link:
                assert item.link in body, (form, item.link)
    assert forms["text/plain"].count("https://") == forms["text/html"].count('href="https://')


def test_starttls_with_login(server_tls: ssl.SSLContext, client_tls: ssl.SSLContext) -> None:
    inbox = Inbox()
    with smtp_server(
        inbox, tls_context=server_tls, require_starttls=True, authenticator=accept_only("monitor", "s3cret")
    ) as srv:
        cfg = settings(srv.port, security="starttls", username="monitor", password="s3cret")
        receipt = EmailChannel(cfg, ssl_context=client_tls).send(digest())
    assert len(inbox.received) == 1 and receipt.messages == 1


def test_implicit_tls(server_tls: ssl.SSLContext, client_tls: ssl.SSLContext) -> None:
    inbox = Inbox()
    with smtp_server(inbox, ssl_context=server_tls) as srv:
        EmailChannel(settings(srv.port, security="tls"), ssl_context=client_tls).send(digest())
    assert len(inbox.received) == 1


def test_one_refused_recipient_among_several_is_reported_not_retried() -> None:
    inbox = Inbox()
    inbox.refuse["desk@example.com"] = "550 5.1.1 no such user"
    with smtp_server(inbox) as srv:
        receipt = EmailChannel(settings(srv.port)).send(digest())
    assert inbox.received[0][1] == ["analyst@example.org"] and receipt.refused == ("desk@example.com",)


# --------------------------------------------------------------------------------------------------
# Faults
# --------------------------------------------------------------------------------------------------


def test_connection_refused() -> None:
    port = closed_port()
    err = failure(EmailChannel(settings(port)))
    assert f"127.0.0.1:{port}" in str(err) and "connection refused" in str(err) and err.retryable


def test_every_recipient_refused() -> None:
    inbox = Inbox()
    inbox.refuse = {r: "550 5.1.1 no such user" for r in RECIPIENTS}
    with smtp_server(inbox) as srv:
        err = failure(EmailChannel(settings(srv.port)))
    assert "RCPT TO refused" in str(err) and "desk@example.com (550" in str(err) and not err.retryable
    assert inbox.received == []


def test_temporarily_refused_recipient_is_retryable() -> None:
    inbox = Inbox()
    inbox.refuse = {r: "450 4.2.1 mailbox busy" for r in RECIPIENTS}
    with smtp_server(inbox) as srv:
        assert failure(EmailChannel(settings(srv.port))).retryable


def test_drop_during_data() -> None:
    inbox = Inbox()
    inbox.drop_in_data = True
    with smtp_server(inbox) as srv:
        err = failure(EmailChannel(settings(srv.port)))
    assert f"127.0.0.1:{srv.port}" in str(err) and "closed the connection" in str(err) and err.retryable


def test_login_failure(server_tls: ssl.SSLContext, client_tls: ssl.SSLContext) -> None:
    with smtp_server(Inbox(), tls_context=server_tls, authenticator=accept_only("monitor", "right")) as srv:
        cfg = settings(srv.port, security="starttls", username="monitor", password="wrong")
        err = failure(EmailChannel(cfg, ssl_context=client_tls))
    assert "login failed: 535" in str(err) and not err.retryable and "username_env" in (err.hint or "")
    assert "wrong" not in str(err)


def test_untrusted_certificate(server_tls: ssl.SSLContext) -> None:
    with smtp_server(Inbox(), tls_context=server_tls) as srv:
        err = failure(EmailChannel(settings(srv.port, security="starttls")))  # system trust only
    assert "certificate not trusted during STARTTLS" in str(err) and not err.retryable


def test_server_without_starttls() -> None:
    with smtp_server(Inbox()) as srv:
        err = failure(EmailChannel(settings(srv.port, security="starttls")))
    assert (
        "STARTTLS not supported" in str(err) and not err.retryable and 'security = "tls"' in (err.hint or "")
    )


def test_silent_server_times_out() -> None:
    with socket.socket() as listener:  # accepts connections (backlog) but never says hello
        listener.bind(("127.0.0.1", 0))
        listener.listen()
        port = listener.getsockname()[1]
        err = failure(EmailChannel(settings(port, timeout_s=0.3)))
    assert "timed out during connect" in str(err) and err.retryable
