"""The client's calls beyond the original: request/response, waiting, streams, subscriptions.

`WebSocketApi` inherits these thin methods; the work happens in `requests`, `waiting` and
`subscriptions`, reached through the client's `Features`.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from metis_env.api.features import Features
from metis_env.api.handles import Handle
from metis_env.api.requests import Correlation
from metis_env.api.subscriptions import Subscription
from metis_env.api.waiting import Match, MessageStream

__all__ = ["PatternMethods"]


class PatternMethods:
    """Request/response, ``wait_for``, ``messages`` and ``subscribe`` for `WebSocketApi`."""

    _features: Features

    def request(
        self,
        message: Any,
        *,
        timeout: float | None = 30000,
        correlation: Correlation = "id",
        resend_on_reconnect: bool = False,
    ) -> Handle[Any]:
        """Send ``message`` and return a handle resolving with the matching reply's ``data``.

        The reply is the next message whose correlation id equals the request's: the value of
        key ``correlation`` (``"id"``, ``"requestId"``…, added with a fresh uuid when the dict
        lacks it), or what a function ``correlation(data)`` returns for each. Matched replies
        ALSO reach ``message`` listeners, `wait_for` and `messages`; unmatched ones only those.
        Rules for queueing, drops, reconnects and ``disconnect()``: `metis_env.api.requests`.

        Args:
            message: a dict (or anything, with a correlation function).
            timeout: milliseconds for the whole request, reconnects included; None: no limit.
            correlation: the id's key name, or a function of a message returning its id.
            resend_on_reconnect: after a drop, send it again on the next connection instead
                of failing it.

        Raises:
            ConfigError: bad arguments, or an id already used by a pending request.
            EncodeError: ``message`` cannot be written as JSON.

        The handle fails with `RequestTimeoutError` (naming the id and the timeout in ms),
        `ConnectionClosedError` (dropped while in flight), `ClosedError` (``disconnect()``),
        or the error of its send.
        """
        return self._features.requests.request(
            message,
            timeout=timeout,
            correlation=correlation,
            resend_on_reconnect=resend_on_reconnect,
        )

    def wait_for(self, match: Match, *, timeout: float | None = 30000) -> Handle[Any]:
        """Return a handle resolving with the ``data`` of the next message that matches.

        Listening starts at the call (not at the ``await``), so call it before sending the
        message that provokes the answer. See `metis_env.api.waiting`.

        Args:
            match: a message type (matches dicts whose ``"type"`` equals it) or a predicate
                over ``data``.
            timeout: milliseconds; None waits without limit (reconnects do not end the wait).

        The handle fails with `RequestTimeoutError` after ``timeout``, with `ClosedError`
        when ``disconnect()`` is called, or with the exception the predicate raised.
        """
        return self._features.inbox.wait_for(match, timeout)

    def messages(
        self,
        type: str | None = None,
        *,
        match: Callable[[Any], Any] | None = None,
        max_buffer: int = 1000,
    ) -> MessageStream:
        """Iterate (``async for``) over the ``data`` of incoming messages, from now on.

        Args:
            type: only messages whose ``"type"`` equals it (None: every message).
            match: and only those for which this predicate is true.
            max_buffer: messages held for a slow consumer; when full, the OLDEST is dropped
                and counted (``stream.dropped``, ``stats()["stream_drops"]``).

        The iteration ends after ``disconnect()`` (buffered messages first); a dropped
        connection that reconnects does not end it. Close it early with ``stream.close()``
        or ``async with ws.messages() as stream:``.
        """
        return self._features.inbox.messages(type, match, max_buffer)

    def subscribe(self, message: Any, *, unsubscribe: Any = None) -> Subscription:
        """Register ``message`` to be in force on every connection, until cancelled.

        Sent now when open (else on the next open) and replayed, in subscription order,
        after every reconnect: after the open hooks, before queued messages. ``await
        sub.cancel()`` stops the replay and sends ``unsubscribe`` (when given and the
        subscription is in force). See `metis_env.api.subscriptions`.

        Raises:
            EncodeError: ``message`` or ``unsubscribe`` cannot be written as JSON.
        """
        return self._features.subscriptions.subscribe(message, unsubscribe)

    @property
    def subscriptions(self) -> tuple[Subscription, ...]:
        """The active subscriptions, in replay order."""
        return self._features.subscriptions.active
