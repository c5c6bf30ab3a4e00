"""Which clients were created inside a scope (a runtime session), so it can close them.

The runtime creates a `ClientScope` and makes it current in the `contextvars.Context` its
hooks and scripts run in (`ClientScope.activate`, called through ``Context.run``); every
`WebSocketApi` constructed while that context is current (including in tasks started from
it, which copy it) calls `register_client`. At teardown the runtime closes what the scope
holds, through the client's public API only (``disconnect()`` is idempotent).

Why no ``ContextVar.reset``: a token may only be reset in the context that created it, and
a session's teardown can run in another one (a timeout around ``Session.run``, a finalizer
at garbage collection), which made Python print ``Exception ignored … Token was created in
a different Context``. A scope is therefore *set* into a context the runtime owns and never
reset; the context is dropped with the session. `track_clients` (a ``with`` block for the
current context) restores the previous scope by setting it back, which works from anywhere.

The api layer defines this; the runtime uses it (arrows point one way).
"""

from __future__ import annotations

import contextvars
import logging
from collections.abc import Callable
from types import TracebackType
from typing import Any

__all__ = ["ClientScope", "current_scope", "register_client", "track_clients"]

logger = logging.getLogger("metis_env.tracking")

#: Called with each client as it registers (the runtime attaches its event listeners).
OnClient = Callable[[Any], None]

_current: contextvars.ContextVar[ClientScope | None] = contextvars.ContextVar(
    "metis_env_client_scope", default=None
)


class ClientScope:
    """The clients created while this scope was current, in creation order.

    Args:
        on_client: called with each client when it registers; an exception it raises is
            logged, never raised into the client's constructor.
    """

    def __init__(self, on_client: OnClient | None = None) -> None:
        self.clients: list[Any] = []  # every client registered here, in creation order
        self._on_client = on_client  # the owner's hook, e.g. to listen to client events

    def add(self, client: Any) -> None:
        """Record ``client`` and tell the owner."""
        self.clients.append(client)
        if self._on_client is not None:
            try:
                self._on_client(client)
            except Exception:
                logger.exception("The client scope's on_client callback failed")

    def activate(self) -> None:
        """Make this scope current in the running context (call it via ``Context.run``)."""
        _current.set(self)

    def __repr__(self) -> str:
        return f"ClientScope(clients={len(self.clients)})"


def current_scope() -> ClientScope | None:
    """The scope clients created now would register in, or ``None``."""
    return _current.get()


def register_client(client: Any) -> None:
    """Record ``client`` in the current scope, if there is one (called by the constructor)."""
    scope = _current.get()
    if scope is not None:
        scope.add(client)


class track_clients:
    """A ``with`` block in which a new scope is current; the previous one is restored after.

    Restoring sets the previous value back instead of resetting a token, so leaving the
    block from another context (or never leaving it) prints nothing at garbage collection.
    """

    def __init__(self, on_client: OnClient | None = None) -> None:
        self.scope = ClientScope(on_client)
        self._previous: ClientScope | None = None

    def __enter__(self) -> ClientScope:
        self._previous = _current.get()
        _current.set(self.scope)
        return self.scope

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        if _current.get() is self.scope:
            _current.set(self._previous)
