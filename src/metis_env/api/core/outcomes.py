"""What the end of a connection looks like: its error, and the events that announce it."""

from __future__ import annotations

from metis_env.api.core import actions as act
from metis_env.api.errors import ConnectionClosedError, MessageTooBigError
from metis_env.api.events import CloseEvent, ConnectionChangeEvent, ErrorEvent

__all__ = ["closed_error", "down_events"]


def closed_error(
    url: str, code: int, reason: str, error: BaseException | None
) -> ConnectionClosedError:
    """The error that says why a connection ended (``error`` events, handles, streams)."""
    if isinstance(error, ConnectionClosedError):
        error.url = url  # a transport's own error may carry the raw URL (query secrets)
        return error
    detail = f": {error}" if error is not None else ""
    text = f"Connection to {url} closed with code {code}"
    if reason:
        text += f" ({reason})"
    cls = MessageTooBigError if code == 1009 else ConnectionClosedError
    exc = cls(text + detail, url=url, code=code, reason=reason)
    if error is not None:
        exc.__cause__ = error
    return exc


def down_events(code: int, reason: str, error: BaseException | None) -> list[act.Action]:
    """``error`` (when there is one), ``close`` and ``connection-change(false)``, in order."""
    events: list[act.Action] = []
    if error is not None:
        events.append(act.Emit(ErrorEvent(error)))
    events.append(act.Emit(CloseEvent(code, reason)))
    events.append(_EMIT_DISCONNECTED)
    return events


# Immutable, so one instance serves every close.
_EMIT_DISCONNECTED = act.Emit(ConnectionChangeEvent(False))
