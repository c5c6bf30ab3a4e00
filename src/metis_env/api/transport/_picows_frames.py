"""The receive side of a picows connection past the hot path: frames that are not whole messages.

`PicowsFrames` is the base class of `PicowsTransport` (`_picows_connection`), which keeps the
hot path itself: a whole message in one frame goes to the listener from its ``on_ws_frame``
without coming here. Everything else a frame can be is handled here: fragments are reassembled
(RFC 6455 §5.4) within ``max_size`` (1009) and checked for UTF-8 (1007), protocol errors
picows lets through fail the connection (1002), pongs go to the listener, close frames are
parsed and answered (§5.5.1), and after a close frame was sent only the peer's close counts.
The module also decides what error and code a failed connection reports through ``on_close``.

`State` lives here, not beside `PicowsTransport`, because both modules need it and this one
is imported first. Nothing here imports picows at run time.
"""

from __future__ import annotations

import enum
from collections.abc import Callable
from typing import TYPE_CHECKING, Any, ClassVar

from metis_env.api.transport._failures import FAILURE_CODES, connection_lost, protocol_failure
from metis_env.api.transport.base import OpenRequest, TransportListener

if TYPE_CHECKING:
    import picows

__all__ = ["PicowsFrames", "State", "close_code", "failure_close"]


class State(enum.IntEnum):
    """Where one picows connection stands (the handshake is done before it exists)."""

    OPEN = 1  # messages flow both ways
    CLOSING = 2  # a close frame was sent (or abort() called); waiting for TCP to end
    CLOSED = 3  # the TCP connection is gone; on_close is delivered (or held, see _held)


