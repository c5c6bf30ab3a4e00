"""What the simulator saw, and how tests wait for it.

`Recorder` keeps the received messages, the handshakes' headers, the handler errors and the
connection counters, and wakes waiters whenever any of them changes. A `Simulator` owns one
(``sim.recorder``) and forwards the common parts, so tests write
``await sim.wait_for_message("hello")`` and read ``sim.received``.

Memory is bounded: messages, headers and errors are each kept in a ring of the last
``history`` entries (`DEFAULT_HISTORY` unless configured; ``None`` keeps everything, for
short tests only). Counters are never trimmed. Every waiter is bounded by its ``timeout``
(seconds, like `asyncio.wait_for`) and raises `TimeoutError` saying what it waited for and
what it saw instead.
"""

from __future__ import annotations

import asyncio
import itertools
import time
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from metis_env.api.codec import Data
from metis_env.api.errors import ConfigError

__all__ = ["DEFAULT_HISTORY", "HandlerError", "MessagePredicate", "ReceivedMessage", "Recorder"]

_T = TypeVar("_T")

#: How many messages (and, separately, headers and handler errors) a recorder keeps.
DEFAULT_HISTORY = 10_000


@dataclass(frozen=True)
class ReceivedMessage:
    """One message a client sent.

    Attributes:
        conn_id: the connection it came on (1, 2, … in order of acceptance; never reused,
            not even across `Simulator.restart`).
        data: the payload decoded by `metis_env.api.codec.decode` (JSON value, else ``raw``).
        raw: the payload as received: ``str`` for a text frame, ``bytes`` for binary.
        at: arrival time, `time.monotonic` seconds.
    """

    conn_id: int
    data: Any
    raw: Data
    at: float

    @property
    def type(self) -> Any:
        """``data["type"]`` when the message is a JSON object, else ``None``."""
        return self.data.get("type") if isinstance(self.data, dict) else None


@dataclass(frozen=True)
class HandlerError:
    """A handler that raised; the client got an ``error`` reply instead.

    Attributes:
        conn_id: the connection whose message (or connect/close) the handler served.
        event: the message ``type`` it handled (``"*"`` for a catch-all), ``"on_connect"``,
            ``"on_close"``, ``"when"`` (a ``when`` predicate), ``"stream 'name'"`` or
            ``"send"`` (an action that could not be carried out).
        error: the exception, as ``Type: message``.
        at: when, `time.monotonic` seconds.
    """

    conn_id: int
    event: str
    error: str
    at: float


def _type_is(wanted: str) -> Callable[[ReceivedMessage], bool]:
    def matches(message: ReceivedMessage) -> bool:
        return bool(message.type == wanted)

    return matches


#: What `Recorder.wait_for_message` matches on: a predicate, or a ``type`` to compare.
MessagePredicate = Callable[[ReceivedMessage], bool] | str


