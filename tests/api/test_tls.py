"""TLS: verification by default, self-signed rejected, private CA trusted, opt-out warns."""

from __future__ import annotations

import logging
import ssl
from pathlib import Path

import pytest
import trustme
from api_servers import ws_server

from metis_env.api import ConfigError, TLSError, WebSocketApi

pytestmark = pytest.mark.usefixtures("transport_name")


@pytest.fixture(scope="module")
def ca() -> trustme.CA:
    return trustme.CA()


@pytest.fixture
def server_ssl(ca: trustme.CA) -> ssl.SSLContext:
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(ctx)
    return ctx


def wss(port: int, **kw: object) -> WebSocketApi:
    return WebSocketApi(
        protocol="wss",
        host="localhost",
        port=port,
        keep_alive_interval=0,
        auto_reconnect=False,
        **kw,
    )  # type: ignore[arg-type]


async def test_untrusted_certificate_is_rejected_by_default(server_ssl: ssl.SSLContext) -> None:
    """wss verifies by default: a certificate from an unknown CA fails with 'certificate'."""
    async with ws_server(ssl=server_ssl) as srv:
        ws = wss(srv.port)
        assert ws.reject_unauthorized is True
        with pytest.raises(TLSError) as info:
            await ws.connect()
        assert "certificate" in str(info.value)
        assert "caFile" in str(info.value)


async def test_ca_file_trusts_a_private_ca(
    ca: trustme.CA, server_ssl: ssl.SSLContext, tmp_path: Path
) -> None:
    """caFile adds a private CA; the connection verifies and opens."""
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    async with ws_server(ssl=server_ssl) as srv:
        ws = wss(srv.port, ca_file=str(ca_file))
        await ws.connect()
        assert ws.is_connected
        await ws.disconnect()


async def test_wrong_host_name_is_rejected(
    ca: trustme.CA, server_ssl: ssl.SSLContext, tmp_path: Path
) -> None:
    """A trusted certificate for another host name still fails verification."""
    ca_file = tmp_path / "ca.pem"
    ca.cert_pem.write_to_path(str(ca_file))
    ctx = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    ca.issue_cert("other.example").configure_cert(ctx)
    async with ws_server(ssl=ctx) as srv:
        ws = wss(srv.port, ca_file=str(ca_file))
        with pytest.raises(TLSError, match="certificate"):
            await ws.connect()


async def test_reject_unauthorized_false_accepts_and_warns_on_every_connect(
    server_ssl: ssl.SSLContext, caplog: pytest.LogCaptureFixture
) -> None:
    """Development opt-out: connects to a self-signed server and logs a warning each time."""
    async with ws_server(ssl=server_ssl) as srv:
        ws = wss(srv.port, reject_unauthorized=False)
        with caplog.at_level(logging.WARNING, logger="metis_env.api"):
            await ws.connect()
            await ws.disconnect()
            await ws.connect()
            await ws.disconnect()
        warnings = [r for r in caplog.records if "without verifying" in r.getMessage()]
        assert len(warnings) == 2
        assert ws.reject_unauthorized is False


async def test_missing_ca_file_fails_with_a_config_error_naming_the_key(tmp_path: Path) -> None:
    """A caFile that does not exist is reported as such, at connect time."""
    ws = wss(1, ca_file=str(tmp_path / "nope.pem"))
    with pytest.raises(ConfigError) as info:
        await ws.connect()
    assert info.value.key == "caFile"
