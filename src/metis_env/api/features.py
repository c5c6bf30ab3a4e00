"""What `WebSocketApi` grew beyond the original, attached to the driver in one place.

The driver tells `Features` about every incoming message, every open (after the user's open
hooks), every close, every stop and every ``disconnect()``; `Features` passes each signal on
to request matching (`requests`), waiting and iterating (`waiting`) and subscriptions
(`subscriptions`), in a fixed order. Each of them is built with the client's `Port` and
never sees the client itself; using these internal calls rather than event listeners means a
script's ``clear_event_listeners()`` can never break a pending request or a subscription.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from metis_env.api.events import MessageEvent
from metis_env.api.port import Port
from metis_env.api.requests import Requests
from metis_env.api.subscriptions import Subscriptions
from metis_env.api.waiting import Inbox

__all__ = ["Features"]


class Features:
    """Request/response, waiting, streams and subscriptions of one client (a `Feature`).

    Each part is built on first use, from the `Port` that ``make_port`` builds then: a
    client that never makes a request, waits or subscribes pays for none of them, neither
    per connection nor in memory.
    """

    __slots__ = (
        "_inbox",
        "_make_port",
        "_opened",
        "_port",
        "_requests",
        "_subscriptions",
        "watching",
    )

    def __init__(self, make_port: Callable[[], Port]) -> None:
        self._make_port = make_port
        self._port: Port | None = None
        self._requests: Requests | None = None
        self._inbox: Inbox | None = None
        self._subscriptions: Subscriptions | None = None
        # The link `on_open` last ran for (None once it closed): a part built later knows
        # whether the connection it joins has been through the opening phase.
        self._opened: object | None = None
        # True once requests or waiting exist: only then must each message pass here first.
        self.watching = False

    def _get_port(self) -> Port:
        port = self._port
        if port is None:
            port = self._port = self._make_port()
        return port

    @property
    def requests(self) -> Requests:
        """Request/response matching (built on first use)."""
        if self._requests is None:
            self._requests = Requests(self._get_port())
            self.watching = True
        return self._requests

    @property
    def inbox(self) -> Inbox:
        """``wait_for`` and ``messages()`` (built on first use)."""
        if self._inbox is None:
            self._inbox = Inbox(self._get_port())
            self.watching = True
        return self._inbox

    @property
    def subscriptions(self) -> Subscriptions:
        """Subscriptions replayed on every open (built on first use)."""
        if self._subscriptions is None:
            self._subscriptions = Subscriptions(self._get_port(), opened=self._opened)
        return self._subscriptions

    def on_message(self, event: MessageEvent) -> None:
        """A message arrived (before the ``message`` listeners run)."""
        requests = self._requests
        if requests is not None and requests.tables:  # a dict: truthy only while one waits
            requests.on_message(event)
        inbox = self._inbox
        if inbox is not None and (inbox.waiters or inbox.streams is not None):
            inbox.on_message(event)

    def on_open(self, link: object) -> None:
        """After the open hooks, before the queue: replay subscriptions, then re-send requests."""
        self._opened = link
        if self._subscriptions is not None:
            self._subscriptions.on_open(link)
        if self._requests is not None:
            self._requests.on_open()

    def on_close(self, code: int, manual: bool) -> None:
        """The live link closed (``manual``: by ``disconnect()`` or a failed open hook)."""
        self._opened = None
        if self._subscriptions is not None:
            self._subscriptions.on_close()
        if self._requests is not None:
            self._requests.on_close(code, manual)

    def on_stopped(self, error: BaseException) -> None:
        """The client will not reconnect: pending requests, waits and streams end."""
        if self._requests is not None:
            self._requests.on_stopped(error)
        if self._inbox is not None:
            self._inbox.on_stopped(error)

    def on_disconnect(self) -> None:
        """``disconnect()`` was called."""
        if self._requests is not None:
            self._requests.on_disconnect()
        if self._inbox is not None:
            self._inbox.on_disconnect()

    def stats(self) -> dict[str, Any]:
        """Counters for ``ws.stats()``."""
        requests, inbox = self._requests, self._inbox
        subscriptions = self._subscriptions
        return {
            "requests_in_flight": requests.in_flight if requests else 0,
            "requests_completed": requests.completed if requests else 0,
            "requests_failed": requests.failed if requests else 0,
            "requests_timed_out": requests.timed_out if requests else 0,
            "waiters": len(inbox.waiters) if inbox else 0,
            "streams": len(inbox.streams or ()) if inbox else 0,
            "stream_drops": inbox.drops if inbox else 0,
            "subscriptions": len(subscriptions.active) if subscriptions else 0,
        }
