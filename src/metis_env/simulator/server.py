"""`Simulator`: a real WebSocket server that plays the target system, with faults on demand.

Built on ``websockets.asyncio.server``. The simulator owns the lifecycle (start, stop,
restart on the same port), accepts connections, records what it receives (`Recorder`),
answers through the protocol (`metis_env.simulator.protocol`, one `Session` per connection)
and injects the faults of `FaultSettings` when asked. `serve` runs one until cancelled (the
``metis-env serve`` verb).
"""

from __future__ import annotations

import asyncio
import logging
import weakref
from collections.abc import Callable, Collection
from types import TracebackType
from typing import Any

from websockets.asyncio.server import Server, ServerConnection
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosed
from websockets.http11 import Request, Response

from metis_env.api.codec import decode, encode
from metis_env.api.errors import ConfigError
from metis_env.simulator.faults import FaultSettings
from metis_env.simulator.protocol import MIN_STREAM_INTERVAL_MS, ProtocolConfig, handle_message
from metis_env.simulator.recorder import Recorder
from metis_env.simulator.session import Session

__all__ = ["Simulator", "serve"]

logger = logging.getLogger("metis_env.simulator")


def _check_ms(key: str, value: int, minimum: int = 0) -> int:
    if isinstance(value, bool) or not isinstance(value, int) or value < minimum:
        raise ConfigError(key, value, f"must be an integer number of milliseconds >= {minimum}")
    return value


