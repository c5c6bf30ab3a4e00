"""One picows connection: the listener picows calls and the `Transport` we hand out.

`PicowsTransport` fills the gaps picows leaves to its user (see `picows_transport`). This
module holds the connection's state, sending (with backpressure), closing (the close frame,
the close timer, ``abort``), the receive hot path (a whole message in one frame, copied and
delivered before ``on_ws_frame`` returns), and delivery to the listener, holding callbacks
until ``open()`` returns and reporting ``on_close`` exactly once, last. Every other frame is
handled by its base class `PicowsFrames` (`_picows_frames`): fragment reassembly within
``max_size`` (1009), UTF-8 checks (1007), protocol errors picows lets through (1002), and
close frames (RFC 6455 §5.5.1).

Nothing here imports picows at run time: the opcodes arrive as class attributes of the
subclass `picows_transport` builds when the first connection is opened.
"""

from __future__ import annotations

import asyncio
import contextlib
import logging
import sys
from collections.abc import Callable
from typing import TYPE_CHECKING, Any

from metis_env.api.closecodes import check_close, check_ping
from metis_env.api.errors import ConnectionClosedError
from metis_env.api.logs import log_event, redacted_url
from metis_env.api.transport._picows_frames import PicowsFrames, State, close_code, failure_close
from metis_env.api.transport.base import OpenRequest, TransportListener

if TYPE_CHECKING:
    import picows

__all__ = ["PicowsTransport", "State"]

logger = logging.getLogger("metis_env.api.transport.picows_transport")

_OPEN = State.OPEN  # one global lookup on the hot path instead of two


