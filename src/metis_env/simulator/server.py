"""`Simulator`: a real WebSocket server that plays the target system, with faults on demand.

Built on ``websockets.asyncio.server``. The simulator owns the lifecycle (start, stop,
restart on the same port) and accepts connections; its parts do the rest: a `Recorder`
(``sim.recorder``) keeps what it saw, a `HandlerRegistry` (``sim.handlers``, seeded with the
seed protocol) decides the answers, one `Connection` per client carries them out, and
`FaultSettings` (``sim.faults``) says which faults are on. An optional `TranscriptWriter`
(``transcript=``) records the traffic. `metis_env.simulator.serving.serve` runs one until
cancelled (the ``metis-env serve`` verb).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Collection
from types import TracebackType
from typing import Any

from websockets.asyncio.server import Server, ServerConnection
from websockets.asyncio.server import serve as ws_serve

from metis_env.api.codec import encode
from metis_env.api.errors import ConfigError
from metis_env.simulator.connection import Connection
from metis_env.simulator.faults import FaultSettings, check_ms
from metis_env.simulator.handshake import Handshakes
from metis_env.simulator.protocol import MIN_STREAM_INTERVAL_MS, ProtocolConfig
from metis_env.simulator.recorder import (
    DEFAULT_HISTORY,
    HandlerError,
    MessagePredicate,
    ReceivedMessage,
    Recorder,
)
from metis_env.simulator.registry import HandlerRegistry
from metis_env.simulator.transcript import TranscriptWriter

__all__ = ["Simulator"]

logger = logging.getLogger("metis_env.simulator")


class Simulator:
    """A WebSocket server speaking the seed's example protocol, or yours, for tests and demos.

    Use it as ``async with Simulator() as sim:`` and connect to ``sim.url``. It listens on
    ``host``:``port`` (port 0 picks a free port; `port` holds the real one once started).
    Handlers: `on`, `on_connect`, `on_close` (see ``docs/simulator.md``).

    Observation: ``sim.recorder``'s, forwarded (``received``, ``wait_for_message`` …).
    Faults: `close_all`, `drop_all`, `set_answer_pings`, `refuse_handshakes`,
    `set_handshake_delay`, `set_reply_delay`, `stop_answering`, `send_raw`; settings stay in
    force across `restart`.

    Args:
        host: interface to listen on.
        port: TCP port; 0 picks a free one.
        seed_protocol: answer with the seed protocol (``hello``, ``subscribe`` …) where no
            handler of yours does; ``False``: only your handlers and the fallback.
        stream_interval_ms: interval of streams whose ``subscribe`` names none (>= 5).
        valid_tokens: tokens ``authenticate`` accepts; ``None``: any non-empty token.
        require_auth: refuse ``subscribe``/``command``/``request`` before a successful
            ``authenticate`` (``{"type": "error", "error": "not authenticated"}``).
        history: messages (and, apart, headers and handler errors) the recorder keeps;
            ``None``: all of them.
        transcript: record every open, message and close here; ``None``: no transcript.
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
        seed_protocol: bool = True,
        stream_interval_ms: int = 100,
        valid_tokens: Collection[str] | None = None,
        require_auth: bool = False,
        # Recording
        history: int | None = DEFAULT_HISTORY,
        transcript: TranscriptWriter | None = None,
        # Limits and timeouts
        max_size: int | None = 16 * 2**20,
        ping_interval: float | None = None,
        close_timeout: float = 2.0,
    ) -> None:
        if isinstance(port, bool) or not isinstance(port, int) or not 0 <= port <= 65535:
            raise ConfigError("port", port, "must be an integer from 0 to 65535 (0: any free port)")
        check_ms("stream_interval_ms", stream_interval_ms, MIN_STREAM_INTERVAL_MS)
        if isinstance(valid_tokens, str | bytes):
            raise ConfigError(
                "valid_tokens", valid_tokens, "must be a collection of tokens, e.g. {'abc123'}"
            )
        tokens = None if valid_tokens is None else frozenset(valid_tokens)
        self.host = host  # interface to listen on
        self.port = port  # the bound port once started (kept for restart)
        self.faults = FaultSettings()  # which faults are on; see the fault methods
        self.recorder = Recorder(history)  # what the simulator saw; bounded by `history`
        self.transcript = transcript  # records the traffic, or None
        self._config = ProtocolConfig(stream_interval_ms, tokens, require_auth)
        # Which handler answers what: the seed protocol's rows, then the user's.
        self.handlers = HandlerRegistry.seeded(self._config) if seed_protocol else HandlerRegistry()
        # The decorators of a simulator script: ``@sim.on("login")``, ``@sim.on_connect``.
        self.on = self.handlers.on
        self.on_connect = self.handlers.on_connect
        self.on_close = self.handlers.on_close
        self._max_size = max_size
        self._ping_interval = ping_interval
        self._close_timeout = close_timeout
        self._server: Server | None = None  # the running server, None when stopped
        self._connections: dict[int, Connection] = {}  # open connections by id
        # The upgrade phase; headers go to whichever recorder the simulator has then.
        self._upgrades = Handshakes(self.faults, lambda headers: self.recorder.handshake(headers))
        self._next_id = 1  # ids are never reused, not even across restarts

    def __repr__(self) -> str:
        state = "serving" if self._server is not None else "stopped"
        return f"<Simulator {self.url} {state} connections={self.recorder.connection_count}>"

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
        self._upgrades.stopping = asyncio.Event()
        self._server = await ws_serve(
            self._handle,
            self.host,
            self.port,
            process_request=self._upgrades.process_request,
            process_response=self._upgrades.process_response,
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
        self._upgrades.stopping.set()
        for connection in list(self._upgrades.paused):
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

    # Handlers

    def check_assertions(self) -> None:
        """Fail if a handler raised or a one-shot handler (``times``) was not used up.

        Raises:
            AssertionError: listing each handler error and each unused handler.
        """
        problems = [f"handler for {e.event!r} on conn {e.conn_id}: {e.error}" for e in self.errors]
        problems += [f"not used up: {text}" for text in self.handlers.unused()]
        if problems:
            raise AssertionError("simulator: " + "; ".join(problems))

    # Observation: the recorder's, forwarded (see `Recorder` for each).

    @property
    def received(self) -> list[ReceivedMessage]:
        """The kept messages, oldest first."""
        return self.recorder.received

    @property
    def handshake_headers(self) -> list[dict[str, str]]:
        """Each kept upgrade's headers, lower-case names."""
        return self.recorder.handshake_headers

    @property
    def errors(self) -> list[HandlerError]:
        """Handlers that raised (their clients got ``error`` replies)."""
        return self.recorder.errors

    @property
    def connection_count(self) -> int:
        """How many accepted connections are open now."""
        return self.recorder.connection_count

    @property
    def connection_ids(self) -> list[int]:
        """The ids of the open connections, oldest first."""
        return self.recorder.connection_ids

    @property
    def total_connections(self) -> int:
        """Connections ever accepted (handshake completed)."""
        return self.recorder.total_connections

    @property
    def total_disconnects(self) -> int:
        """Accepted connections that have ended."""
        return self.recorder.total_disconnects

    def clear_received(self) -> None:
        """`Recorder.clear_received`."""
        self.recorder.clear_received()

    async def wait_for_connections(self, n: int, timeout: float = 5.0) -> None:
        """`Recorder.wait_for_connections`."""
        await self.recorder.wait_for_connections(n, timeout)

    async def wait_for_disconnects(self, n: int, timeout: float = 5.0) -> None:
        """`Recorder.wait_for_disconnects`."""
        await self.recorder.wait_for_disconnects(n, timeout)

    async def wait_for_message(
        self, predicate: MessagePredicate, timeout: float = 5.0
    ) -> ReceivedMessage:
        """`Recorder.wait_for_message`."""
        return await self.recorder.wait_for_message(predicate, timeout)

    # Handshake and connection handling

    async def _handle(self, connection: ServerConnection) -> None:
        conn_id, self._next_id = self._next_id, self._next_id + 1
        conn = Connection(
            conn_id,
            connection,
            registry=self.handlers,
            config=self._config,
            headers=self._upgrades.headers_of(connection),
            faults=self.faults,
            recorder=self.recorder,
            stopping=self._upgrades.stopping,
            transcript=self.transcript,
        )
        self._connections[conn_id] = conn
        try:
            await conn.serve()
        finally:
            del self._connections[conn_id]
            if connection in self._upgrades.paused:
                connection.transport.abort()  # a silent peer never finishes a close handshake
            await conn.ended()

    def _abort_all(self) -> None:
        for connection in [
            *(s.connection for s in self._connections.values()),
            *self._upgrades.handshaking,
        ]:
            connection.transport.abort()

    def _targets(self, conn: int | None) -> list[Connection]:
        if conn is None:
            return list(self._connections.values())
        if conn not in self._connections:
            raise ConfigError(
                "conn",
                conn,
                f"must be the id of an open connection (open: {self.recorder.connection_ids})",
            )
        return [self._connections[conn]]

    # Sending

    async def broadcast(self, message: Any) -> None:
        """Send ``message`` to every open connection (``send(message)``)."""
        await self.send(message)

    async def send(self, message: Any, conn: int | None = None) -> None:
        """Send ``message`` to connection ``conn`` (``None``: every open one): ``str`` as
        text, ``bytes`` as binary, anything else as JSON; closed ones are skipped.

        Raises:
            ConfigError: ``conn`` is not an open connection.
            EncodeError: ``message`` cannot be written as JSON.
        """
        payload = encode(message)
        await asyncio.gather(*(target.send(payload) for target in self._targets(conn)))

    async def send_raw(self, data: bytes, conn: int | None = None) -> None:
        """Write ``data`` to the TCP stream of ``conn`` (``None``: all), beneath WebSocket.

        For malformed frames (see `metis_env.simulator.faults`): the bytes are not framed,
        masked or checked, so the client sees exactly them.

        Raises:
            ConfigError: ``conn`` is not an open connection.
        """
        for target in self._targets(conn):
            target.connection.transport.write(bytes(data))
        await asyncio.sleep(0)

    # Faults

    async def close_all(self, code: int = 1000, reason: str = "") -> None:
        """Close every open connection with a proper close frame carrying ``code``/``reason``.

        Returns when the close handshakes finish (or ``close_timeout`` runs out).
        """
        targets = list(self._connections.values())
        await asyncio.gather(*(c.connection.close(code, reason) for c in targets))

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
            for connection in list(self._upgrades.paused):
                connection.transport.resume_reading()
            self._upgrades.paused.clear()
            return
        for target in self._connections.values():
            target.connection.transport.pause_reading()
            self._upgrades.paused.add(target.connection)

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
        self.faults.handshake_delay_ms = check_ms("ms", ms)

    def set_reply_delay(self, ms: int) -> None:
        """Send each protocol reply ``ms`` milliseconds after its message arrived (0: at once).

        Replies keep their order; streams already running are not delayed.
        """
        self.faults.reply_delay_ms = check_ms("ms", ms)

    def stop_answering(self) -> None:
        """Keep receiving and recording messages, but send no protocol replies (and start
        or stop no streams). Pings are still answered; running streams keep running."""
        self.faults.answering = False

    def resume_answering(self) -> None:
        """Undo `stop_answering`: messages from now on are answered again."""
        self.faults.answering = True
