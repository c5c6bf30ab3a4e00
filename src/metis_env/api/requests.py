"""Request/response over one `WebSocketApi`: send a message, resolve with its matching reply.

A request is matched to its reply by a *correlation id*: the value of a key (``"id"`` by
default, or ``"requestId"``…) in both messages, or whatever a function returns for each.
When a dict request lacks the key, a fresh id (``uuid4().hex``) is added to a copy of it.

Lifecycle of one request (the rules `WebSocketApi.request` documents):

* It is registered before its message is sent, so a reply can never arrive "too early".
* While its message waits in the send queue (sent while disconnected with
  ``queueWhileDisconnected``) the request waits too; if that send fails (queue full, queue
  cleared, not connected), the request fails with the same error.
* Once its message was handed to a connection, a drop of that connection fails it at once
  with `ConnectionClosedError`, or, with ``resend_on_reconnect=True`` and auto-reconnect on,
  keeps it and sends the message again after the next open (after the open hooks and the
  subscription replay, before the queue).
* ``disconnect()`` fails every pending request at once with `ClosedError`.
* The timeout covers the whole life of the request, reconnects included; then it fails with
  `RequestTimeoutError` naming the correlation id and the timeout in ms.

Replies are matched before the ``message`` listeners run; they still reach them (and
`wait_for` / `messages`), like every other message.
"""

from __future__ import annotations

import asyncio
import logging
import uuid
from collections.abc import Callable, Hashable, Mapping
from typing import Any

from metis_env.api.codec import encode
from metis_env.api.errors import (
    ClosedError,
    ConfigError,
    ConnectionClosedError,
    RequestTimeoutError,
)
from metis_env.api.events import MessageEvent
from metis_env.api.handles import Handle, new_handle, settle
from metis_env.api.logs import log_event
from metis_env.api.port import Port

__all__ = ["Correlation", "Requests", "check_timeout"]

logger = logging.getLogger("metis_env.api")

#: A key name present in request and reply (``"id"``), or a function returning the id of a
#: message (``None`` when it has none).
Correlation = str | Callable[[Any], Any]


def check_timeout(key: str, timeout: float | None) -> float | None:
    """Validate a timeout in milliseconds (``None`` waits forever)."""
    if timeout is None:
        return None
    if isinstance(timeout, bool) or not isinstance(timeout, int | float) or not timeout > 0:
        raise ConfigError(key, timeout, "must be a positive number of milliseconds, or None")
    return timeout


def _label(correlation: Correlation) -> str:
    return correlation if isinstance(correlation, str) else "correlation id"


def _hashable(value: Any) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


class _Pending:
    """One request waiting for its reply."""

    __slots__ = ("cid", "correlation", "handle", "payload", "resend", "send", "timeout", "timer")

    def __init__(
        self,
        cid: Hashable,
        correlation: Correlation,
        payload: str | bytes,
        handle: Handle[Any],
        timeout: float | None,
        resend: bool,
    ) -> None:
        self.cid = cid
        self.correlation = correlation
        # The encoded message (kept to send it again after a reconnect).
        self.payload = payload
        # What the caller awaits.
        self.handle = handle
        self.timeout = timeout
        self.resend = resend
        # The send() handle of the current copy of the message; None: waiting to be re-sent.
        self.send: asyncio.Future[Any] | None = None
        # The task failing the request when its timeout expires.
        self.timer: asyncio.Task[None] | None = None

    def sent(self) -> bool:
        """Whether the message was handed to a connection (it is "in flight")."""
        send = self.send
        return (
            send is not None and send.done() and not send.cancelled() and send.exception() is None
        )


