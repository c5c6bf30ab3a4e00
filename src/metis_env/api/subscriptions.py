"""Subscriptions that survive reconnects.

``ws.subscribe(message, unsubscribe=...)`` records a message that must be in force on every
connection: it is sent now when the client is open (else on the next open), and replayed,
in the order the subscriptions were made, after every open. ``await sub.cancel()`` stops the
replay and, when the subscription is in force on the current connection, sends its
``unsubscribe`` message.

Order on every open (the guarantee, tested against a real server)::

    open hooks (on_open=..., add_open_hook) -> subscriptions, in order -> requests kept with
    resend_on_reconnect -> the send queue

so nothing reaches the server before the hooks authenticated, and queued messages never
overtake the subscriptions they depend on.

Exactly once: a subscription message still waiting to be written when a connection drops is
taken out of the send queue (with ``queueWhileDisconnected`` the client would otherwise send
it again after the replay). Subscriptions outlive ``disconnect()``: a later ``connect()``
replays them. Subscribe messages are encoded when `subscribe` is called, so a message JSON
cannot hold fails there (`EncodeError`).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Mapping
from typing import Any

from metis_env.api.codec import encode
from metis_env.api.handles import done_handle, settle
from metis_env.api.logs import log_event
from metis_env.api.port import Port
from metis_env.api.secrets import redact_mapping

__all__ = ["Subscription", "Subscriptions"]

logger = logging.getLogger("metis_env.api")


def _shown(message: Any) -> str:
    if isinstance(message, Mapping):
        return repr(redact_mapping(message))
    return f"<{type(message).__name__}>"  # text or bytes may hold anything: not shown


class Subscription:
    """A message replayed after every (re)connect until `cancel` is called."""

    def __init__(self, owner: Subscriptions, message: Any, unsubscribe: Any) -> None:
        self._owner = owner
        # What was passed (for the script), and what goes on the wire.
        self.message = message
        self.unsubscribe = unsubscribe
        self._payload = encode(message)
        self._unsubscribe_payload = None if unsubscribe is None else encode(unsubscribe)
        # The connection this subscription was last sent on (in force there), or None.
        self._sent_on: object | None = None
        self._active = True

    @property
    def active(self) -> bool:
        """Whether it is still replayed (False once cancelled)."""
        return self._active

    def cancel(self) -> asyncio.Future[None]:
        """Stop replaying; send the unsubscribe message if the subscription is in force.

        Returns a handle that completes when the unsubscribe message was handed to the
        connection (at once when there is nothing to send: not connected, no unsubscribe
        message, already cancelled). Works as ``await sub.cancel()`` or fire-and-forget.
        """
        return self._owner.cancel(self)

    def __repr__(self) -> str:
        state = "active" if self._active else "cancelled"
        return f"<Subscription {_shown(self.message)} {state}>"


class Subscriptions:
    """The subscriptions of one client, in the order they were made."""

    def __init__(self, port: Port, opened: object | None = None) -> None:
        self._port = port
        self._subs: list[Subscription] = []
        # The connection the replay last ran on; sends to it go out at once. ``opened``: the
        # link already through its opening phase when this is built (on first subscribe).
        self._live: object | None = opened
        # Handles of subscription sends not written yet (purged from the queue on a drop);
        # created on first use, as an idle client should not pay for an empty set.
        self._unwritten: set[asyncio.Future[Any]] | None = None

    @property
    def active(self) -> tuple[Subscription, ...]:
        """The subscriptions still in force, in order."""
        return tuple(self._subs)

    def subscribe(self, message: Any, unsubscribe: Any = None) -> Subscription:
        """See `WebSocketApi.subscribe`."""
        sub = Subscription(self, message, unsubscribe)
        self._subs.append(sub)
        conn = self._port.live()
        if conn is not None and conn is self._live:
            self._send(sub._payload, conn, "subscribe")
            sub._sent_on = conn
        return sub

    def cancel(self, sub: Subscription) -> asyncio.Future[None]:
        if not sub._active:
            return done_handle("cancel()")
        sub._active = False
        if sub in self._subs:
            self._subs.remove(sub)
        conn = self._port.live()
        in_force = conn is not None and sub._sent_on is conn
        sub._sent_on = None
        if not in_force or sub._unsubscribe_payload is None:
            return done_handle("cancel()")
        return self._send(sub._unsubscribe_payload, conn, "unsubscribe")

    def _send(self, payload: str | bytes, conn: object, what: str) -> asyncio.Future[None]:
        handle = self._port.send(payload)
        if handle.done():
            self._observe(handle, what)
            return handle
        unwritten = self._unwritten
        if unwritten is None:
            unwritten = self._unwritten = set()
        unwritten.add(handle)

        def written(done: asyncio.Future[Any]) -> None:
            unwritten.discard(done)
            self._observe(done, what)

        handle.add_done_callback(written)
        return handle

    def _observe(self, handle: asyncio.Future[Any], what: str) -> None:
        error = None if handle.cancelled() else handle.exception()
        if error is not None:  # the next open replays it; say so at DEBUG
            log_event(
                logger,
                logging.DEBUG,
                "subscription.send_failed",
                self._port.url,
                "a %s message was not sent: %s",
                what,
                error,
            )

    def on_open(self, conn: object) -> None:
        """Replay every subscription, in order, on the connection that just opened."""
        self._live = conn
        subs = list(self._subs)
        if subs:
            log_event(
                logger,
                logging.DEBUG,
                "subscription.replay",
                self._port.url,
                "replaying %d subscription(s)",
                len(subs),
                count=len(subs),
            )
        for sub in subs:
            if self._port.live() is not conn:
                return
            if sub._active:
                self._send(sub._payload, conn, "subscribe")
                sub._sent_on = conn

    def on_close(self) -> None:
        """The connection closed: take unwritten subscription messages out of the queue."""
        self._live = None
        if not self._unwritten:
            return
        for handle in self._port.withdraw(self._unwritten):
            settle(handle)  # not sent: the next open replays what is still in force