class PicowsFrames:
    """Frame handling for `PicowsTransport`: its attributes are set by its ``__init__``."""

    # picows opcodes, bound by `_listener_class` (class attributes: one lookup, no import here).
    _TEXT: ClassVar[Any]
    _BINARY: ClassVar[Any]
    _CONTINUATION: ClassVar[Any]
    _PONG: ClassVar[Any]
    _CLOSE: ClassVar[Any]
    _CLOSE_CODE: ClassVar[Any]

    # The connection's state, described in `PicowsTransport.__init__`.
    _request: OpenRequest
    _listener: TransportListener
    _ws: picows.WSTransport | None
    _state: State
    _max_size: int | None
    _frag_text: bool | None
    _frag_parts: list[bytes]
    _frag_size: int
    _close_rcvd: tuple[int, str] | None
    _close_sent: bool
    _error: BaseException | None
    _aborted: bool
    # Methods of `PicowsTransport`: deliver (or hold) a callback; send a close frame; start
    # the closing wait.
    _emit: Callable[..., None]
    _send_close: Callable[[int, str], None]
    _closing: Callable[[], None]

    # -- frames other than a whole message ----------------------------------------------------

    def _on_other_frame(self, op: Any, frame: picows.WSFrame) -> None:
        if op is self._TEXT or op is self._BINARY:
            if self._frag_text is not None:
                self._fail(1002, "new data frame inside a fragmented message (RFC 6455 §5.4)")
            else:
                self._frag_text = op is self._TEXT
                self._frag_parts = [frame.get_payload_as_bytes()]
                self._frag_size = frame.payload_size
        elif op is self._CONTINUATION:
            self._on_continuation(frame)
        elif op is self._PONG:
            self._emit(self._listener.on_pong, frame.get_payload_as_bytes())
        elif op is self._CLOSE:
            self._on_close_frame(frame)
        # PING: answered by picows itself (enable_auto_pong) and never passed here.

    def _on_continuation(self, frame: picows.WSFrame) -> None:
        if self._frag_text is None:
            self._fail(1002, "continuation frame without a message to continue (RFC 6455 §5.4)")
            return
        size = self._frag_size + frame.payload_size
        if self._max_size is not None and size > self._max_size:
            self._fail(1009, f"message too big: over {self._max_size} bytes")
            return
        self._frag_parts.append(frame.get_payload_as_bytes())
        self._frag_size = size
        if not frame.fin:
            return
        payload = b"".join(self._frag_parts)
        is_text = self._frag_text
        self._frag_text, self._frag_parts, self._frag_size = None, [], 0
        if not is_text:
            self._deliver(payload)
            return
        try:
            text = payload.decode("utf-8")
        except UnicodeDecodeError:
            self._fail(1007, "invalid UTF-8 in a text message")
            return
        self._deliver(text)

    def _after_close_sent(self, transport: picows.WSTransport, frame: picows.WSFrame) -> None:
        if self._state is State.OPEN:
            self._adopt_picows_failure(transport)
        # §5.5.1: after a close frame was sent, data is discarded; the peer's close counts.
        if frame.msg_type is self._CLOSE:
            self._on_close_frame(frame)

    def _on_close_frame(self, frame: picows.WSFrame) -> None:
        # picows already rejected a 1-byte payload, bad UTF-8 in the reason, and codes below
        # 3000 outside its list; its list still admits 0 and 1006, and nothing bounds 5000+.
        payload = frame.get_payload_as_bytes()
        if not payload:
            code, reason = 1005, ""  # §7.1.5: no status code in the close frame
        else:
            code = int.from_bytes(payload[:2], "big")
            if code < 1000 or code == 1006 or code >= 5000:
                self._fail(1002, f"invalid close code {code} (RFC 6455 §7.4)")
                return
            reason = payload[2:].decode("utf-8", "replace")
        if self._close_rcvd is None:
            self._close_rcvd = (code, reason)
        if self._state is State.OPEN:
            # §5.5.1: answer with a close frame, echoing the peer's payload.
            assert self._ws is not None
            if payload:
                self._ws.send_close(close_code(self._CLOSE_CODE, code), payload[2:])
            else:
                self._ws.send(self._CLOSE, b"")
            self._close_sent = True
            self._closing()
        # §7.1.1: the server closes TCP first; the close timer bounds our wait.

    def _deliver(self, data: str | bytes) -> None:
        self._emit(self._listener.on_message, data)

    # -- failing the connection ---------------------------------------------------------------

    def _adopt_picows_failure(self, transport: picows.WSTransport) -> None:
        """picows failed the connection itself (a parser error) and sent a close frame."""
        self._error = self._picows_failure(transport)
        self._closing()

    def _fail(self, code: int, reason: str, error: BaseException | None = None) -> None:
        """Fail the connection (§7.1.7): close frame with ``code``, then the closing wait."""
        if self._state is not State.OPEN:
            return
        if error is None:
            error = protocol_failure(code, reason, url=self._request.url, max_size=self._max_size)
        self._error = error
        self._frag_text, self._frag_parts = None, []
        self._send_close(code, reason)

    def _close_error(self, transport: picows.WSTransport) -> BaseException | None:
        if self._error is not None:
            return self._error
        handshake = transport.close_handshake
        if not self._close_sent and handshake is not None and handshake.sent is not None:
            # picows failed the connection itself (a parser error) and sent this close frame.
            return self._picows_failure(transport)
        if self._close_rcvd is None and not self._aborted:
            return connection_lost(self._request.url)
        return None

    def _picows_failure(self, transport: picows.WSTransport) -> BaseException:
        """The error for a connection picows' parser failed: the close frame it sent."""
        handshake = transport.close_handshake
        sent = handshake.sent if handshake is not None else None
        code, reason = (1002, "protocol error") if sent is None else (sent.code.value, sent.reason)
        return protocol_failure(int(code), reason, url=self._request.url, max_size=self._max_size)


def failure_close(transport: picows.WSTransport) -> tuple[int, str]:
    """The code to report when no close frame came back: the one the connection was failed
    with (by us or by picows' parser) in preference to 1006, as the websockets transport
    does, so a bad frame closes with the same code and the same reconnect verdict on both."""
    handshake = transport.close_handshake
    sent = handshake.sent if handshake is not None else None
    if sent is not None and int(sent.code.value) in FAILURE_CODES:
        return int(sent.code.value), sent.reason
    return 1006, ""


_CLOSE_CODES: dict[int, Any] = {}  # close code -> picows.WSCloseCode (enum calls are slow)


def close_code(enum: Any, code: int) -> Any:
    """picows' ``WSCloseCode`` member for ``code``, looked up once per code."""
    member = _CLOSE_CODES.get(code)
    if member is None:
        member = _CLOSE_CODES[code] = enum(code)
    return member
