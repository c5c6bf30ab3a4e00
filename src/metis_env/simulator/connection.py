"""`Connection`: the server side of one accepted connection: dispatch, sender, streams.

Each received message goes to its handler (`metis_env.simulator.registry`); the actions it
produces go into an outbox with the time they are due. One sender task takes them out in
order, so replies never overtake each other, a stream starts only after the replies queued
before it went out, and a ``close`` comes after them. Each stream is a task of its own that
stops on an event (never cancelled mid-send), so ``stream-end`` is always a seed stream's
last message.

A handler that raises never takes the connection down: the client gets an ``error`` reply
(``{"type": "error", "error": "simulator handler for 'login' failed: ValueError: …"}``, with
the message's ``id``/``requestId``), the failure is recorded (`Recorder.errors`) and logged
as a warning (the traceback at DEBUG), and the next message is served as usual.

Every task lives on the connection and is cancelled and awaited by `Connection.shutdown`.
"""

from __future__ import annotations

import asyncio
import contextlib
import inspect
import logging
from collections.abc import Awaitable, Sequence
from typing import Any

from websockets.asyncio.server import ServerConnection
from websockets.exceptions import ConnectionClosed

from metis_env.api.codec import Data, decode, encode
from metis_env.simulator.actions import (
    Action,
    Close,
    Drop,
    Reply,
    StartStream,
    Stream,
    Unsubscribe,
)
from metis_env.simulator.context import HandlerContext
from metis_env.simulator.faults import FaultSettings
from metis_env.simulator.protocol import ProtocolConfig, SessionState, handle_message, stream_end
from metis_env.simulator.recorder import Recorder
from metis_env.simulator.registry import Handler, HandlerRegistry
from metis_env.simulator.streams import Streams
from metis_env.simulator.transcript import TranscriptWriter

__all__ = ["Connection"]

logger = logging.getLogger("metis_env.simulator")


