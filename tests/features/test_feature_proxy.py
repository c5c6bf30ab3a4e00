"""Proxies: HTTP CONNECT, SOCKS5 and "env", each a real proxy on 127.0.0.1 in front of a server."""

from __future__ import annotations

import asyncio
from collections.abc import Iterator

import pytest
from feature_servers import LIMIT, client, http_connect_proxy, socks5_proxy, ws_server

import metis_env.api.transport as transport_module
from metis_env.api import ConnectError


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


async def test_a_proxy_that_is_down_is_a_connect_error() -> None:
    """Nothing listens at the proxy address: connect() fails with a ConnectError."""
    async with http_connect_proxy() as proxy:
        port = proxy.port
    ws = client(1, proxy=f"http://127.0.0.1:{port}", auto_reconnect=False)
    with pytest.raises(ConnectError):
        await asyncio.wait_for(ws.connect(), LIMIT)
