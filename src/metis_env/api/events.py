"""Event payloads and the listener registry.

The six events of the seed (``open``, ``close``, ``error``, ``message``,
``connection-change``, ``activity``) keep their names; payloads are frozen dataclasses whose
``method`` names the event, with the seed's fields in Python spelling. Events beyond the seed
(``reconnecting``, ``reconnect-failed``) never change the six.

Dispatch rules (DESIGN.md, Events): listeners run synchronously in registration order over a
snapshot of the list taken when dispatch starts; a listener added during a dispatch first runs
on the next one. Coroutine functions may be listeners: each call is scheduled as a task, kept
until it ends, and its exception is reported like a synchronous one. A listener that raises
never stops the others: the exception goes to ``on_listener_error``.
"""

from __future__ import annotations

import asyncio
import inspect
import logging
from collections.abc import Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from typing import Any, Literal, TypeAlias

__all__ = [
    "EVENT_TYPES",
    "ActivityEvent",
    "CloseEvent",
    "ConnectionChangeEvent",
    "ErrorEvent",
    "Event",
    "EventEmitter",
    "EventType",
    "Listener",
    "MessageEvent",
    "OpenEvent",
    "ReconnectFailedEvent",
    "ReconnectingEvent",
]

from metis_env.api.codec import decode

logger = logging.getLogger("metis_env.events")
_UNPARSED: Any = object()

EventType: TypeAlias = Literal[
    "open",
    "close",
    "error",
    "message",
    "connection-change",
    "activity",
    "reconnecting",
    "reconnect-failed",
]

#: Every event name a listener may subscribe to (the seed's six first).
EVENT_TYPES: tuple[str, ...] = (
    "open",
    "close",
    "error",
    "message",
    "connection-change",
    "activity",
    "reconnecting",
    "reconnect-failed",
)


@dataclass(frozen=True, slots=True)
class OpenEvent:
    """The connection is established."""

    method: Literal["open"] = "open"


@dataclass(frozen=True, slots=True)
class CloseEvent:
    """The connection closed (1006 when no close frame was received)."""

    code: int
    reason: str
    method: Literal["close"] = "close"


@dataclass(frozen=True, slots=True)
class ErrorEvent:
    """Something went wrong: a failed attempt, a broken connection, a raising listener."""

    error: BaseException
    method: Literal["error"] = "error"


class MessageEvent:
    """A message arrived: ``data`` parsed from JSON when it is JSON, ``raw`` as received.

    ``data`` is parsed on first access and cached, so listeners that only read ``raw`` pay
    nothing for JSON. Treat it as immutable, like the other events; unlike them it does not
    enforce that, because it is built once per message on the hot path and a guarded
    ``__setattr__`` costs more than the rest of its construction.
    """

    __slots__ = ("_data", "raw")
    method: Literal["message"] = "message"
    raw: str | bytes
    _data: Any

    def __init__(self, raw: str | bytes, data: Any = _UNPARSED) -> None:
        self.raw = raw
        self._data = data

    @property
    def data(self) -> Any:
        """The JSON value of the message, or ``raw`` itself when it is not JSON."""
        data = self._data
        if data is _UNPARSED:
            data = self._data = decode(self.raw)
        return data

    def __eq__(self, other: object) -> bool:
        return isinstance(other, MessageEvent) and other.raw == self.raw

    def __hash__(self) -> int:
        return hash(("message", self.raw))

    def __repr__(self) -> str:
        return f"MessageEvent(data={self.data!r}, raw={self.raw!r})"


@dataclass(frozen=True, slots=True)
class ConnectionChangeEvent:
    """``is_connected`` flipped (also fired after each failed attempt, as the original does)."""

    is_connected: bool
    method: Literal["connection-change"] = "connection-change"


@dataclass(frozen=True, slots=True)
class ActivityEvent:
    """Fired after every other event; ``event_type`` names it."""

    event_type: str
    method: Literal["activity"] = "activity"


@dataclass(frozen=True, slots=True)
class ReconnectingEvent:
    """A reconnect attempt is scheduled: ``attempt`` (1-based), ``delay`` (ms), ``cause``."""

    attempt: int
    delay: int
    cause: BaseException | None = None
    method: Literal["reconnecting"] = "reconnecting"


@dataclass(frozen=True, slots=True)
class ReconnectFailedEvent:
    """Reconnecting stopped for good: ``attempts`` made, ``cause`` of the last failure."""

    attempts: int
    cause: BaseException | None = None
    reason: str = ""
    method: Literal["reconnect-failed"] = "reconnect-failed"


