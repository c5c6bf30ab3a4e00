"""The one event sink: what a session tells the outside world while it runs.

Every session reports through one `EventSink` (``emit(record)``): task changes, outputs,
mission changes and client events, each a frozen dataclass. The CLI prints them; the pytest
plugin and the bridge to METIS are other sinks of the same interface. A sink that raises is
logged and never breaks the session.

=======================  ============================================================
record                   emitted when
=======================  ============================================================
`TaskEvent`              a hook or effect task is queued, starts, or ends (any status)
`OutputRecord`           a script calls ``send_output`` or a hook calls ``log``
`MissionChangeRecord`    a script applies a mission change through its host
`ClientEvent`            a `WebSocketApi` created in the session reconnects, gives up
                         reconnecting, or closes unexpectedly (code other than 1000/1001)
=======================  ============================================================
"""

from __future__ import annotations

import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime
from typing import Any, Literal, Protocol, TypeAlias

from metis_env.api.secrets import redact
from metis_env.runtime.records import OutputRecord, TaskRecord, TaskStatus

__all__ = [
    "ClientEvent",
    "ClientEventKind",
    "EventSink",
    "MissionChangeRecord",
    "SessionEvent",
    "TaskEvent",
    "client_event_listeners",
    "emit_safely",
]

logger = logging.getLogger("metis_env.runtime")

#: ``reconnecting``: an attempt is scheduled; ``reconnect-failed``: it gave up; ``close``:
#: the connection closed with a code other than 1000 (normal) or 1001 (going away).
ClientEventKind = Literal["reconnecting", "reconnect-failed", "close"]


def _now() -> datetime:
    return datetime.now(UTC)


@dataclass(frozen=True)
class TaskEvent:
    """A task changed: a snapshot of its record at that moment."""

    time: datetime
    kind: str
    name: str
    env_id: str
    status: TaskStatus
    error: str | None = None
    event: str | None = None
    target_id: str | None = None

    @classmethod
    def of(cls, record: TaskRecord) -> TaskEvent:
        """A snapshot of ``record`` now."""
        return cls(
            _now(),
            record.kind,
            record.name,
            record.env_id,
            record.status,
            record.error,
            record.event,
            record.target_id,
        )


@dataclass(frozen=True)
class MissionChangeRecord:
    """A script changed the mission: the frozen command and what the host made of it."""

    time: datetime
    env_id: str
    target_id: str | None
    command: object
    changes: Any = None


@dataclass(frozen=True)
class ClientEvent:
    """Something happened to a client created in the session (URL redacted)."""

    time: datetime
    url: str
    kind: ClientEventKind
    detail: str

    def __str__(self) -> str:
        return f"client {self.url}: {self.kind}: {self.detail}"


SessionEvent: TypeAlias = TaskEvent | OutputRecord | MissionChangeRecord | ClientEvent


class EventSink(Protocol):
    """Where a session's events go (the CLI, the pytest plugin, the bridge to METIS)."""

    def emit(self, record: SessionEvent) -> None:
        """Take one record; called on the event loop's thread, must not block."""


def emit_safely(sink: EventSink | None, record: SessionEvent) -> None:
    """Pass ``record`` to ``sink``; a failing sink is logged, never raised."""
    if sink is None:
        return
    try:
        sink.emit(record)
    except Exception:
        logger.exception("The session's event sink failed on %s", type(record).__name__)


def _cause(event: Any) -> str:
    cause = getattr(event, "cause", None)
    return "" if cause is None else f" ({type(cause).__name__}: {cause})"


def client_event_listeners(
    client: Any, emit: Callable[[ClientEvent], None]
) -> list[tuple[str, Callable[[Any], None]]]:
    """The ``(event name, listener)`` pairs that turn ``client``'s events into `ClientEvent`s.

    Uses only the client's public API (``redacted_url`` for the URL).
    """

    def url() -> str:
        shown = getattr(client, "redacted_url", None)
        return str(redact(shown)) if isinstance(shown, str) else repr(client)

    def reconnecting(event: Any) -> None:
        detail = f"attempt {event.attempt} in {event.delay} ms{_cause(event)}"
        emit(ClientEvent(_now(), url(), "reconnecting", detail))

    def reconnect_failed(event: Any) -> None:
        reason = f": {event.reason}" if getattr(event, "reason", "") else ""
        detail = f"gave up after {event.attempts} attempt(s){reason}{_cause(event)}"
        emit(ClientEvent(_now(), url(), "reconnect-failed", detail))

    def closed(event: Any) -> None:
        if event.code not in (1000, 1001):
            reason = f" {event.reason!r}" if event.reason else ""
            emit(ClientEvent(_now(), url(), "close", f"closed with code {event.code}{reason}"))

    return [
        ("reconnecting", reconnecting),
        ("reconnect-failed", reconnect_failed),
        ("close", closed),
    ]