class Requests:
    """The pending requests of one client, by correlation and id."""

    def __init__(self, port: Port) -> None:
        self._port = port
        # correlation -> id -> pending request (empty when none waits); dicts keep the
        # order the requests were made.
        self.tables: dict[Correlation, dict[Hashable, _Pending]] = {}
        self.timed_out = 0
        self.completed = 0
        self.failed = 0

    @property
    def in_flight(self) -> int:
        """How many requests wait for a reply."""
        return sum(len(table) for table in self.tables.values())

    def request(
        self,
        message: Any,
        *,
        timeout: float | None,
        correlation: Correlation,
        resend_on_reconnect: bool,
    ) -> Handle[Any]:
        """Register and send one request; see `WebSocketApi.request` for the contract."""
        timeout = check_timeout("timeout", timeout)
        cid, message = self._correlate(message, correlation)
        payload = encode(message)  # EncodeError (a TypeError) for what JSON cannot hold
        table = self.tables.get(correlation, {})
        if cid in table:
            raise ConfigError(
                _label(correlation), cid, "is already used by a pending request; ids must be unique"
            )
        self.tables[correlation] = table
        handle: Handle[Any] = new_handle("request()")
        pending = _Pending(cid, correlation, payload, handle, timeout, resend_on_reconnect)
        table[cid] = pending
        handle.add_done_callback(lambda _h: self._forget(pending))
        if timeout is not None:
            pending.timer = asyncio.get_running_loop().create_task(self._expire(pending))
        self._send(pending)
        return handle

    def _correlate(self, message: Any, correlation: Correlation) -> tuple[Hashable, Any]:
        if isinstance(correlation, str):
            if not isinstance(message, Mapping):
                raise ConfigError(
                    "message",
                    type(message).__name__,
                    f"must be a dict to carry the correlation key {correlation!r} "
                    "(pass correlation=<function> for other messages)",
                )
            cid = message.get(correlation)
            if cid is None:
                cid = uuid.uuid4().hex
                message = {**message, correlation: cid}
        elif callable(correlation):
            cid = correlation(message)
            if cid is None:
                raise ConfigError(
                    "correlation", correlation, "returned None for the request message"
                )
        else:
            raise ConfigError(
                "correlation", correlation, "must be a key name such as 'id' or a function"
            )
        if not _hashable(cid):
            raise ConfigError(_label(correlation), cid, "must be hashable (a string or a number)")
        return cid, message

    def _send(self, pending: _Pending) -> None:
        send = self._port.send(pending.payload)
        pending.send = send

        def sent(done: asyncio.Future[Any]) -> None:
            if done.cancelled() or pending.send is not done:
                return
            error = done.exception()
            if error is not None:
                self._fail(pending, error)

        send.add_done_callback(sent)

    def _fail(self, pending: _Pending, error: BaseException) -> None:
        if not pending.handle.done():
            self.failed += 1
            settle(pending.handle, error)

    def _forget(self, pending: _Pending) -> None:
        table = self.tables.get(pending.correlation)
        if table is not None and table.get(pending.cid) is pending:
            del table[pending.cid]
            if not table:
                del self.tables[pending.correlation]
        if pending.timer is not None and pending.timer is not asyncio.current_task():
            pending.timer.cancel()
        pending.timer = None

    async def _expire(self, pending: _Pending) -> None:
        assert pending.timeout is not None
        await self._port.clock.sleep(pending.timeout / 1000)
        if pending.handle.done():
            return
        ms = f"{pending.timeout:g}"
        label = _label(pending.correlation)
        port = self._port
        self.timed_out += 1
        log_event(
            logger,
            logging.INFO,
            "request.timeout",
            port.url,
            "request %s=%r got no reply within %s ms",
            label,
            pending.cid,
            ms,
            correlation_id=str(pending.cid),
            timeout_ms=pending.timeout,
        )
        settle(
            pending.handle,
            RequestTimeoutError(
                f"Request timed out: no reply with {label}={pending.cid!r} within {ms} ms "
                f"(check that the server copies {label!r} into its reply, or raise timeout=)",
                url=port.url,
            ),
        )

    # ------------------------------------------------------------------ client signals

    def on_message(self, event: MessageEvent) -> None:
        """Resolve the request this message answers, if any."""
        if not self.tables:
            return
        data = event.data
        for correlation, table in list(self.tables.items()):
            if isinstance(correlation, str):
                cid = data.get(correlation) if isinstance(data, dict) else None
            else:
                try:
                    cid = correlation(data)
                except Exception:  # a function that cannot read this message: no match
                    continue
            if cid is None or not _hashable(cid):
                continue
            pending = table.get(cid)
            if pending is not None and not pending.handle.done():
                self.completed += 1
                pending.handle.set_result(data)
                return

    def on_open(self) -> None:
        """Send again the requests kept across a reconnect (in the order they were made)."""
        for table in list(self.tables.values()):
            for pending in list(table.values()):
                if pending.send is None and not pending.handle.done():
                    log_event(
                        logger,
                        logging.DEBUG,
                        "request.resend",
                        self._port.url,
                        "re-sending request %r after a reconnect",
                        pending.cid,
                        correlation_id=str(pending.cid),
                    )
                    self._send(pending)

    def on_close(self, code: int, manual: bool) -> None:
        """The connection closed: fail (or keep for re-sending) the requests it carried."""
        port = self._port
        keep = not manual and port.auto_reconnect
        for table in list(self.tables.values()):
            for pending in list(table.values()):
                if not pending.sent():
                    continue  # still queued: it goes out with the queue (or fails with it)
                if pending.resend and keep:
                    pending.send = None
                    continue
                self._fail(
                    pending,
                    ConnectionClosedError(
                        f"Request {_label(pending.correlation)}={pending.cid!r} failed: the "
                        f"connection to {port.url} closed (code {code}) before its "
                        "reply arrived (pass resend_on_reconnect=True to send it again)",
                        url=port.url,
                        code=code,
                    ),
                )

    def on_stopped(self, error: BaseException) -> None:
        """The client will not reconnect: requests kept for re-sending fail with ``error``."""
        for table in list(self.tables.values()):
            for pending in list(table.values()):
                if pending.send is None:
                    self._fail(pending, error)

    def on_disconnect(self) -> None:
        """``disconnect()`` was called: every pending request fails at once."""
        port = self._port
        for table in list(self.tables.values()):
            for pending in list(table.values()):
                self._fail(
                    pending,
                    ClosedError(
                        f"Request {_label(pending.correlation)}={pending.cid!r} abandoned: "
                        "disconnect() was called before its reply arrived",
                        url=port.url,
                    ),
                )