class PicowsTransport(PicowsFrames):
    """One open connection over picows; also its picows listener.

    The class picows drives is built at first use by `_listener_class` (this class plus
    ``picows.WSListener``), so importing this module never imports picows.
    """

    def __init__(self, request: OpenRequest, listener: TransportListener) -> None:
        self._request = request
        self._listener = listener
        self._loop = asyncio.get_running_loop()
        # picows' transport, set in on_ws_connected (before open() returns).
        self._ws: picows.WSTransport | None = None
        self._state = State.OPEN
        self._max_size = request.max_size
        # The fragmented message being reassembled (§5.4): None when none; else is it text.
        self._frag_text: bool | None = None
        self._frag_parts: list[bytes] = []
        self._frag_size = 0
        # The peer's close frame (code, reason), once received.
        self._close_rcvd: tuple[int, str] | None = None
        # True once *we* sent a close frame (picows sends its own on parser errors).
        self._close_sent = False
        # Why we failed the connection, reported through on_close.
        self._error: BaseException | None = None
        # True after abort(): the drop was asked for, not suffered.
        self._aborted = False
        # True once picows' disconnect exception is (being) retrieved (see on_ws_disconnected);
        # the task doing it, when close() could not.
        self._reaped = False
        self._reaper: asyncio.Task[None] | None = None
        # Bounds the closing handshake (close_timeout), then aborts.
        self._close_timer: asyncio.TimerHandle | None = None
        # Writing is paused (picows' buffer above its high-water mark): a plain bool for the
        # send hot path, plus one future that blocked senders share (created when needed;
        # an asyncio.Event would cost every idle connection its waiter deque).
        self._paused = False
        self._drained: asyncio.Future[None] | None = None
        # True once on_close was delivered (or never will be: open() failed); close() returns
        # then. The close() calls waiting for it, if any (no future for a connection nobody
        # waits on, and one hop less than shielding a shared one).
        self._close_done = False
        self._close_waiters: list[asyncio.Future[None]] | None = None
        # Callbacks held until open() has returned, then replayed in order; None afterwards.
        self._held: list[tuple[Callable[..., None], tuple[Any, ...]]] | None = []
        # Set when open() failed after picows built us: deliver nothing, drop the connection.
        self._muted = False

    def __repr__(self) -> str:
        return f"<PicowsTransport {redacted_url(self._request.url)} {self._state.name}>"

    # -- state ------------------------------------------------------------------------------

    @property
    def state(self) -> State:
        """The connection state; every change is logged at DEBUG."""
        return self._state

    @state.setter
    def state(self, new: State) -> None:
        if logger.isEnabledFor(logging.DEBUG):  # else skip redacting the URL
            url, old = self._request.url, self._state.name
            text = "%s: %s -> %s"
            log_event(
                logger,
                logging.DEBUG,
                "transport.state",
                url,
                text,
                redacted_url(url),
                old,
                new.name,
            )
        self._state = new

    # -- Transport --------------------------------------------------------------------------

    @property
    def subprotocol(self) -> str | None:
        """The sub-protocol the server selected, if any."""
        if self._ws is None or self._ws.response is None:
            return None
        value: str | None = self._ws.response.headers.get("Sec-WebSocket-Protocol")
        return value

    @property
    def raw(self) -> object:
        """picows' ``WSTransport`` (not stable API)."""
        return self._ws

    def try_send(self, data: str | bytes) -> bool:
        """Send one message now unless writing is paused (then send nothing, return False)."""
        ws = self._ws
        assert ws is not None
        if self._state is not _OPEN or ws.is_close_frame_sent:
            if self._state is _OPEN:
                self._adopt_picows_failure(ws)
            raise self._not_open()
        if self._paused:
            return False
        ws.send(self._TEXT if type(data) is str else self._BINARY, data)
        return True

    async def send_text(self, data: str) -> None:
        """Send one text message; waits while the write buffer is full."""
        ws = await self._ready_to_send()
        ws.send(self._TEXT, data)

    async def send_bytes(self, data: bytes) -> None:
        """Send one binary message; waits while the write buffer is full."""
        ws = await self._ready_to_send()
        ws.send(self._BINARY, data)

    async def ping(self, data: bytes = b"") -> None:
        """Send a ping (at most 125 bytes, RFC 6455 §5.5); the pong comes to ``on_pong``."""
        check_ping(data)
        ws = await self._ready_to_send()
        ws.send_ping(data)

    async def close(self, code: int = 1000, reason: str = "") -> None:
        """Close gracefully: send a close frame, wait for the peer, abort after close_timeout.

        Returns once ``on_close`` was delivered. Cancelling it aborts the connection.
        """
        check_close(code, reason)
        if self._state is State.OPEN:
            self._send_close(code, reason)
        if self._close_done:
            return
        waiter = self._loop.create_future()
        if self._close_waiters is None:
            self._close_waiters = [waiter]
        else:
            self._close_waiters.append(waiter)
        try:
            await waiter
        except asyncio.CancelledError:
            if self._close_waiters is not None and waiter in self._close_waiters:
                self._close_waiters.remove(waiter)  # on_ws_disconnected must not count on us
            self.abort()
            if self._state is State.CLOSED:
                self._reap()  # on_ws_disconnected left that to us
            raise
        if not self._reaped and self._ws is not None:
            # No task needed: this one retrieves it (on_ws_disconnected left it to us).
            self._reaped = True
            with contextlib.suppress(Exception):  # picows' copy of a failure we reported
                await self._ws.wait_disconnected()

    def start_close(self, code: int = 1000, reason: str = "") -> None:
        """Begin the closing handshake and return at once; ``on_close`` reports its end.

        The synchronous form of `close` (no task, no waiting): the close frame is written
        now, and the close timer aborts the connection after ``close_timeout`` as in `close`.
        """
        check_close(code, reason)
        if self._state is State.OPEN:
            self._send_close(code, reason)

    def abort(self) -> None:
        """Drop the TCP connection now; ``on_close`` follows with 1006. Never raises."""
        if self._state is State.CLOSED or self._ws is None:
            return
        self._aborted = True
        if self._state is State.OPEN:
            self.state = State.CLOSING  # no delivery, no send, until on_close
        try:
            self._ws.disconnect(graceful=False)
        except Exception:  # wrong thread, or a transport already gone: nothing left to drop
            self._log_error("transport.abort_failed", "abort failed")

    # -- picows WSListener callbacks (plain calls on the event loop) ---------------------------

    def on_ws_connected(self, transport: picows.WSTransport) -> None:
        """The handshake is done; keep picows' transport (or drop it if open() gave up)."""
        self._ws = transport
        if self._muted:
            transport.disconnect(graceful=False)

    def on_ws_frame(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
        """Turn one frame into whole messages, pongs and closes; copy before returning."""
        if self._state is not _OPEN or transport.is_close_frame_sent:
            self._after_close_sent(transport, frame)
            return
        if frame.rsv1 or frame.rsv2 or frame.rsv3:
            self._fail(1002, "reserved bits set without a negotiated extension (RFC 6455 §5.2)")
            return
        op = frame.msg_type
        if frame.fin and self._frag_text is None:
            # The hot path: a whole message in one frame, delivered without a detour.
            data: str | bytes
            if op is self._BINARY:
                data = frame.get_payload_as_bytes()
            elif op is self._TEXT:
                try:
                    # The same strict UTF-8 decoder as bytes.decode("utf-8"), without a copy.
                    data = frame.get_payload_as_utf8_text()
                except UnicodeDecodeError:
                    self._fail(1007, "invalid UTF-8 in a text message")
                    return
            else:
                self._on_other_frame(op, frame)
                return
            if self._held is None:
                try:
                    self._listener.on_message(data)
                except Exception as exc:  # a broken listener fails the connection
                    self._fail(1011, "internal error", exc)
            else:
                self._held.append((self._listener.on_message, (data,)))
            return
        self._on_other_frame(op, frame)

    def on_ws_disconnected(self, transport: picows.WSTransport) -> None:
        """The TCP connection is gone: report on_close, once, last."""
        if self._state is State.CLOSED:
            return
        if self._close_timer is not None:
            self._close_timer.cancel()
            self._close_timer = None
        self.state = State.CLOSED
        self._frag_parts = []
        self._wake_senders()  # they will see CLOSED
        code, reason = self._close_rcvd or failure_close(transport)
        error = self._close_error(transport)
        # picows re-raises a parser error (even one after the closing handshake) from
        # wait_disconnected(); we report ours through on_close, so retrieve picows' lest
        # asyncio log it as never retrieved. A close() waiting does that in its own task
        # (see close); else one task per connection, at its end.
        if not self._close_waiters:
            self._reap()
        self._emit(self._report_close, code, reason, error)

    def _reap(self) -> None:
        """Retrieve picows' disconnect outcome without a task per connection.

        ``wait_disconnected`` awaits a (shielded) future: run the coroutine to that await,
        then let a callback on the future retrieve what it ends with. Should picows ever
        await something else there, a task does the same job.
        """
        if self._reaped or self._ws is None:
            return
        self._reaped = True
        waiting = self._ws.wait_disconnected()
        try:
            pending = waiting.send(None)
        except BaseException:  # it finished already: its outcome is retrieved
            return
        waiting.close()
        if isinstance(pending, asyncio.Future):
            pending.add_done_callback(_retrieve)
            return
        self._reaper = self._loop.create_task(self._ws.wait_disconnected())
        self._reaper.add_done_callback(_retrieve)

    def pause_writing(self) -> None:
        """picows' write buffer crossed its high-water mark: hold sends."""
        self._paused = True

    def resume_writing(self) -> None:
        """picows' write buffer drained below its low-water mark: release sends."""
        self._wake_senders()

    # -- delivery to the listener --------------------------------------------------------------

    def _emit(self, callback: Callable[..., None], *args: Any) -> None:
        if self._held is not None:
            self._held.append((callback, args))
            return
        try:
            callback(*args)
        except Exception as exc:  # a broken listener fails the connection, reported via on_close
            self._fail(1011, "internal error", exc)

    def _report_close(self, code: int, reason: str, error: BaseException | None) -> None:
        try:
            if not self._muted:
                self._listener.on_close(code, reason, error)
        except Exception:  # the connection is gone: the log is the only destination left
            self._log_error("transport.on_close_error", "on_close raised")
        finally:
            self._mark_closed()

    def _log_error(self, event: str, what: str) -> None:
        """Log the exception being handled at ERROR: its only destination left."""
        url = self._request.url
        text = "%s: " + what
        log_event(
            logger, logging.ERROR, event, url, text, redacted_url(url), exc_info=sys.exc_info()[1]
        )

    def _release(self) -> None:
        """Replay the callbacks held while open() was still running, then deliver directly."""
        held, self._held = self._held, None
        for callback, args in held or ():
            try:
                callback(*args)
            except Exception as exc:
                self._fail(1011, "internal error", exc)

    def _discard(self) -> None:
        """open() failed: deliver nothing, drop the connection."""
        self._muted = True
        self._held = None
        self.abort()
        if self._state is State.CLOSED:
            self._mark_closed()

    def _mark_closed(self) -> None:
        """on_close is delivered (or never will be): release every close() waiting."""
        self._close_done = True
        waiters, self._close_waiters = self._close_waiters, None
        for waiter in waiters or ():
            if not waiter.done():
                waiter.set_result(None)

    # -- closing -------------------------------------------------------------------------------

    def _send_close(self, code: int, reason: str) -> None:
        assert self._ws is not None
        self._ws.send_close(close_code(self._CLOSE_CODE, code), reason.encode())
        self._close_sent = True
        self._closing()

    def _closing(self) -> None:
        self.state = State.CLOSING
        timeout = self._request.close_timeout
        if timeout is not None and self._close_timer is None:
            self._close_timer = self._loop.call_later(timeout, self._on_close_timeout)

    def _on_close_timeout(self) -> None:
        self._close_timer = None
        if self._state is State.CLOSED:
            return
        if self._close_rcvd is None and self._error is None:
            ms = round((self._request.close_timeout or 0) * 1000)
            self._error = ConnectionClosedError(
                f"The peer did not complete the closing handshake within {ms} ms; aborted",
                url=self._request.url,
            )
        assert self._ws is not None
        self._ws.disconnect(graceful=False)

    async def _ready_to_send(self) -> picows.WSTransport:
        """Wait while writing is paused; raise unless the connection is open."""
        ws = self._ws
        assert ws is not None
        if self._state is State.OPEN and ws.is_close_frame_sent:
            self._adopt_picows_failure(ws)
        while self._state is State.OPEN and self._paused:
            if self._drained is None:
                self._drained = self._loop.create_future()
            await asyncio.shield(self._drained)
        if self._state is not State.OPEN:
            raise self._not_open()
        return ws

    def _wake_senders(self) -> None:
        self._paused = False
        drained, self._drained = self._drained, None
        if drained is not None and not drained.done():
            drained.set_result(None)

    def _not_open(self) -> ConnectionClosedError:
        code, reason = self._close_rcvd if self._close_rcvd is not None else (1006, "")
        word = "closed" if self._state is State.CLOSED else "closing"
        return ConnectionClosedError(
            f"Cannot send: the WebSocket connection is {word} (code {code})",
            url=self._request.url,
            code=code,
            reason=reason,
        )


def _retrieve(future: asyncio.Future[Any]) -> None:
    if not future.cancelled():
        future.exception()
