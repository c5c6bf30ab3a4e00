"""What the core asks its driver to do, as plain values returned by `ClientCore.handle`.

The driver executes a list in order. The core puts effects on the wire and on timers first,
then events, then handle settlements, so a listener that calls ``connect()`` or
``disconnect()`` from inside an event sees the new phase already in place and every earlier
effect already started. One exception: `RunOpening` follows the open events, and the driver
skips it when a listener has already moved the core on.

Slotted dataclasses, not frozen, for the reason given in `inputs`; the ones without a
per-connection field (the ``open`` and ``connection-change`` emits) are built once.
"""

from __future__ import annotations

from dataclasses import dataclass

from metis_env.api.events import Event

__all__ = [
    "Abort",
    "Action",
    "ArmTimer",
    "CancelDial",
    "Dial",
    "DisarmTimer",
    "Emit",
    "LinkDown",
    "RunOpening",
    "SendClose",
    "Settle",
    "Stopped",
]


@dataclass(slots=True)
class Dial:
    """Start opening a connection, reporting back with number ``dial``."""

    dial: int


@dataclass(slots=True)
class CancelDial:
    """Abandon dial number ``dial`` (drop its connection if it opened meanwhile)."""

    dial: int


@dataclass(slots=True)
class RunOpening:
    """Run the opening phase on ``link``: open hooks, replay, queue flush; keepalive starts."""

    link: object


@dataclass(slots=True)
class SendClose:
    """Start the closing handshake on ``link``."""

    link: object
    code: int
    reason: str


@dataclass(slots=True)
class Abort:
    """Drop ``link``'s TCP connection now."""

    link: object


@dataclass(slots=True)
class LinkDown:
    """``link`` is gone: stop its keepalive and tell the outbox and features.

    ``manual``: the user closed it (or does not want it); ``requeue``: unwritten messages go
    back to the queue for the next connection rather than failing. ``error`` is None for a
    clean close the user asked for: the driver builds one (`closed_error`) only if a
    message is left to fail with it.
    """

    link: object
    code: int
    error: BaseException | None
    manual: bool
    requeue: bool
    reason: str = ""


@dataclass(slots=True)
class Stopped:
    """The client will not reconnect on its own: waiting for messages ends with ``error``."""

    error: BaseException


@dataclass(slots=True)
class ArmTimer:
    """Feed ``TimerFired(timer)`` after ``delay`` seconds."""

    timer: int
    delay: float


@dataclass(slots=True)
class DisarmTimer:
    """Forget timer number ``timer``."""

    timer: int


@dataclass(slots=True)
class Emit:
    """Dispatch ``event`` to the listeners.

    ``while_in``: emit only while the core is still in that phase object (a listener of an
    earlier event may have moved it on, e.g. ``disconnect()`` before ``reconnecting``).
    """

    event: Event
    while_in: object | None = None


@dataclass(slots=True)
class Settle:
    """Complete each handle: with ``error`` when given, else successfully."""

    handles: tuple[object, ...]
    error: BaseException | None = None


Action = (
    Dial
    | CancelDial
    | RunOpening
    | SendClose
    | Abort
    | LinkDown
    | Stopped
    | ArmTimer
    | DisarmTimer
    | Emit
    | Settle
)
