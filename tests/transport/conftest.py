"""Fixtures of the transport conformance suite: connectors, servers, a recording listener.

Every test that takes ``connector`` runs once per transport (STYLE.md §14). A transport whose
module is not importable on this branch, or whose library is missing, is skipped with the
reason, never silently dropped.
"""

from __future__ import annotations

import asyncio
import ssl
from collections.abc import AsyncIterator, Awaitable, Callable
from typing import Any

import pytest
import trustme
from servers import TestServer, run_server

from metis_env.api.transport.base import Connector, OpenRequest, Transport

#: The transports under test; each name maps to "module:class".
CONNECTORS = {
    "picows": "metis_env.api.transport.picows_transport:PicowsConnector",
    "websockets": "metis_env.api.transport.websockets_transport:WebsocketsConnector",
}

#: Upper bound for any single wait in these tests, in seconds.
WAIT = 2.0


def make_connector(name: str) -> Connector:
    """Build the named connector, or skip the test with the reason it cannot run."""
    module_name, _, class_name = CONNECTORS[name].partition(":")
    if name == "picows":
        pytest.importorskip("picows", reason="picows is not installed (extra 'fast')")
    try:
        module = __import__(module_name, fromlist=[class_name])
    except ImportError as exc:
        pytest.skip(f"transport {name!r} is not available on this branch: {exc}")
    connector: Connector = getattr(module, class_name)()
    return connector


@pytest.fixture(params=sorted(CONNECTORS))
def connector(request: pytest.FixtureRequest) -> Connector:
    """Each transport in turn."""
    return make_connector(request.param)


class Recorder:
    """A TransportListener that records every callback, in order."""

    def __init__(self) -> None:
        self.events: list[tuple[Any, ...]] = []
        self.messages: asyncio.Queue[str | bytes] = asyncio.Queue()
        self.pongs: asyncio.Queue[bytes] = asyncio.Queue()
        self.closed: asyncio.Future[tuple[int, str, BaseException | None]] = (
            asyncio.get_running_loop().create_future()
        )

    def on_message(self, data: str | bytes) -> None:
        self.events.append(("message", data))
        self.messages.put_nowait(data)

    def on_pong(self, data: bytes) -> None:
        self.events.append(("pong", data))
        self.pongs.put_nowait(data)

    def on_close(self, code: int, reason: str, error: BaseException | None) -> None:
        self.events.append(("close", code, reason, error))
        if not self.closed.done():
            self.closed.set_result((code, reason, error))

    async def next_message(self, limit: float = WAIT) -> str | bytes:
        """The next complete message."""
        return await asyncio.wait_for(self.messages.get(), limit)

    async def wait_closed(self, limit: float = WAIT) -> tuple[int, str, BaseException | None]:
        """What on_close reported: (code, reason, error)."""
        return await asyncio.wait_for(asyncio.shield(self.closed), limit)

    def close_events(self) -> list[tuple[Any, ...]]:
        """Every on_close call seen so far."""
        return [event for event in self.events if event[0] == "close"]


Opener = Callable[..., Awaitable[tuple[Transport, Recorder]]]


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    """A plain ws:// test server."""
    async with run_server() as running:
        yield running


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    """A throwaway certificate authority."""
    return trustme.CA()


@pytest.fixture
async def tls_server(ca: trustme.CA) -> AsyncIterator[TestServer]:
    """A wss:// test server whose certificate ``ca`` signed (for 127.0.0.1 and localhost)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    async with run_server(context) as running:
        yield running


@pytest.fixture
async def open_ws(connector: Connector) -> AsyncIterator[Opener]:
    """Open connections with the transport under test; abort leftovers at teardown."""
    opened: list[Transport] = []

    async def opener(url: str, **options: Any) -> tuple[Transport, Recorder]:
        options.setdefault("open_timeout", WAIT)
        options.setdefault("close_timeout", 0.5)
        recorder = Recorder()
        transport = await connector.open(OpenRequest(url=url, **options), recorder)
        opened.append(transport)
        return transport, recorder

    yield opener
    for transport in opened:
        transport.abort()
