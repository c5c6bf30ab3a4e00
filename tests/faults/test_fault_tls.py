"""TLS failures: verification is on by default and every bad certificate is refused.

Cases: a certificate from an unknown CA, an expired one, one for another host, a
self-signed one; a private CA trusted through caFile works; ``rejectUnauthorized: false``
connects anyway and warns on every connect, reconnects included. A certificate failure is
fatal for the reconnect policy (retrying cannot fix it).
"""

from __future__ import annotations

import asyncio
import contextlib
import datetime
import logging
import ssl
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
import trustme
from fault_helpers import COUNTS, LIMIT, EventLog, free_port
from websockets.asyncio.server import ServerConnection, serve

from metis_env.api import TLSError, WebSocketApi

pytestmark = pytest.mark.usefixtures("transport_name")

OPENED = [("open",), ("connection-change", True)]
FAILED_TLS = [("error", "TLSError"), ("close", 1006), ("connection-change", False)]
NOW = datetime.datetime.now(datetime.UTC)


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def ca_file(ca: trustme.CA, tmp_path: Path) -> str:
    path = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(path))
    return str(path)


def server_context(cert: trustme.LeafCert) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    cert.configure_cert(ctx)
    return ctx


def self_signed_context(ca: trustme.CA, tmp_path: Path) -> ssl.SSLContext:
    """A server presenting a self-signed certificate (the CA's own, not trusted by anyone)."""
    cert, key = tmp_path / "self.pem", tmp_path / "self.key"
    ca.cert_pem.write_to_path(str(cert))
    ca.private_key_pem.write_to_path(str(key))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ctx.load_cert_chain(str(cert), str(key))
    return ctx


async def _echo(conn: ServerConnection) -> None:
    async for message in conn:
        await conn.send(message)


@contextlib.asynccontextmanager
async def tls_server(ctx: ssl.SSLContext, port: int = 0) -> AsyncIterator[int]:
    async with serve(_echo, "127.0.0.1", port, ssl=ctx, ping_interval=None) as srv:
        yield next(iter(srv.sockets)).getsockname()[1]


def wss(port: int, **kw: Any) -> WebSocketApi:
    kw.setdefault("auto_reconnect", False)
    return WebSocketApi(
        protocol="wss",
        host="localhost",
        port=port,
        keep_alive_interval=0,
        reconnect_delay=250,
        random=lambda: 0.0,
        **kw,
    )


def bad_certificates(ca: trustme.CA, tmp_path: Path) -> dict[str, tuple[ssl.SSLContext, str]]:
    """name -> (server context, what the error must say); the client trusts ``ca``."""
    stranger = trustme.CA()
    return {
        "untrusted": (server_context(stranger.issue_cert("localhost", "127.0.0.1")), "issuer"),
        "expired": (
            server_context(
                ca.issue_cert(
                    "localhost",
                    "127.0.0.1",
                    not_before=NOW - datetime.timedelta(days=30),
                    not_after=NOW - datetime.timedelta(days=1),
                )
            ),
            "expired",
        ),
        "wrong-host": (server_context(ca.issue_cert("other.example")), "hostname"),
        "self-signed": (self_signed_context(stranger, tmp_path), "self-signed"),
    }


@pytest.mark.parametrize("case", ["untrusted", "expired", "wrong-host", "self-signed"])
async def test_bad_certificate_is_refused_by_default(
    case: str, ca: trustme.CA, ca_file: str, tmp_path: Path
) -> None:
    """Verification on by default (even with a private CA added): each bad cert fails clearly."""
    ctx, words = bad_certificates(ca, tmp_path)[case]
    async with tls_server(ctx) as port:
        ws = wss(port, ca_file=ca_file)
        assert ws.reject_unauthorized is True
        log = EventLog(ws)
        with pytest.raises(TLSError) as info:
            await asyncio.wait_for(ws.connect(), LIMIT)
        assert info.value.code == "CERTIFICATE"
        assert words in str(info.value).lower(), str(info.value)
        assert "rejectUnauthorized" in str(info.value)  # says what to do
        assert log.entries == FAILED_TLS and ws.state is WebSocketApi.CLOSED
        COUNTS["TLS failures refused"] += 1


async def test_private_ca_in_ca_file_is_trusted(ca: trustme.CA, ca_file: str) -> None:
    """caFile adds a private CA: its certificate for the host verifies and messages flow."""
    async with tls_server(server_context(ca.issue_cert("localhost", "127.0.0.1"))) as port:
        ws = wss(port, ca_file=ca_file)
        log = EventLog(ws, messages=True)
        await ws.connect()
        ws.send({"over": "tls"})
        await log.until(lambda: log.messages == [{"over": "tls"}])
        assert log.entries == OPENED
        await ws.disconnect()


async def test_without_ca_file_a_private_ca_is_not_trusted(ca: trustme.CA) -> None:
    """The system store alone does not know the private CA."""
    async with tls_server(server_context(ca.issue_cert("localhost", "127.0.0.1"))) as port:
        with pytest.raises(TLSError, match="certificate"):
            await asyncio.wait_for(wss(port).connect(), LIMIT)


async def test_reject_unauthorized_false_warns_on_every_connect_and_reconnect(
    ca: trustme.CA, tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """Opt-out connects to a self-signed server, warning once per attempt (not twice)."""
    port = free_port()
    with caplog.at_level(logging.WARNING, logger="metis_env.api"):
        async with tls_server(self_signed_context(ca, tmp_path), port):
            ws = wss(port, reject_unauthorized=False, auto_reconnect=True)
            log = EventLog(ws)
            await ws.connect()
            assert ws.reject_unauthorized is False
        async with tls_server(self_signed_context(ca, tmp_path), port):  # server restarted
            await log.wait_for(("open",), 2)
            await ws.disconnect()
    connects = [r for r in caplog.records if "rejectUnauthorized: false" in r.getMessage()]
    assert len(connects) == 2  # the first connect and the automatic reconnect, once each


async def test_certificate_failure_on_reconnect_stops_reconnecting(
    ca: trustme.CA, ca_file: str
) -> None:
    """The server comes back with an expired certificate: one attempt, then reconnect-failed."""
    port = free_port()
    good = server_context(ca.issue_cert("localhost", "127.0.0.1"))
    past = (NOW - datetime.timedelta(days=9), NOW - datetime.timedelta(days=2))
    expired = server_context(ca.issue_cert("localhost", not_before=past[0], not_after=past[1]))
    async with tls_server(good, port):
        ws = wss(port, ca_file=ca_file, auto_reconnect=True)
        log = EventLog(ws)
        await ws.connect()
    async with tls_server(expired, port):
        await log.wait_for(("reconnect-failed",))
        await asyncio.sleep(0.5)  # no further attempt
    assert log.entries == [
        *OPENED,
        ("close", 1001),
        ("connection-change", False),
        ("reconnecting", 1),
        *FAILED_TLS,
        ("reconnect-failed",),
    ]
    assert log.reasons == ["the server's TLS certificate was rejected"]
    assert "expired" in str(log.errors[0])
    COUNTS["faults survived"] += 1
