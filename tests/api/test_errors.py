"""Errors follow the standard library (issue 9, edge 6), checked on real failures.

* a refused connection is a builtin `ConnectionRefusedError` (so an `OSError`) with
  ``errno`` ECONNREFUSED, and still our `ConnectError`;
* a connect timeout is a builtin `TimeoutError` with ``errno`` ETIMEDOUT;
* a 1009 drop (message too big) is a `ConnectionClosedError` with ``code`` 1009;
* every error pickles with its data (no name shadowing a builtin: ``tests/test_exports.py``).

Refusals, timeouts and drops are real (127.0.0.1), on both transports, through the public
API only (``from_config``, ``connect()``, events).
"""

from __future__ import annotations

import asyncio
import builtins
import errno
import pickle
import socket
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from typing import Any

import pytest

from metis_env.api import (
    ConfigIssue,
    ConnectError,
    ConnectionClosedError,
    ConnectRefusedError,
    ConnectTimeoutError,
    HandshakeError,
    InvalidConfigurationError,
    MessageTooBigError,
    MetisEnvError,
    WebSocketApi,
)

TRANSPORTS = ["websockets", "picows"]


def _client(port: int, transport: str, **config: Any) -> WebSocketApi:
    if transport == "picows":
        pytest.importorskip("picows", reason="picows is not installed (extra 'fast')")
    base = {"host": "127.0.0.1", "port": port, "transport": transport, "autoReconnect": False}
    return WebSocketApi.from_config({**base, "keepAliveInterval": 0, **config})


def _free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


@asynccontextmanager
async def _silent_tcp() -> AsyncIterator[int]:
    """Accepts TCP and reads the upgrade request, but never answers it."""
    held: list[asyncio.StreamWriter] = []

    async def accept(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        held.append(writer)

    server = await asyncio.start_server(accept, "127.0.0.1", 0)
    try:
        yield server.sockets[0].getsockname()[1]
    finally:
        for writer in held:
            writer.transport.abort()
        server.close()


def test_hierarchy_has_the_stdlib_bases() -> None:
    """Each error keeps our base and gains the stdlib one callers catch."""
    assert issubclass(ConnectRefusedError, ConnectError)
    assert issubclass(ConnectRefusedError, builtins.ConnectionRefusedError)
    assert issubclass(ConnectTimeoutError, ConnectError)
    assert issubclass(ConnectTimeoutError, TimeoutError)
    assert issubclass(MessageTooBigError, ConnectionClosedError)
    assert not issubclass(HandshakeError, OSError)  # the server answered: not an OS failure


def test_oserror_attributes_of_a_refusal() -> None:
    """errno/strerror as an OSError has them; args, str and repr stay our message."""
    error = ConnectRefusedError("connect ECONNREFUSED 127.0.0.1:9", url="ws://127.0.0.1:9")
    assert (error.errno, error.strerror) == (errno.ECONNREFUSED, "Connection refused")
    assert error.args == ("connect ECONNREFUSED 127.0.0.1:9",)
    assert str(error) == "connect ECONNREFUSED 127.0.0.1:9"
    assert repr(error) == "ConnectRefusedError('connect ECONNREFUSED 127.0.0.1:9')"
    assert error.filename is None and error.code == "ECONNREFUSED"
    timeout = ConnectTimeoutError("Opening handshake has timed out after 5 ms (ETIMEDOUT)")
    assert (timeout.errno, timeout.code) == (errno.ETIMEDOUT, "ETIMEDOUT")


@pytest.mark.parametrize(
    "error",
    [
        ConnectRefusedError("connect ECONNREFUSED h:1", url="ws://h:1"),
        ConnectTimeoutError("timed out (ETIMEDOUT)", url="ws://h:1"),
        MessageTooBigError("too big", url="ws://h:1", reason="over 10 bytes"),
        ConnectionClosedError("gone", url="ws://h:1", code=4000, reason="bye"),
        HandshakeError("Unexpected server response: 503", url="ws://h:1", status=503),
        InvalidConfigurationError([ConfigIssue("port", "must be 1-65535", 0)]),
    ],
    ids=lambda e: type(e).__name__,
)
def test_errors_pickle_with_their_data(error: MetisEnvError) -> None:
    """A round trip through pickle keeps the class, the message and every attribute."""
    copy = pickle.loads(pickle.dumps(error))
    assert type(copy) is type(error)
    assert str(copy) == str(error)
    assert vars(copy) == vars(error)
    if isinstance(error, OSError):
        assert isinstance(copy, OSError) and copy.errno == error.errno


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_refused_connection_is_a_builtin_connection_refused_error(transport: str) -> None:
    """`except ConnectionRefusedError` and `except OSError` catch a real refusal."""
    port = _free_port()
    ws = _client(port, transport)
    errors: list[BaseException] = []
    ws.add_event_listener("error", lambda event: errors.append(event.error))
    try:
        await asyncio.wait_for(ws.connect(), 2.0)
    except builtins.ConnectionRefusedError as caught:
        error: BaseException = caught
    else:
        pytest.fail("connect() succeeded with nothing listening")
    assert isinstance(error, ConnectRefusedError) and isinstance(error, OSError)
    assert error.errno == errno.ECONNREFUSED
    assert "ECONNREFUSED" in str(error) and f"127.0.0.1:{port}" in str(error)
    assert error.__cause__ is not None  # the OS's own error, chained
    assert errors == [error]


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_connect_timeout_is_a_builtin_timeout_error(transport: str) -> None:
    """`except TimeoutError` catches a real handshake timeout (connectTimeout 1000 ms)."""
    async with _silent_tcp() as port:
        ws = _client(port, transport, connectTimeout=1000)
        with pytest.raises(TimeoutError) as info:
            await asyncio.wait_for(ws.connect(), 3.0)
    error = info.value
    assert isinstance(error, ConnectTimeoutError)  # ours, not asyncio.wait_for's
    assert error.errno == errno.ETIMEDOUT
    assert "ETIMEDOUT" in str(error) and "1000 ms" in str(error)


@pytest.mark.parametrize("transport", TRANSPORTS)
async def test_1009_drop_is_a_connection_closed_error(transport: str) -> None:
    """A message over maxMessageSize: the drop is a ConnectionClosedError with code 1009."""
    from websockets.asyncio.server import ServerConnection, serve

    async def send_big(conn: ServerConnection) -> None:
        await conn.send(b"x" * 2000)
        await conn.wait_closed()

    async with serve(send_big, "127.0.0.1", 0, ping_interval=None) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        ws = _client(port, transport, maxMessageSize=1000)
        seen: list[Any] = []
        closed = asyncio.Event()
        ws.add_event_listener(["error", "close"], seen.append)
        ws.add_event_listener("close", lambda event: closed.set())
        await asyncio.wait_for(ws.connect(), 2.0)
        await asyncio.wait_for(closed.wait(), 2.0)
    assert [event.method for event in seen] == ["error", "close"]
    try:
        raise seen[0].error
    except ConnectionClosedError as caught:
        assert isinstance(caught, MessageTooBigError)
        assert caught.code == 1009 and seen[1].code == 1009
