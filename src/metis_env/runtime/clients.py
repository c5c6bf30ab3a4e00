"""The clients a session created: reported while they live, closed when it ends.

Every `WebSocketApi` constructed in a session's context registers with its `ClientScope`
(`metis_env.api.tracking`). `SessionClients` listens to each one's events (reconnecting,
gave up, unexpected close → `ClientEvent`s for the event sink) and closes them all at
teardown, through the client's public API only: ``disconnect(1001, "Session teardown")``
(idempotent, safe on a closed client), ``redacted_url`` and ``stats()``.
"""

from __future__ import annotations

import asyncio
import contextvars
import inspect
import logging
from collections.abc import Callable
from typing import Any

from metis_env.api.secrets import redact
from metis_env.api.tracking import ClientScope
from metis_env.runtime.events import ClientEvent, client_event_listeners

__all__ = ["SessionClients", "client_stats"]

logger = logging.getLogger("metis_env.runtime")
_CODE, _REASON = 1001, "Session teardown"


def client_stats(client: Any) -> dict[str, Any]:
    """``{"url": <redacted URL>, **client.stats()}``, redacted (never ``client.url``)."""
    url = getattr(client, "redacted_url", None)
    stats = getattr(client, "stats", None)
    shown = {"url": url if isinstance(url, str) else repr(client), **(stats() if stats else {})}
    redacted: dict[str, Any] = redact(shown)
    return redacted


class SessionClients:
    """The clients created in one session.

    Args:
        emit: where client events go.
        close_timeout_ms: how long disconnecting each client may take at teardown.
        on_client: also called with each client as it is created.
    """

    def __init__(
        self,
        emit: Callable[[ClientEvent], None],
        close_timeout_ms: int,
        on_client: Callable[[Any], None] | None = None,
    ) -> None:
        self._emit = emit
        self._on_client = on_client  # the caller's hook (e.g. run --record's wire tap)
        self.close_timeout_ms = close_timeout_ms
        self.scope = ClientScope(on_client=self._watch)  # clients register here
        self.errors: list[str] = []  # failures closing clients (never raised)
        self._closed: set[int] = set()  # ids of clients told to disconnect
        self._ended = False  # after close_now(): a new client is closed at once

    def __repr__(self) -> str:
        return f"SessionClients(clients={len(self.scope.clients)}, closed={len(self._closed)})"

    def activate_in(self, context: contextvars.Context) -> None:
        """Make clients created in ``context`` (and copies of it) register here."""
        context.run(self.scope.activate)

    @property
    def all(self) -> list[Any]:
        """Every client created, in creation order."""
        return list(self.scope.clients)

    def stats(self) -> list[dict[str, Any]]:
        """`client_stats` of every client, in creation order."""
        return [client_stats(client) for client in self.scope.clients]

    def _watch(self, client: Any) -> None:
        add = getattr(client, "add_event_listener", None)
        if add is not None:
            for name, listener in client_event_listeners(client, self._emit):
                add(name, listener)
        if self._on_client is not None:
            self._on_client(client)  # exceptions: logged by the scope, never raised
        if self._ended:
            logger.warning("A client was created after its session ended; closing it")
            self._disconnect_now(client)

    async def close_all(self) -> None:
        """Disconnect every client, all at once, waiting for each at most
        ``close_timeout_ms``; failures go to `errors` (never raised).

        Every ``disconnect()`` is called before the first wait, so a cancelled wait
        leaves no client without its close started.
        """
        started: list[tuple[Any, Any]] = []
        for client in list(self.scope.clients):
            self._closed.add(id(client))
            try:
                started.append((client, client.disconnect(_CODE, _REASON)))
            except Exception as exc:
                self.errors.append(f"{client!r}: {type(exc).__name__}: {exc}")
        failures = await asyncio.gather(*(self._wait(c, handle) for c, handle in started))
        self.errors.extend(failure for failure in failures if failure is not None)

    async def _wait(self, client: Any, handle: Any) -> str | None:
        try:
            if inspect.isawaitable(handle):
                await asyncio.wait_for(handle, self.close_timeout_ms / 1000)
        except TimeoutError:
            return f"{client!r}: did not close within {self.close_timeout_ms} ms"
        except Exception as exc:
            return f"{client!r}: {type(exc).__name__}: {exc}"
        return None

    def close_now(self) -> None:
        """Tell every client not yet closed to disconnect, without waiting (the end of an
        interrupted teardown); clients created later are closed as they register."""
        self._ended = True
        for client in list(self.scope.clients):
            if id(client) not in self._closed:
                self._disconnect_now(client)

    def _disconnect_now(self, client: Any) -> None:
        self._closed.add(id(client))
        try:
            handle = client.disconnect(_CODE, _REASON)
        except Exception as exc:
            self.errors.append(f"{client!r}: {type(exc).__name__}: {exc}")
            return
        if isinstance(handle, asyncio.Future):  # retrieve its outcome: nobody awaits it
            handle.add_done_callback(lambda f: f.cancelled() or f.exception())