class Recorder:
    """Observations of one simulator, kept across restarts, each list bounded by ``history``.

    Args:
        history: entries kept per list (messages, headers, errors); the oldest go first.
            ``None``: keep everything.

    Raises:
        ConfigError: ``history`` is not a positive integer or ``None``.
    """

    def __init__(self, history: int | None = DEFAULT_HISTORY) -> None:
        if history is not None and (
            isinstance(history, bool) or not isinstance(history, int) or history < 1
        ):
            raise ConfigError("history", history, "must be a positive integer, or None")
        self.history = history  # ring size of each list; None: unbounded
        self._messages: deque[tuple[int, ReceivedMessage]] = deque(maxlen=history)
        self._headers: deque[dict[str, str]] = deque(maxlen=history)
        self._errors: deque[HandlerError] = deque(maxlen=history)
        self._seq = itertools.count()  # numbers messages, so trimming keeps "returned" right
        self.total_connections = 0  # connections ever accepted (handshake completed)
        self.total_disconnects = 0  # accepted connections that have ended
        self.total_received = 0  # messages ever received, trimmed ones included
        self._open: set[int] = set()  # ids of connections currently open
        self._returned: set[int] = set()  # numbers of messages wait_for_message returned
        self._changed = asyncio.Event()  # set (and replaced) on every change

    @property
    def received(self) -> list[ReceivedMessage]:
        """The kept messages (the last ``history``), oldest first; a copy."""
        return [message for _, message in self._messages]

    @property
    def handshake_headers(self) -> list[dict[str, str]]:
        """Headers of the kept upgrade requests (lower-case names), oldest first; a copy."""
        return list(self._headers)

    @property
    def errors(self) -> list[HandlerError]:
        """Handler failures (the last ``history``), oldest first; a copy."""
        return list(self._errors)

    @property
    def connection_count(self) -> int:
        """How many accepted connections are open now."""
        return len(self._open)

    @property
    def connection_ids(self) -> list[int]:
        """The ids of the open connections, oldest first (for ``send_raw(conn=…)``)."""
        return sorted(self._open)

    def clear_received(self) -> None:
        """Forget the kept messages (and which ones `wait_for_message` returned)."""
        self._messages.clear()
        self._returned.clear()

    # Recording, called by the server.

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def message(self, conn_id: int, data: Any, raw: Data) -> None:
        """Record a message ``conn_id`` sent."""
        if self._messages.maxlen is not None and len(self._messages) == self._messages.maxlen:
            self._returned.discard(self._messages[0][0])  # about to fall off the ring
        number = next(self._seq)
        self._messages.append((number, ReceivedMessage(conn_id, data, raw, time.monotonic())))
        self.total_received += 1
        self._notify()

    def handshake(self, headers: dict[str, str]) -> None:
        """Record the headers of an upgrade request."""
        self._headers.append(headers)
        self._notify()

    def handler_failed(self, conn_id: int, event: str, error: BaseException) -> None:
        """Record that a handler raised ``error`` while serving ``event`` on ``conn_id``."""
        text = f"{type(error).__name__}: {error}"
        self._errors.append(HandlerError(conn_id, event, text, time.monotonic()))
        self._notify()

    def connected(self, conn_id: int) -> None:
        """Record an accepted connection."""
        self._open.add(conn_id)
        self.total_connections += 1
        self._notify()

    def disconnected(self, conn_id: int) -> None:
        """Record the end of an accepted connection."""
        self._open.discard(conn_id)
        self.total_disconnects += 1
        self._notify()

    # Waiting.

    async def _wait_until(
        self, check: Callable[[], _T | None], seconds: float, describe: Callable[[], str]
    ) -> _T:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + seconds
        while True:
            result = check()
            if result is not None:
                return result
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(describe())
            try:
                await asyncio.wait_for(self._changed.wait(), remaining)
            except TimeoutError:
                pass  # check once more, then report

    async def wait_for_connections(self, n: int, timeout: float = 5.0) -> None:
        """Wait until ``total_connections >= n`` (connections ever accepted, not open ones).

        Raises:
            TimeoutError: fewer than ``n`` handshakes completed within ``timeout`` seconds.
        """
        await self._wait_until(
            lambda: True if self.total_connections >= n else None,
            timeout,
            lambda: (
                f"expected {n} accepted connections within {timeout} s, "
                f"saw {self.total_connections}"
            ),
        )

    async def wait_for_disconnects(self, n: int, timeout: float = 5.0) -> None:
        """Wait until ``total_disconnects >= n`` (accepted connections that have ended).

        Raises:
            TimeoutError: fewer than ``n`` connections ended within ``timeout`` seconds.
        """
        await self._wait_until(
            lambda: True if self.total_disconnects >= n else None,
            timeout,
            lambda: (
                f"expected {n} ended connections within {timeout} s, saw {self.total_disconnects}"
            ),
        )

    async def wait_for_message(
        self,
        predicate: MessagePredicate,
        timeout: float = 5.0,
    ) -> ReceivedMessage:
        """Return the earliest received message that matches and no earlier call returned.

        Each message is returned at most once, so successive calls with the same predicate
        walk through the matches in arrival order, and messages received *before* the call
        count (no race between sending and waiting). Messages that did not match stay
        available to later calls with other predicates. `clear_received` starts afresh.

        Args:
            predicate: a function of the message, or a string to compare with
                ``data["type"]``.
            timeout: seconds to wait for a match to arrive.

        Raises:
            TimeoutError: no such message within ``timeout``; the message lists the types
                of the last messages seen.
        """
        matches: Callable[[ReceivedMessage], bool]
        if isinstance(predicate, str):
            what = f"type {predicate!r}"
            matches = _type_is(predicate)
        else:
            what = getattr(predicate, "__name__", "predicate")
            matches = predicate

        def check() -> ReceivedMessage | None:
            for number, message in self._messages:
                if number not in self._returned and matches(message):
                    self._returned.add(number)
                    return message
            return None

        def describe() -> str:
            seen = [
                m.type if m.type is not None else type(m.data).__name__ for m in self.received[-10:]
            ]
            return (
                f"no message matching {what} within {timeout} s; "
                f"{self.total_received} received, the last: {seen}"
            )

        return await self._wait_until(check, timeout, describe)