class Simulator(Recorder):
    """A WebSocket server speaking the seed's example protocol, for tests, demos and offline work.

    Use it as ``async with Simulator() as sim:`` and connect to ``sim.url``. It listens on
    ``host``:``port`` (port 0 picks a free port; `port` holds the real one once started).

    Observation (from `Recorder`): ``received``, ``handshake_headers``, ``connection_count``,
    ``total_connections``, ``wait_for_connections``, ``wait_for_message``,
    ``wait_for_disconnects``. Faults: `close_all`, `drop_all`, `set_answer_pings`,
    `refuse_handshakes`, `set_handshake_delay`, `set_reply_delay`, `stop_answering`,
    `send_raw`; settings stay in force across `restart`.

    Args:
        host: interface to listen on.
        port: TCP port; 0 picks a free one.
        stream_interval_ms: interval of streams whose ``subscribe`` names none (>= 5).
        valid_tokens: tokens ``authenticate`` accepts; ``None``: any non-empty token.
        require_auth: refuse ``subscribe``/``command``/``request`` before a successful
            ``authenticate`` (``{"type": "error", "error": "not authenticated"}``).
        max_size: largest message accepted, in bytes; ``None``: no limit.
        ping_interval: seconds between the server's own keepalive pings; ``None``: none.
        close_timeout: seconds to wait for a client's close frame when closing.
    """

    def __init__(
        self,
        host: str = "127.0.0.1",
        port: int = 0,
        *,
        # Protocol
        stream_interval_ms: int = 100,
        valid_tokens: Collection[str] | None = None,
        require_auth: bool = False,
        # Limits and timeouts
        max_size: int | None = 16 * 2**20,
        ping_interval: float | None = None,
        close_timeout: float = 2.0,
    ) -> None:
        super().__init__()
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigError("port", port, "must be an integer from 0 to 65535 (0: any free port)")
        _check_ms("stream_interval_ms", stream_interval_ms, MIN_STREAM_INTERVAL_MS)
        if isinstance(valid_tokens, str | bytes):
            raise ConfigError(
                "valid_tokens", valid_tokens, "must be a collection of tokens, e.g. {'abc123'}"
            )
        tokens = None if valid_tokens is None else frozenset(valid_tokens)
        self.host = host  # interface to listen on
        self.port = port  # the bound port once started (kept for restart)
        self.faults = FaultSettings()  # which faults are on; see the fault methods
        self._config = ProtocolConfig(stream_interval_ms, tokens, require_auth)
        self._max_size = max_size
        self._ping_interval = ping_interval
        self._close_timeout = close_timeout
        self._server: Server | None = None  # the running server, None when stopped
        self._stopping = asyncio.Event()  # set by stop(): ends handshake delays at once
        self._sessions: dict[int, Session] = {}  # open connections by id
        self._handshaking: weakref.WeakSet[ServerConnection] = weakref.WeakSet()
        self._paused: weakref.WeakSet[ServerConnection] = weakref.WeakSet()  # reading paused
        self._next_id = 1  # ids are never reused, not even across restarts

    def __repr__(self) -> str:
        state = "serving" if self._server is not None else "stopped"
        return f"<Simulator {self.url} {state} connections={self.connection_count}>"

    @property
    def url(self) -> str:
        """``ws://host:port`` (IPv6 hosts in brackets); the real port once started."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"ws://{host}:{self.port}"

    @property
    def is_serving(self) -> bool:
        """True between `start` and `stop`."""
        return self._server is not None

    # Lifecycle

    async def start(self) -> None:
        """Listen; a no-op when already serving.

        Raises:
            OSError: the port cannot be bound (for example, it is in use).
        """
        if self._server is not None:
            return
        self._stopping = asyncio.Event()
        self._server = await ws_serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._process_request,
            process_response=self._process_response,
            max_size=self._max_size,
            ping_interval=self._ping_interval,
            ping_timeout=self._ping_interval,
            close_timeout=self._close_timeout,
            reuse_address=True,
        )
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("simulator listening on %s", self.url)

    async def stop(self) -> None:
        """Close every connection (1001 going away) and the listener; idempotent.

        Connections with reading paused (`set_answer_pings` ``False``) cannot complete a
        close handshake, so they are aborted. Returns when every handler and task is done.
        """
        server, self._server = self._server, None
        if server is None:
            return
        self._stopping.set()
        for connection in list(self._paused):
            connection.transport.abort()
        server.close(close_connections=True)
        try:
            await asyncio.wait_for(server.wait_closed(), self._close_timeout + 1.0)
        except TimeoutError:
            self._abort_all()
            await server.wait_closed()
        logger.info("simulator on %s stopped", self.url)

    async def restart(self) -> None:
        """Stop, then listen again on the same port (clients see their connections end)."""
        await self.stop()
        await self.start()

    async def __aenter__(self) -> Simulator:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # Handshake and connection handling

    async def _process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        headers: dict[str, str] = {}
        for name, value in request.headers.raw_items():
            key = name.lower()  # HTTP header names are case-insensitive
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        self._record_handshake(headers)
        self._handshaking.add(connection)
        if self.faults.handshake_delay_ms > 0:
            await self._hold(connection, self.faults.handshake_delay_ms / 1000)
        status = self.faults.refuse_status
        if status is not None:
            return connection.respond(
                status, f"The simulator refuses handshakes (HTTP {status}).\n"
            )
        return None

    async def _hold(self, connection: ServerConnection, seconds: float) -> None:
        """Sleep ``seconds``, unless the client leaves or the simulator stops first."""
        waits = [
            asyncio.ensure_future(asyncio.sleep(seconds)),
            asyncio.ensure_future(self._stopping.wait()),
            asyncio.ensure_future(connection.wait_closed()),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
            await asyncio.gather(*waits, return_exceptions=True)

    def _process_response(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> None:
        self._handshaking.discard(connection)
        if response.status_code == 101 and not self.faults.answer_pings:
            # Pause before the 101 goes out, so not even the first ping is read.
            connection.transport.pause_reading()
            self._paused.add(connection)

    async def _handle(self, connection: ServerConnection) -> None:
        conn_id, self._next_id = self._next_id, self._next_id + 1
        session = Session(conn_id, connection)
        self._sessions[conn_id] = session
        self._record_connect(conn_id)
        loop = asyncio.get_running_loop()
        try:
            async for raw in connection:
                self._record_message(conn_id, decode(raw), raw)
                if not self.faults.answering:
                    continue
                actions = handle_message(raw, session.state, self._config)
                session.submit(actions, loop.time() + self.faults.reply_delay_ms / 1000)
        except ConnectionClosed:
            pass  # dropped or failed: the handler's end is the disconnect
        finally:
            await session.close()
            del self._sessions[conn_id]
            if connection in self._paused:
                connection.transport.abort()  # a silent peer never finishes a close handshake
            self._record_disconnect(conn_id)

    def _abort_all(self) -> None:
        for connection in [*(s.connection for s in self._sessions.values()), *self._handshaking]:
            connection.transport.abort()

    def _targets(self, conn: int | None) -> list[Session]:
        if conn is None:
            return list(self._sessions.values())
        if conn not in self._sessions:
            raise ConfigError(
                "conn", conn, f"must be the id of an open connection (open: {self.connection_ids})"
            )
        return [self._sessions[conn]]

    # Sending

    async def broadcast(self, message: Any) -> None:
        """Send ``message`` (encoded by `encode`: ``str`` as text, ``bytes`` as binary,
        anything else as JSON) to every open connection; closed ones are skipped."""
        await self.send(message)

    async def send(self, message: Any, conn: int | None = None) -> None:
        """Send ``message`` to connection ``conn`` (``None``: all), as `broadcast` does.

        Raises:
            ConfigError: ``conn`` is not an open connection.
            EncodeError: ``message`` cannot be written as JSON.
        """
        payload = encode(message)
        await asyncio.gather(*(session.send(payload) for session in self._targets(conn)))

    async def send_raw(self, data: bytes, conn: int | None = None) -> None:
        """Write ``data`` to the TCP stream of ``conn`` (``None``: all), beneath WebSocket.

        For malformed frames (see `metis_env.simulator.faults`): the bytes are not framed,
        masked or checked, so the client sees exactly them.

        Raises:
            ConfigError: ``conn`` is not an open connection.
        """
        for session in self._targets(conn):
            session.connection.transport.write(bytes(data))
        await asyncio.sleep(0)

    # Faults

    async def close_all(self, code: int = 1000, reason: str = "") -> None:
        """Close every open connection with a proper close frame carrying ``code``/``reason``.

        Returns when the close handshakes finish (or ``close_timeout`` runs out).
        """
        sessions = list(self._sessions.values())
        await asyncio.gather(*(s.connection.close(code, reason) for s in sessions))

    def drop_all(self) -> None:
        """Abort the TCP connection of every connection, open or mid-handshake, without a
        close frame: clients see an abnormal closure (1006)."""
        self._abort_all()

    def set_answer_pings(self, answer: bool) -> None:
        """``False``: play a silent, half-open peer on every connection, existing and new.

        Reading from the socket is paused, so nothing the client sends is processed: no pong
        for its pings, no replies, no close handshake. ``True`` resumes reading; what the
        client sent meanwhile (pings included) is then processed.
        """
        self.faults.answer_pings = answer
        if answer:
            for connection in list(self._paused):
                connection.transport.resume_reading()
            self._paused.clear()
            return
        for session in self._sessions.values():
            session.connection.transport.pause_reading()
            self._paused.add(session.connection)

    def refuse_handshakes(self, status: int | None = 503) -> None:
        """Answer every upgrade with HTTP ``status`` instead of 101; ``None`` accepts again."""
        if status is not None and (
            isinstance(status, bool) or not isinstance(status, int) or not 200 <= status <= 599
        ):
            raise ConfigError("status", status, "must be an HTTP status from 200 to 599, or None")
        self.faults.refuse_status = status

    def set_handshake_delay(self, ms: int) -> None:
        """Hold each upgrade ``ms`` milliseconds before answering (0: answer at once).

        Lets clients test their connect timeout. The server gives up on a handshake after
        10 s, so delays beyond that refuse the connection.
        """
        self.faults.handshake_delay_ms = _check_ms("ms", ms)

    def set_reply_delay(self, ms: int) -> None:
        """Send each protocol reply ``ms`` milliseconds after its message arrived (0: at once).

        Replies keep their order; streams already running are not delayed.
        """
        self.faults.reply_delay_ms = _check_ms("ms", ms)

    def stop_answering(self) -> None:
        """Keep receiving and recording messages, but send no protocol replies (and start
        or stop no streams). Pings are still answered; running streams keep running."""
        self.faults.answering = False

    def resume_answering(self) -> None:
        """Undo `stop_answering`: messages from now on are answered again."""
        self.faults.answering = True


async def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    ready: Callable[[str], None] | None = None,
    stream_interval_ms: int = 100,
    valid_tokens: Collection[str] | None = None,
    require_auth: bool = False,
) -> None:
    """Run a `Simulator` until cancelled, then stop it cleanly.

    Args:
        host: interface to listen on.
        port: TCP port (0: any free port; ``ready`` receives the real one).
        ready: called once with the URL when listening.
        stream_interval_ms, valid_tokens, require_auth: as for `Simulator`.
    """
    simulator = Simulator(
        host,
        port,
        stream_interval_ms=stream_interval_ms,
        valid_tokens=valid_tokens,
        require_auth=require_auth,
    )
    async with simulator:
        if ready is not None:
            ready(simulator.url)
        await asyncio.Event().wait()  # until cancelled
