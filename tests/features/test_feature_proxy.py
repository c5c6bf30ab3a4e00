"""Proxies: HTTP CONNECT, SOCKS5 and "env", each a real proxy on 127.0.0.1 in front of a server."""

from __future__ import annotations

import asyncio
import contextlib
import socket
from collections.abc import AsyncIterator, Iterator

import pytest
from feature_servers import LIMIT, client, http_connect_proxy, socks5_proxy, ws_server

import metis_env.api.transport as transport_module
from log_capture import LogCapture
from metis_env.api import ConnectError, ConnectRefusedError, HandshakeError


@pytest.fixture(autouse=True)
def transport_name() -> Iterator[str]:
    """No per-transport runs here: 'auto' must itself pick websockets when a proxy is set."""
    previous = transport_module.AUTO_PREFERENCE
    transport_module.AUTO_PREFERENCE = None
    try:
        yield "auto"
    finally:
        transport_module.AUTO_PREFERENCE = previous


async def test_http_connect_proxy_carries_the_connection() -> None:
    """The proxy sees 'CONNECT 127.0.0.1:<port>'; request/reply works through the tunnel."""
    async with ws_server() as srv, http_connect_proxy() as proxy:
        ws = client(srv.port, proxy=f"http://127.0.0.1:{proxy.port}")
        await ws.connect()
        reply = await asyncio.wait_for(ws.request({"type": "request", "id": "via"}), LIMIT)
        await ws.disconnect()
        assert proxy.lines == [f"CONNECT 127.0.0.1:{srv.port} HTTP/1.1"]
        assert reply["id"] == "via" and len(srv.peers) == 1


async def test_socks5_proxy_carries_the_connection() -> None:
    """socks5:// goes through python-socks; the proxy records the target host and port."""
    pytest.importorskip("python_socks")
    async with ws_server() as srv, socks5_proxy() as proxy:
        ws = client(srv.port, proxy=f"socks5://127.0.0.1:{proxy.port}")
        await ws.connect()
        reply = await asyncio.wait_for(ws.request({"type": "request", "id": "s5"}), LIMIT)
        await ws.disconnect()
        assert proxy.lines == [f"127.0.0.1:{srv.port}"]
        assert reply["id"] == "s5"


async def test_env_reads_the_usual_proxy_variables(monkeypatch: pytest.MonkeyPatch) -> None:
    """proxy='env' uses http_proxy (ws://) unless no_proxy excludes the host."""
    async with ws_server() as srv, http_connect_proxy() as proxy:
        for name in ("no_proxy", "NO_PROXY", "all_proxy", "ALL_PROXY", "HTTP_PROXY"):
            monkeypatch.delenv(name, raising=False)
        monkeypatch.setenv("http_proxy", f"http://127.0.0.1:{proxy.port}")
        ws = client(srv.port, proxy="env")
        await ws.connect()
        await ws.disconnect()
        assert proxy.lines == [f"CONNECT 127.0.0.1:{srv.port} HTTP/1.1"]


def _closed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@pytest.mark.parametrize("scheme", ["http", "socks5"])
async def test_a_proxy_that_is_down_is_named_in_the_error(
    scheme: str, all_logs: LogCapture
) -> None:
    """Nothing listens at the proxy: the refusal names the proxy (password hidden), says it
    was the proxy, and is still a ConnectionRefusedError (issue 12, item 7)."""
    if scheme == "socks5":
        pytest.importorskip("python_socks")
    proxy_port, target_port = _closed_port(), _closed_port()
    ws = client(
        target_port, proxy=f"{scheme}://user:s3cret@127.0.0.1:{proxy_port}", auto_reconnect=False
    )
    errors: list[BaseException] = []
    ws.add_event_listener("error", lambda event: errors.append(event.error))
    with pytest.raises(ConnectRefusedError) as info:
        await asyncio.wait_for(ws.connect(), LIMIT)
    text = str(info.value)
    assert text.startswith(f"connect ECONNREFUSED 127.0.0.1:{proxy_port}: the proxy "), text
    assert f"{scheme}://user:***@127.0.0.1:{proxy_port}" in text
    assert f"127.0.0.1:{target_port} was not contacted" in text
    assert isinstance(info.value, ConnectionRefusedError)  # the builtin, too
    assert errors == [info.value]
    assert "s3cret" not in all_logs.text()


@contextlib.asynccontextmanager
async def _refusing_proxy(answer: bytes | None, *, socks: bool = False) -> AsyncIterator[int]:
    """A proxy that accepts TCP, then refuses the tunnel with ``answer`` (None: says nothing
    until the client hangs up)."""

    async def handle(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        with contextlib.suppress(Exception):
            if socks:  # RFC 1928: greeting -> "no auth", then the CONNECT request
                greeting = await reader.readexactly(2)  # VER NMETHODS, then the methods
                await reader.readexactly(greeting[1])
                writer.write(b"\x05\x00")
                await reader.readexactly(10)  # VER CMD RSV ATYP=1 ADDR(4) PORT(2)
            else:
                await reader.readuntil(b"\r\n\r\n")
            if answer is None:
                await reader.read()  # silent until the client gives up
            else:
                writer.write(answer)
                await writer.drain()
        writer.close()

    server = await asyncio.start_server(handle, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        server.close()


async def test_an_http_proxy_that_refuses_the_tunnel_is_named() -> None:
    """CONNECT answered 403: HandshakeError with the proxy's status, naming the proxy."""
    async with _refusing_proxy(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 0\r\n\r\n") as port:
        ws = client(1, proxy=f"http://u:pw@127.0.0.1:{port}", auto_reconnect=False)
        with pytest.raises(HandshakeError) as info:
            await asyncio.wait_for(ws.connect(), LIMIT)
    assert info.value.status == 403
    text = str(info.value)
    assert text.startswith(
        f"The proxy http://u:***@127.0.0.1:{port} refused to open a tunnel to 127.0.0.1:1: HTTP 403"
    ), text
    assert ":pw@" not in text


async def test_a_socks_proxy_that_cannot_reach_the_server_is_named() -> None:
    """The SOCKS5 proxy answers 'connection refused' (REP 5): a ConnectError naming it."""
    pytest.importorskip("python_socks")
    reply = b"\x05\x05\x00\x01" + bytes(6)
    async with _refusing_proxy(reply, socks=True) as port:
        ws = client(1, proxy=f"socks5://127.0.0.1:{port}", auto_reconnect=False)
        with pytest.raises(ConnectError) as info:
            await asyncio.wait_for(ws.connect(), LIMIT)
    assert info.value.code == "EPROXY"
    text = str(info.value)
    prefix = f"The proxy socks5://127.0.0.1:{port} could not open a tunnel to 127.0.0.1:1: "
    assert text.startswith(prefix), text


async def test_a_proxy_that_never_answers_times_out_naming_it() -> None:
    """CONNECT never answered: the connect timeout (a TimeoutError) says it went through the
    proxy, so nobody goes looking at the server."""
    async with _refusing_proxy(None) as port:
        ws = client(
            1, proxy=f"http://u:pw@127.0.0.1:{port}", auto_reconnect=False, connect_timeout=1000
        )
        with pytest.raises(TimeoutError) as info:
            await asyncio.wait_for(ws.connect(), LIMIT)
    assert isinstance(info.value, ConnectError)
    assert str(info.value) == (
        "Opening handshake has timed out after 1000 ms (ETIMEDOUT) connecting to 127.0.0.1:1 "
        f"through the proxy http://u:***@127.0.0.1:{port}"
    )
