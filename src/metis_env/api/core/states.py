"""The phases of a client's connection, each a frozen value holding its own data.

A phase cannot forget what belongs to it: the link being closed travels with the
`Closing` phase together with the ``disconnect()`` handles waiting for it, and leaving the
phase hands them on or settles them (the connect-while-closing bug of the first landing came
from seven parallel fields beside one enum). Handles and links are opaque to the core: it
stores and returns them, never calls them.

::

    Idle ──connect──▶ Connecting ──dialed──▶ Opening ──opening done──▶ Open
     ▲                  │   ▲                  │                       │
     │            failed│   │timer             │closed / hook failed   │closed (unexpected)
     │                  ▼   │                  ▼                       ▼
     └──────────────── Backoff ◀──────────── (policy) ◀───────────── Closing ◀─disconnect─┘
"""

from __future__ import annotations

from dataclasses import dataclass, field

from metis_env.api.state import ReadyState

__all__ = [
    "Backoff",
    "Closing",
    "Connecting",
    "Idle",
    "Open",
    "Opening",
    "Phase",
    "Series",
]

Handles = tuple[object, ...]


@dataclass(frozen=True, slots=True)
class Series:
    """A run of reconnect attempts: how many so far, and when the first began (seconds)."""

    attempts: int = 0
    started: float | None = None


NO_SERIES = Series()


@dataclass(frozen=True, slots=True)
class Idle:
    """No connection and none wanted (never connected, disconnected, or gave up)."""

    ready_state: ReadyState = field(default=ReadyState.CLOSED, init=False)


@dataclass(frozen=True, slots=True)
class Connecting:
    """An opening handshake runs.

    ``dial`` identifies it (a Dialed/DialFailed input must carry the same number);
    ``waiters`` are the ``connect()`` handles that settle with it (empty for a background
    reconnect); ``series`` is the reconnect series it belongs to.
    """

    dial: int
    waiters: Handles = ()
    series: Series = NO_SERIES
    ready_state: ReadyState = field(default=ReadyState.CONNECTING, init=False)

    @property
    def background(self) -> bool:
        """Whether nobody awaits it (a reconnect attempt, not a ``connect()`` call)."""
        return not self.waiters


@dataclass(frozen=True, slots=True)
class Opening:
    """The handshake completed; open hooks, subscription replay and queue flush run.

    Messages flow (``is_connected`` is true), but ``connect()`` has not resolved yet.
    ``series`` is the reconnect series before this open: a failing open hook during a
    background reconnect continues it.
    """

    link: object
    waiters: Handles = ()
    series: Series = NO_SERIES
    ready_state: ReadyState = field(default=ReadyState.OPEN, init=False)


@dataclass(frozen=True, slots=True)
class Open:
    """The connection is up. ``opened_at`` (clock seconds) serves ``minUptime``."""

    link: object
    opened_at: float
    series: Series = NO_SERIES
    ready_state: ReadyState = field(default=ReadyState.OPEN, init=False)


@dataclass(frozen=True, slots=True)
class Closing:
    """A closing handshake runs on ``link``, bounded by the close timer ``timer``.

    ``waiters`` are ``disconnect()`` handles (settle when closed). ``then_connect`` holds the
    ``connect()`` handles of calls made meanwhile: when set (not None), a new connection is
    dialled once this one is closed. ``failure`` is set when we close because the opening
    phase failed (an open hook raised): the close then counts as a failed attempt of
    ``series`` when nobody awaited it.
    """

    link: object
    timer: int
    waiters: Handles = ()
    then_connect: Handles | None = None
    failure: BaseException | None = None
    background: bool = False
    series: Series = NO_SERIES
    ready_state: ReadyState = field(default=ReadyState.CLOSING, init=False)


@dataclass(frozen=True, slots=True)
class Backoff:
    """Waiting ``delay`` ms before reconnect attempt number ``series.attempts``."""

    timer: int
    delay: int
    series: Series = NO_SERIES
    ready_state: ReadyState = field(default=ReadyState.CLOSED, init=False)


Phase = Idle | Connecting | Opening | Open | Closing | Backoff
