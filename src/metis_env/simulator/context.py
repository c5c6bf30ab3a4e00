"""`HandlerContext`: what a simulator handler gets, and everything it can make the server do.

A handler is ``def handler(ctx)`` or ``async def handler(ctx)``. Each call on the context
queues an action (`metis_env.simulator.actions`) on the connection's one sender, so the
server's answers go out in the order the handler asked for them, after anything queued
before. Nothing waits for the client: ``ctx.reply(...)`` returns at once.

Times: an action is due when the message arrived, plus the simulator's reply delay (the
``set_reply_delay`` fault), plus the ``delay_ms`` given to the call. A call after the
connection ended does nothing.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Iterable, Sequence
from typing import Any

from metis_env.api.codec import Data, encode
from metis_env.api.errors import ConfigError
from metis_env.simulator.actions import Action, Close, Drop, Reply, Stream
from metis_env.simulator.protocol import SessionState

__all__ = ["HandlerContext", "check_close_code"]


def check_close_code(code: int, reason: str = "") -> None:
    """Check a close code and reason a server may send (RFC 6455 §7.4).

    Raises:
        ConfigError: ``code`` is not 1000-1003, 1007-1014 or 3000-4999, or ``reason`` is
            longer than 123 bytes in UTF-8 (what fits in a close frame).
    """
    ok = not isinstance(code, bool) and isinstance(code, int)
    if ok and not (1000 <= code <= 1003 or 1007 <= code <= 1014 or 3000 <= code <= 4999):
        ok = False
    if not ok:
        raise ConfigError("code", code, "must be a close code: 1000-1003, 1007-1014 or 3000-4999")
    if not isinstance(reason, str) or len(reason.encode("utf-8")) > 123:
        raise ConfigError("reason", reason, "must be a string of at most 123 bytes in UTF-8")


def _check_delay(key: str, value: float) -> float:
    if isinstance(value, bool) or not isinstance(value, int | float) or not math.isfinite(value):
        raise ConfigError(key, value, "must be a finite number of milliseconds >= 0")
    if value < 0:
        raise ConfigError(key, value, "must be a finite number of milliseconds >= 0")
    return float(value)


class HandlerContext:
    """One call of a handler: the message, the connection it came on, and what to answer.

    Attributes:
        conn_id: the connection (1, 2, … in order of acceptance).
        path: the request path of the connection's upgrade, query included (``/ws?x=1``).
        headers: the upgrade request's headers, names in lower case (repeated headers
            joined with ``", "``).
        message: the received payload decoded (a JSON value, else the ``str``/``bytes``);
            ``None`` for ``on_connect`` and ``on_close`` handlers.
        raw: the payload as received (``str`` or ``bytes``); ``None`` without a message.
        state: a dict that lives as long as the connection, for the handlers' own use.
        close_code: for ``on_close`` handlers, the close code the connection ended with
            (1006 when it was dropped); else ``None``.
        close_reason: for ``on_close`` handlers, the close reason; else ``""``.
    """

    def __init__(
        self,
        *,
        conn_id: int,
        path: str,
        headers: dict[str, str],
        state: dict[str, Any],
        seed_state: SessionState,
        submit: Callable[[Sequence[Action], float], None],
        due: float,
        message: Any = None,
        raw: Data | None = None,
        close_code: int | None = None,
        close_reason: str = "",
    ) -> None:
        self.conn_id = conn_id
        self.path = path
        self.headers = headers
        self.state = state
        self.message = message
        self.raw = raw
        self.close_code = close_code
        self.close_reason = close_reason
        self.seed_state = seed_state  # what the seed protocol remembers (authentication)
        self._submit = submit  # queues actions on the connection's sender
        self.due = due  # loop time (s) the answers are due: arrival + the reply-delay fault

    def __repr__(self) -> str:
        return f"<HandlerContext conn={self.conn_id} type={self.type!r}>"

    @property
    def type(self) -> Any:
        """``message["type"]`` when the message is a JSON object, else ``None``."""
        return self.message.get("type") if isinstance(self.message, dict) else None

    def perform(self, actions: Iterable[Action], delay_ms: float = 0) -> None:
        """Queue ``actions`` (from `metis_env.simulator.actions`) as they are, in order."""
        queued = list(actions)
        if queued:
            self._submit(queued, self.due + _check_delay("delay_ms", delay_ms) / 1000)

    def reply(self, message: Any, delay_ms: float = 0) -> None:
        """Send ``message``: ``str`` as a text frame, ``bytes`` as binary, else as JSON.

        Args:
            message: what to send.
            delay_ms: send it this many ms after the message arrived (in order after
                everything queued before it).

        Raises:
            EncodeError: ``message`` cannot be written as JSON (checked now, not later).
            ConfigError: ``delay_ms`` is negative or not a finite number.
        """
        encode(message)  # fail inside the handler, where the error is reported
        self.perform([Reply(message)], delay_ms)

    def stream(self, items: Iterable[Any], interval_ms: float, *, name: str = "") -> None:
        """Send each of ``items`` ``interval_ms`` apart, while other replies go on.

        The stream starts once the replies queued before it went out; the first item comes
        ``interval_ms`` later. It ends when the items run out or the connection ends; a new
        stream with the same ``name`` replaces it. An endless generator is fine. An item that
        cannot be encoded ends the stream and is recorded as a handler error.

        Raises:
            ConfigError: ``interval_ms`` is negative or not a finite number.
        """
        interval = _check_delay("interval_ms", interval_ms)
        self.perform([Stream(items, int(interval), name)])

    def close(self, code: int = 1000, reason: str = "") -> None:
        """Close the connection with ``code`` and ``reason``, after the replies queued before.

        Raises:
            ConfigError: ``code`` is not a code a server may send, or ``reason`` is too long
                (`check_close_code`).
        """
        check_close_code(code, reason)
        self.perform([Close(code, reason)])

    def drop(self) -> None:
        """Abort the TCP connection, after the replies queued before: no close frame (1006)."""
        self.perform([Drop()])
