"""Which clients were created inside a scope (a runtime session), so it can close them.

The runtime opens a scope with `track_clients()`; every `WebSocketApi` constructed while the
scope's context is current (including in tasks started from it) registers itself. At teardown
the runtime disconnects those still open. The api layer defines this; the runtime uses it
(arrows point one way).
"""

from __future__ import annotations

import contextlib
import contextvars
from collections.abc import Iterator
from typing import Any

__all__ = ["ClientScope", "register_client", "track_clients"]


class ClientScope:
    """The clients created while this scope was current, in creation order."""

    def __init__(self) -> None:
        self.clients: list[Any] = []

    def open_clients(self) -> list[Any]:
        """Clients whose connection is not CLOSED, or that may still reconnect."""
        return [c for c in self.clients if not getattr(c, "is_disposed", False)]


_current: contextvars.ContextVar[ClientScope | None] = contextvars.ContextVar(
    "metis_env_client_scope", default=None
)


def register_client(client: Any) -> None:
    """Record ``client`` in the current scope, if there is one (called by the constructor)."""
    scope = _current.get()
    if scope is not None:
        scope.clients.append(client)


@contextlib.contextmanager
def track_clients() -> Iterator[ClientScope]:
    """Make a new scope current for the duration of the ``with`` block."""
    scope = ClientScope()
    token = _current.set(scope)
    try:
        yield scope
    finally:
        _current.reset(token)
