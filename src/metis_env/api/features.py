"""What `WebSocketApi` grew beyond the original, attached to the driver in one place.

The driver tells `Features` about every incoming message, every open (after the user's open
hooks), every close, every stop and every ``disconnect()``; `Features` passes each signal on
to request matching (`requests`), waiting and iterating (`waiting`) and subscriptions
(`subscriptions`), in a fixed order. Each of them is built with the client's `Port` and
never sees the client itself; using these internal calls rather than event listeners means a
script's ``clear_event_listeners()`` can never break a pending request or a subscription.
"""

from __future__ import annotations

from typing import Any

from metis_env.api.events import MessageEvent
from metis_env.api.port import Port
from metis_env.api.requests import Requests
from metis_env.api.subscriptions import Subscriptions
from metis_env.api.waiting import Inbox

__all__ = ["Features"]


class Features:
    """Request/response, waiting, streams and subscriptions of one client (a `Feature`)."""

    __slots__ = ("inbox", "requests", "subscriptions")

    def __init__(self, port: Port) -> None:
        self.requests = Requests(port)
        self.inbox = Inbox(port)
        self.subscriptions = Subscriptions(port)

    def on_message(self, event: MessageEvent) -> None:
        """A message arrived (before the ``message`` listeners run)."""
        requests = self.requests
        if requests.tables:  # a dict: truthy only while a request waits
            requests.on_message(event)
        inbox = self.inbox
        if inbox.waiters or inbox.streams is not None:
            inbox.on_message(event)

    def on_open(self, link: object) -> None:
        """After the open hooks, before the queue: replay subscriptions, then re-send requests."""
        self.subscriptions.on_open(link)
        self.requests.on_open()

    def on_close(self, code: int, manual: bool) -> None:
        """The live link closed (``manual``: by ``disconnect()`` or a failed open hook)."""
        self.subscriptions.on_close()
        self.requests.on_close(code, manual)

    def on_stopped(self, error: BaseException) -> None:
        """The client will not reconnect: pending requests, waits and streams end."""
        self.requests.on_stopped(error)
        self.inbox.on_stopped(error)

    def on_disconnect(self) -> None:
        """``disconnect()`` was called."""
        self.requests.on_disconnect()
        self.inbox.on_disconnect()

    def stats(self) -> dict[str, Any]:
        """Counters for ``ws.stats()``."""
        return {
            "requests_in_flight": self.requests.in_flight,
            "requests_completed": self.requests.completed,
            "requests_failed": self.requests.failed,
            "requests_timed_out": self.requests.timed_out,
            "waiters": len(self.inbox.waiters),
            "streams": len(self.inbox.streams or ()),
            "stream_drops": self.inbox.drops,
            "subscriptions": len(self.subscriptions.active),
        }
