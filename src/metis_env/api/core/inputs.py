"""What can happen to a client, as plain values fed to `ClientCore.handle`.

Slotted dataclasses, not frozen: each lives for one `ClientCore.handle` call and nobody
changes it, and a frozen one pays a call per field to build (issue 10's connect path).
"""

from __future__ import annotations

from dataclasses import dataclass

__all__ = [
    "Closed",
    "Connect",
    "DialFailed",
    "Dialed",
    "Disconnect",
    "Input",
    "OpeningDone",
    "OpeningFailed",
    "TimerFired",
]


@dataclass(slots=True)
class Connect:
    """The user called ``connect()``; ``handle`` settles when the connection is ready."""

    handle: object


@dataclass(slots=True)
class Disconnect:
    """The user called ``disconnect(code, reason)`` (already validated)."""

    handle: object
    code: int = 1000
    reason: str = ""


@dataclass(slots=True)
class Dialed:
    """Dial number ``dial`` completed its handshake: ``link`` is open."""

    dial: int
    link: object


@dataclass(slots=True)
class DialFailed:
    """Dial number ``dial`` failed with ``error`` (a connect error)."""

    dial: int
    error: BaseException


@dataclass(slots=True)
class OpeningDone:
    """The opening phase of ``link`` finished (hooks, replay, queue flush)."""

    link: object


@dataclass(slots=True)
class OpeningFailed:
    """An open hook of ``link`` raised ``error``."""

    link: object
    error: BaseException


@dataclass(slots=True)
class Closed:
    """``link`` is closed: ``code`` (1006 without a close frame), ``reason``, ``error``."""

    link: object
    code: int
    reason: str = ""
    error: BaseException | None = None


@dataclass(slots=True)
class TimerFired:
    """Timer number ``timer`` expired."""

    timer: int


Input = (
    Connect | Disconnect | Dialed | DialFailed | OpeningDone | OpeningFailed | Closed | TimerFired
)