class Connection:
    """The server side of one connection, after its handshake."""

    def __init__(
        self,
        conn_id: int,
        connection: ServerConnection,
        *,
        registry: HandlerRegistry,
        config: ProtocolConfig,
        headers: dict[str, str],
        faults: FaultSettings,
        recorder: Recorder,
        stopping: asyncio.Event,
        transcript: TranscriptWriter | None = None,
    ) -> None:
        self.conn_id = conn_id  # the id tests see in ReceivedMessage.conn_id
        self.connection = connection  # the websockets connection (send, close, transport)
        self.headers = headers  # the upgrade's headers, lower-case names
        self.path = connection.request.path if connection.request is not None else "/"
        self.state = SessionState()  # what the seed protocol remembers (authentication)
        self.data: dict[str, Any] = {}  # handlers' own per-connection state (ctx.state)
        self._registry = registry  # the simulator's handlers (shared, read per message)
        self._config = config  # the seed protocol's settings (for the fallback)
        self._faults = faults  # the simulator's fault switches (reply delay, answering)
        self._recorder = recorder  # the simulator's observations
        self._stopping = stopping  # set when the simulator stops (ends on_close handlers)
        self._transcript = transcript  # records this connection's traffic, or None
        self._outbox: asyncio.Queue[tuple[float, Sequence[Action]]] = asyncio.Queue()
        self._streams = Streams(
            f"simulator-conn-{conn_id}",
            self.send,
            lambda name, exc: self._failed(f"stream {name!r}", exc, None, 0, answer=False),
        )
        self._sender = asyncio.get_running_loop().create_task(
            self._send_loop(), name=f"simulator-conn-{conn_id}-sender"
        )

    def __repr__(self) -> str:
        return f"<Connection {self.conn_id} {self.path!r} streams={self.channels}>"

    @property
    def channels(self) -> list[str]:
        """The streams running now, in start order."""
        return self._streams.names

    # The connection's life

    async def serve(self) -> None:
        """Run the connect handlers, answer every message, then record the end and run the
        close handlers. Returns when the connection has ended and every task is done."""
        loop = asyncio.get_running_loop()
        self._recorder.connected(self.conn_id)
        if self._transcript is not None:
            self._transcript.opened(self.conn_id, self.path, self.headers)
        try:
            for handler in list(self._registry.connect_handlers):
                await self.run("on_connect", handler, self.context(self._due(loop)))
            async for raw in self.connection:
                message = decode(raw)
                self._recorder.message(self.conn_id, message, raw)
                if self._transcript is not None:
                    self._transcript.client_sent(self.conn_id, raw)
                if self._faults.answering:
                    await self.handle(raw, message, self._due(loop))
        except ConnectionClosed:
            pass  # dropped or failed: the end of the loop is the disconnect
        finally:
            await self.shutdown()

    async def ended(self) -> None:
        """Record how the connection ended and run the close handlers (after `serve`)."""
        ws = self.connection
        code = ws.close_code if ws.close_code is not None else 1006
        reason = ws.close_reason or ""
        if self._transcript is not None:
            first = ws.protocol.close_rcvd_then_sent  # None: no close handshake (dropped)
            by = None if first is None else "client" if first else "server"
            self._transcript.closed(self.conn_id, code, reason, by)
        loop = asyncio.get_running_loop()
        for handler in list(self._registry.close_handlers):
            ctx = self.context(loop.time(), close_code=code, close_reason=reason)
            await self.run("on_close", handler, ctx, answer=False)
        self._recorder.disconnected(self.conn_id)

    def _due(self, loop: asyncio.AbstractEventLoop) -> float:
        """When answers to what arrives now are due: now plus the reply-delay fault."""
        return loop.time() + self._faults.reply_delay_ms / 1000

    # Handlers

    def context(self, due: float, **fields: Any) -> HandlerContext:
        """A context for one handler call on this connection, its answers due at ``due``."""
        return HandlerContext(
            conn_id=self.conn_id,
            path=self.path,
            headers=self.headers,
            state=self.data,
            seed_state=self.state,
            submit=self.submit,
            due=due,
            **fields,
        )

    async def handle(self, raw: Data, message: Any, due: float) -> None:
        """Answer one received payload (``message`` is it decoded); answers due at ``due``."""
        try:
            found = self._registry.find(message)
        except Exception as exc:  # a `when` predicate failed: report it like a handler
            self._failed("when", exc, message, due)
            return
        if found is None:
            self.submit(handle_message(raw, self.state, self._config, {}), due)
            return
        kind, handler = found
        await self.run(kind, handler, self.context(due, message=message, raw=raw))

    async def run(
        self, event: str, handler: Handler, ctx: HandlerContext, answer: bool = True
    ) -> bool:
        """Call ``handler``; on failure report it as ``event`` (and, with ``answer``, send
        the client an ``error`` message).

        A coroutine handler still running when its connection ends (an ``on_close`` one: when
        the simulator stops) is cancelled, so a handler that never returns cannot hold up
        `Simulator.stop`.

        Returns:
            True when the handler returned normally.
        """
        try:
            result = handler(ctx)
            if inspect.isawaitable(result):
                until = self._stopping.wait() if not answer else self.connection.wait_closed()
                await self._unless(result, until)
        except Exception as exc:
            self._failed(event, exc, ctx.message, ctx.due, answer=answer)
            return False
        return True

    @staticmethod
    async def _unless(work: Awaitable[Any], until: Awaitable[Any]) -> None:
        """Await ``work``, cancelling it if ``until`` completes first."""
        task = asyncio.ensure_future(work)
        stop = asyncio.ensure_future(until)
        try:
            await asyncio.wait({task, stop}, return_when=asyncio.FIRST_COMPLETED)
        finally:
            stop.cancel()
            if not task.done():
                task.cancel()
            await asyncio.gather(task, stop, return_exceptions=True)
        if not task.cancelled():
            task.result()  # raises what the handler raised

    def _failed(
        self, event: str, exc: Exception, message: Any, due: float, answer: bool = True
    ) -> None:
        logger.warning(
            "simulator handler for %r failed on connection %d: %s: %s",
            event,
            self.conn_id,
            type(exc).__name__,
            exc,
        )
        logger.debug("simulator handler traceback", exc_info=exc)
        self._recorder.handler_failed(self.conn_id, event, exc)
        if not answer:
            return
        reply: dict[str, Any] = {"type": "error"}
        for key in ("id", "requestId"):
            if isinstance(message, dict) and key in message:
                reply[key] = message[key]
        reply["error"] = f"simulator handler for {event!r} failed: {type(exc).__name__}: {exc}"
        with contextlib.suppress(Exception):  # an unencodable id: answer without it
            encode(reply)
            self.submit([Reply(reply)], due)
            return
        self.submit([Reply({"type": "error", "error": reply["error"]})], due)

    # Sending

    def submit(self, actions: Sequence[Action], due: float) -> None:
        """Queue ``actions`` to run at loop time ``due`` (seconds), after earlier ones."""
        self._outbox.put_nowait((due, actions))

    async def send(self, message: Any) -> None:
        """Send one message (encoded by `encode`); a closed connection is not an error here.

        Raises:
            EncodeError: ``message`` cannot be written as JSON.
        """
        payload = encode(message)
        with contextlib.suppress(ConnectionClosed):
            await self.connection.send(payload)
            if self._transcript is not None:
                self._transcript.server_sent(self.conn_id, payload)

    async def shutdown(self) -> None:
        """Stop the sender and every stream, and wait for them; queued replies are dropped."""
        await self._streams.shutdown()
        for _ in range(100):  # bounded: a cancellation swallowed by awaited code is re-sent
            self._sender.cancel()
            await asyncio.wait({self._sender}, timeout=0.05)
            if self._sender.done():
                break
        if self._sender.done() and not self._sender.cancelled():
            self._sender.exception()  # retrieve it, so asyncio never reports it as lost

    async def _send_loop(self) -> None:
        loop = asyncio.get_running_loop()
        while True:
            due, actions = await self._outbox.get()
            delay = due - loop.time()
            if delay > 0:
                await asyncio.sleep(delay)
            for action in actions:
                try:
                    await self._execute(action)
                except Exception as exc:  # never lose the sender to one bad action
                    self._failed("send", exc, None, 0, answer=False)

    async def _execute(self, action: Action) -> None:
        if isinstance(action, Reply):
            await self.send(action.message)
        elif isinstance(action, StartStream | Stream):
            self._streams.start(action)
        elif isinstance(action, Unsubscribe):
            names = self._streams.names if action.channels is None else list(action.channels)
            for name in names:
                sent = await self._streams.stop(name)
                if sent is not None:
                    await self.send(stream_end(name, sent))
            await self.send({"type": "unsubscribed", "channels": names})
        elif isinstance(action, Close):
            with contextlib.suppress(ConnectionClosed):
                await self.connection.close(action.code, action.reason)
        elif isinstance(action, Drop):
            self.connection.transport.abort()
