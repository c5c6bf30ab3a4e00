"""What `WebSocketApi` grew beyond the original, wired to the client in one place.

The client tells `Features` about every incoming message, every open (after the user's open
hooks), every close and every ``disconnect()``; `Features` passes each signal on to request
matching (`requests`), waiting and iterating (`waiting`) and subscriptions (`subscriptions`),
in a fixed order. Using these internal calls rather than event listeners means a script's
``clear_event_listeners()`` can never break a pending request or a subscription.
"""

from __future__ import annotations

from typing import TYPE_CHECKING, Any

from metis_env.api.events import MessageEvent
from metis_env.api.requests import Requests
from metis_env.api.subscriptions import Subscriptions
from metis_env.api.waiting import Inbox

if TYPE_CHECKING:
    from metis_env.api.websocket import WebSocketApi

__all__ = ["Features"]


class Features:
    """Request/response, waiting, streams and subscriptions of one client."""

    __slots__ = ("inbox", "requests", "subscriptions")

    def __init__(self, client: WebSocketApi) -> None:
        self.requests = Requests(client)
        self.inbox = Inbox(client)
        self.subscriptions = Subscriptions(client)

    def on_message(self, event: MessageEvent) -> None:
        """A message arrived (before the ``message`` listeners run)."""
        if self.requests._tables:
            self.requests.on_message(event)
        inbox = self.inbox
        if inbox.waiters or inbox.streams is not None:
            inbox.on_message(event)

    async def on_open(self, conn: object) -> None:
        """After the open hooks, before the queue: replay subscriptions, then re-send requests."""
        await self.subscriptions.on_open(conn)
        self.requests.on_open()

    def on_close(self, code: int, manual: bool) -> None:
        """An open connection closed (``manual``: by ``disconnect()`` or not wanted)."""
        self.subscriptions.on_close()
        self.requests.on_close(code, manual)

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