Event: TypeAlias = (
    OpenEvent
    | CloseEvent
    | ErrorEvent
    | MessageEvent
    | ConnectionChangeEvent
    | ActivityEvent
    | ReconnectingEvent
    | ReconnectFailedEvent
)
# Activity events are immutable, so one instance per event type serves every dispatch.
_ACTIVITY = {name: ActivityEvent(name) for name in EVENT_TYPES}

Listener: TypeAlias = Callable[[Any], object]


@dataclass(slots=True)
class EventEmitter:
    """Listeners per event type, dispatched synchronously over a snapshot.

    ``on_listener_error(exc, event)`` receives every exception a listener raises (sync or
    async); the client turns it into an ``error`` event.
    """

    on_listener_error: Callable[[BaseException, Event], None]
    # Per type, the listeners in registration order (duplicates allowed, as in the original).
    _listeners: dict[str, list[Listener]] = field(default_factory=dict)
    # Tasks running async listeners; kept so they are not garbage-collected mid-run.
    # (None until the first async listener runs: an idle client pays for no empty set.)
    _tasks: set[asyncio.Task[None]] | None = None

    def add(self, types: str | Iterable[str], listener: Listener) -> None:
        """Register ``listener`` for one event type or several."""
        names = [types] if isinstance(types, str) else list(types)
        if not callable(listener):
            from metis_env.api.errors import ConfigError

            raise ConfigError("listener", listener, "must be callable (a function or method)")
        for name in names:
            _check_type(name)
        for name in names:
            # Copy-on-write: a dispatch in progress keeps iterating its own snapshot.
            self._listeners[name] = [*self._listeners.get(name, ()), listener]

    def remove(self, type_: str, listener: Listener) -> int:
        """Remove every registration of ``listener`` for ``type_``; return how many."""
        _check_type(type_)
        current = self._listeners.get(type_, [])
        kept = [x for x in current if x is not listener and x != listener]
        self._listeners[type_] = kept
        return len(current) - len(kept)

    def clear(self, types: Iterable[str] | str | None = None) -> int:
        """Remove all listeners (or those of the given types); return how many were removed."""
        if types is None:
            count = sum(len(v) for v in self._listeners.values())
            self._listeners = {}
            return count
        names = [types] if isinstance(types, str) else list(types)
        count = 0
        for name in names:
            _check_type(name)
            count += len(self._listeners.pop(name, ()))
        return count

    def count(self, type_: str | None = None) -> int:
        """How many listeners are registered (for one type, or in all)."""
        if type_ is None:
            return sum(len(v) for v in self._listeners.values())
        return len(self._listeners.get(type_, ()))

    def has(self, type_: str) -> bool:
        """Whether any listener waits for ``type_``."""
        return bool(self._listeners.get(type_))

    def emit(self, event: Event) -> None:
        """Dispatch ``event``, then an ``activity`` event naming it (seed §Activity Event)."""
        listeners = self._listeners
        method = event.method
        current = listeners.get(method)
        if current:  # _dispatch, inlined: this runs once per message
            for listener in current:  # never mutated in place: a snapshot
                try:
                    result = listener(event)
                except Exception as exc:  # a listener's bug must not break the client
                    self.on_listener_error(exc, event)
                    continue
                if result is not None and inspect.isawaitable(result):
                    self._track(result, event)
        if method != "activity" and listeners.get("activity"):
            self._dispatch(_ACTIVITY[method])

    def _dispatch(self, event: Event) -> None:
        listeners = self._listeners.get(event.method)
        if not listeners:
            return
        for listener in listeners:  # the list is never mutated in place: a snapshot
            try:
                result = listener(event)
            except Exception as exc:  # a listener's bug must not break the client
                self.on_listener_error(exc, event)
                continue
            if result is not None and inspect.isawaitable(result):
                self._track(result, event)

    def _track(self, awaitable: Awaitable[None], event: Event) -> None:
        async def run() -> None:
            await awaitable

        task = asyncio.get_running_loop().create_task(run())
        tasks = self._tasks
        if tasks is None:
            tasks = self._tasks = set()
        tasks.add(task)

        def done(t: asyncio.Task[None]) -> None:
            tasks.discard(t)
            if t.cancelled():
                return
            exc = t.exception()
            if exc is not None:
                self.on_listener_error(exc, event)

        task.add_done_callback(done)

    async def wait_listeners(self) -> None:
        """Wait until every async listener task started so far has finished."""
        while self._tasks:
            await asyncio.gather(*list(self._tasks), return_exceptions=True)

    def cancel_listeners(self) -> None:
        """Cancel async listener tasks still running (used when a client is disposed)."""
        for task in list(self._tasks or ()):
            task.cancel()


def _check_type(name: str) -> None:
    if name not in EVENT_TYPES:
        from metis_env.api.errors import ConfigError

        raise ConfigError(
            "event type", name, "must be one of " + ", ".join(repr(t) for t in EVENT_TYPES)
        )
