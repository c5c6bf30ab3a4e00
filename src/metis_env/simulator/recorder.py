"""What the simulator saw, and how tests wait for it.

`Recorder` keeps every received message, every handshake's headers and the connection
counters, and wakes waiters whenever any of them changes. `Simulator` is a `Recorder`, so
tests write ``await sim.wait_for_message("hello")`` and read ``sim.received``.

Every waiter is bounded by its ``timeout`` (seconds, like `asyncio.wait_for`) and raises
`TimeoutError` saying what it waited for and what it saw instead.
"""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from metis_env.api.codec import Data

__all__ = ["MessagePredicate", "ReceivedMessage", "Recorder"]

_T = TypeVar("_T")


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


def _type_is(wanted: str) -> Callable[[ReceivedMessage], bool]:
    def matches(message: ReceivedMessage) -> bool:
        return bool(message.type == wanted)

    return matches


#: What `Recorder.wait_for_message` matches on: a predicate, or a ``type`` to compare.
MessagePredicate = Callable[[ReceivedMessage], bool] | str


class Recorder:
    """Observations of one simulator, kept across restarts."""

    def __init__(self) -> None:
        self.received: list[ReceivedMessage] = []  # every message, in arrival order
        self.handshake_headers: list[dict[str, str]] = []  # one per upgrade request, in order
        self.total_connections = 0  # connections ever accepted (handshake completed)
        self.total_disconnects = 0  # accepted connections that have ended
        self._open: set[int] = set()  # ids of connections currently open
        self._returned: set[int] = set()  # indexes in `received` wait_for_message returned
        self._changed = asyncio.Event()  # set (and replaced) on every change

    @property
    def connection_count(self) -> int:
        """How many accepted connections are open now."""
        return len(self._open)

    @property
    def connection_ids(self) -> list[int]:
        """The ids of the open connections, oldest first (for ``send_raw(conn=…)``)."""
        return sorted(self._open)

    def clear_received(self) -> None:
        """Forget the recorded messages (and which ones `wait_for_message` returned)."""
        self.received.clear()
        self._returned.clear()

    # Recording, called by the server.

    def _notify(self) -> None:
        self._changed.set()
        self._changed = asyncio.Event()

    def _record_message(self, conn_id: int, data: Any, raw: Data) -> None:
        self.received.append(ReceivedMessage(conn_id, data, raw, time.monotonic()))
        self._notify()

    def _record_handshake(self, headers: dict[str, str]) -> None:
        self.handshake_headers.append(headers)
        self._notify()

    def _record_connect(self, conn_id: int) -> None:
        self._open.add(conn_id)
        self.total_connections += 1
        self._notify()

    def _record_disconnect(self, conn_id: int) -> None:
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

    async def wait_for_connections(self, n: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
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

    async def wait_for_disconnects(self, n: int, timeout: float = 5.0) -> None:  # noqa: ASYNC109
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
        timeout: float = 5.0,  # noqa: ASYNC109 - seconds, as in the brief's interface
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
            for index, message in enumerate(self.received):
                if index not in self._returned and matches(message):
                    self._returned.add(index)
                    return message
            return None

        def describe() -> str:
            seen = [
                m.type if m.type is not None else type(m.data).__name__ for m in self.received[-10:]
            ]
            return (
                f"no message matching {what} within {timeout} s; "
                f"{len(self.received)} received, the last: {seen}"
            )

        return await self._wait_until(check, timeout, describe)
