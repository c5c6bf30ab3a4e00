"""The asyncio driver of a client's `ClientCore`: it executes the core's actions.

It owns everything that needs the event loop: the dial tasks, the timers, each connection's
`Link`, the opening phase (open hooks, subscription replay, queue flush), the outbox and the
listeners. It decides nothing about the connection's state: it feeds inputs to the core and
does what the returned actions say (`metis_env.api.core.actions`).
"""

from __future__ import annotations

import asyncio
import contextvars
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from metis_env.api.clock import Cancellable, Clock
from metis_env.api.core import actions as act
from metis_env.api.core import inputs as inp
from metis_env.api.core.machine import ClientCore
from metis_env.api.core.outcomes import closed_error
from metis_env.api.core.policy import ReconnectPolicy
from metis_env.api.errors import ConfigError, ConnectError
from metis_env.api.events import ErrorEvent, Event, EventEmitter, MessageEvent
from metis_env.api.features import Features
from metis_env.api.handles import settle
from metis_env.api.link import Link, build_request, produce_headers
from metis_env.api.logs import log_event
from metis_env.api.options import WebSocketApiOptions
from metis_env.api.outbox import Outbox
from metis_env.api.port import Port, WireTap
from metis_env.api.stats import ClientStats
from metis_env.api.transport import Connector, get_connector

__all__ = ["Driver", "OnOpen", "coerce_options", "opening_link"]

logger = logging.getLogger("metis_env.api")

OnOpen = Callable[[Any], Awaitable[None] | None]

# Set while a link's opening phase runs (open listeners, open hooks, replay): sends made from
# that context go straight out; others wait in the queue, so the server sees the opening
# messages (e.g. authenticate) before anything else.
opening_link: contextvars.ContextVar[object | None] = contextvars.ContextVar(
    "metis_env_opening_link", default=None
)


def coerce_options(
    options: WebSocketApiOptions | Mapping[str, Any] | None, overrides: Mapping[str, Any]
) -> WebSocketApiOptions:
    """Validated options from what the constructor got: a model or a mapping, plus kwargs."""
    if isinstance(options, WebSocketApiOptions):
        if not overrides:
            return options
        base: Mapping[str, Any] = options.model_dump(by_alias=True, exclude_unset=True)
        base = {**base, **options.extra}
    else:
        base = options if options is not None else {}
    return WebSocketApiOptions.parse(base, **overrides)


class Driver:
    """Runs one client's core on the event loop. Internal: `WebSocketApi` is the face."""

    __slots__ = (
        "_dials",
        "_in_listener_error",
        "_timers",
        "client",
        "clock",
        "connector",
        "core",
        "events",
        "features",
        "headers_factory",
        "hooks",
        "options",
        "outbox",
        "sent",
        "shown_url",
        "stats",
        "taps",
        "url",
    )

    def __init__(
        self,
        client: Any,
        options: WebSocketApiOptions,
        url: str,
        shown_url: str,
        *,
        connector: Connector | None,
        clock: Clock,
        random: Callable[[], float],
        headers_factory: Callable[[], Any] | None,
    ) -> None:
        # The public client, handed to open hooks.
        self.client = client
        self.options = options
        self.url = url
        self.shown_url = shown_url
        self.connector = connector
        self.clock = clock
        self.headers_factory = headers_factory
        # The listeners; one that raises becomes an `error` event (see `listener_failed`).
        self.events = EventEmitter(self.listener_failed)
        # Set while the error event for a raising listener is dispatched (no loops).
        self._in_listener_error = False
        # The completed future every immediately-sent send() returns (created on first use;
        # `sent_now` makes it, the send hot path reads it).
        self.sent: asyncio.Future[None] | None = None
        self.core = ClientCore(
            ReconnectPolicy(
                auto_reconnect=options.auto_reconnect,
                reconnect_delay=options.reconnect_delay,
                max_reconnect_delay=options.max_reconnect_delay,
                max_reconnect_attempts=options.max_reconnect_attempts,
                max_reconnect_time=options.max_reconnect_time,
                min_uptime=options.min_uptime,
                random=random,
            ),
            options.close_timeout / 1000,
            shown_url,
        )
        self.stats = ClientStats()
        # Wire taps (`WireTap`), usually none: the hot paths test this tuple's truth only.
        self.taps: tuple[WireTap, ...] = ()
        self.outbox = Outbox(options.max_queue_size, self.count_out)
        self.hooks: list[OnOpen] = []
        # Dial tasks and timers in flight, by their number.
        self._dials: dict[int, asyncio.Task[None]] = {}
        self._timers: dict[int, Cancellable] = {}
        self.features = Features(self._port)

    def _port(self) -> Port:
        """What a feature may use of the client (built when the first feature is)."""
        return Port(
            send=self.client.send,
            withdraw=self.withdraw,
            live=self._live,
            clock=self.clock,
            url=self.shown_url,
            auto_reconnect=self.options.auto_reconnect,
        )

    def _live(self) -> object | None:
        return self.core.link

    # ------------------------------------------------------------------ inputs

    def feed(self, event: inp.Input) -> None:
        """Give the core one input and carry out what it answers."""
        for action in self.core.handle(event, self.clock.time()):
            _PERFORM[type(action)](self, action)

    def deliver(self, event: MessageEvent) -> None:
        """An incoming message: features first (request matching), then listeners."""
        if self.taps:
            self.tap("received", event.raw)
        features = self.features
        if features.watching:  # a request waits or someone waits/iterates: match first
            features.on_message(event)
        self.events.emit(event)

    def count_out(self, data: str | bytes) -> None:
        """A message left through the outbox: statistics and taps."""
        self.stats.count_out(data)
        if self.taps:
            self.tap("sent", data)

    def tap(self, what: str, *args: Any) -> None:
        """Tell every wire tap; a tap that raises is logged and removed."""
        for tap in self.taps:
            try:
                getattr(tap, what)(*args)
            except Exception as exc:
                self.taps = tuple(t for t in self.taps if t is not tap)
                log_event(
                    logger,
                    logging.WARNING,
                    "tap.error",
                    self.url,
                    "%s: a wire tap raised %r; it was removed",
                    self.shown_url,
                    exc,
                )

    def link_closed(self, link: Link, code: int, reason: str, error: BaseException | None) -> None:
        """A link's transport reported its close."""
        self.feed(inp.Closed(link, code, reason, error))

    def listener_failed(self, exc: BaseException, event: Event) -> None:
        """A listener raised: log it, and report it as an ``error`` event (once, no loops)."""
        log_event(
            logger,
            logging.WARNING,
            "listener.error",
            self.url,
            "%s: a %r listener raised %s: %s",
            self.shown_url,
            event.method,
            type(exc).__name__,
            exc,
            exc_info=exc,
            listener_event=event.method,
            error=type(exc).__name__,
        )
        if self._in_listener_error or event.method in ("error", "activity"):
            return  # a raising error/activity listener is logged, never re-emitted (no loops)
        self._in_listener_error = True
        try:
            self.events.emit(ErrorEvent(exc))
        finally:
            self._in_listener_error = False

    def sent_now(self) -> asyncio.Future[None]:
        """Sent at once: one shared, already-completed future serves every such send."""
        done = self.sent
        if done is None:
            done = self.sent = asyncio.get_running_loop().create_future()
            done.set_result(None)
        return done

    # ------------------------------------------------------------------ actions

    def _emit(self, action: act.Emit) -> None:
        if action.while_in is None or self.core.state is action.while_in:
            self.events.emit(action.event)

    def _settle(self, action: act.Settle) -> None:
        for handle in action.handles:
            settle(handle, action.error)  # type: ignore[arg-type]

    def _start_dial(self, action: act.Dial) -> None:
        self._dials[action.dial] = asyncio.get_running_loop().create_task(self._dial(action.dial))

    def _cancel_dial(self, action: act.CancelDial) -> None:
        task = self._dials.pop(action.dial, None)
        if task is not None:
            task.cancel()

    def _abort(self, action: act.Abort) -> None:
        link = action.link
        if isinstance(link, Link):
            link.abort()

    def _stopped(self, action: act.Stopped) -> None:
        self.features.on_stopped(action.error)

    def _arm_timer(self, action: act.ArmTimer) -> None:
        number = action.timer
        self._timers[number] = self.clock.call_later(
            action.delay, lambda: self._timer_fired(number)
        )

    def _disarm_timer(self, action: act.DisarmTimer) -> None:
        timer = self._timers.pop(action.timer, None)
        if timer is not None:
            timer.cancel()

    def _timer_fired(self, number: int) -> None:
        if self._timers.pop(number, None) is not None:
            self.feed(inp.TimerFired(number))

    async def _dial(self, dial: int) -> None:
        link = Link(self, self.core)
        try:
            produced = None
            if self.headers_factory is not None:
                produced = await produce_headers(self.headers_factory)
            request = build_request(self.options, self.url, produced)
            if self.connector is None:
                self.connector = get_connector(
                    self.options.transport,
                    compression=self.options.compression,
                    proxy=self.options.proxy is not None,
                )
            link.headers = request.headers
            link.transport = await self.connector.open(request, link)
        except asyncio.CancelledError:
            raise
        except (ConnectError, ConfigError) as exc:
            if isinstance(exc, ConnectError):
                exc.url = self.shown_url  # errors never carry a query secret
            self._dials.pop(dial, None)
            self.feed(inp.DialFailed(dial, exc))
            return
        except Exception as exc:  # a transport bug: report it rather than lose it
            self._dials.pop(dial, None)
            error = ConnectError(
                f"Connection to {self.shown_url} failed: {exc!r}", url=self.shown_url
            )
            error.__cause__ = exc
            self.feed(inp.DialFailed(dial, error))
            return
        self._dials.pop(dial, None)
        # The open listeners and the opening phase's task see opening_link set to the link.
        token = opening_link.set(link)
        try:
            self.feed(inp.Dialed(dial, link))
        finally:
            opening_link.reset(token)
        if link.closed is not None:  # it closed before open() returned
            self.feed(inp.Closed(link, *link.closed))

    def _run_opening(self, action: act.RunOpening) -> None:
        link = action.link
        assert isinstance(link, Link)
        self.stats.opened(self.clock.time())
        if self.taps:
            self.tap("opened", self.shown_url, dict(link.headers))
        if self.core.link is not link:  # an open listener closed it already
            return
        link.start_keepalive(self.options, self.clock, self.shown_url)
        if not self.hooks and not self.outbox.queue:
            # Nothing to await: replay at once (its sends go straight out) and be ready,
            # without a task and a loop iteration.
            self.features.on_open(link)
            self.feed(inp.OpeningDone(link))
            return
        link.opening_task = asyncio.get_running_loop().create_task(self._opening(link))

    async def _opening(self, link: Link) -> None:
        transport = link.transport
        assert transport is not None
        core = self.core
        try:
            for hook in list(self.hooks):
                if core.link is not link:
                    return
                result = hook(self.client)
                if result is not None:
                    await result
            if core.link is not link:
                return
            self.features.on_open(link)
        except asyncio.CancelledError:
            raise
        except Exception as exc:
            if core.link is link:
                self._hook_failed(exc)
                self.feed(inp.OpeningFailed(link, exc))
            return
        outbox = self.outbox
        while core.link is link:
            outbox.flush(transport)
            await outbox.wait_written()
            if not outbox.queue:
                break
        if core.link is link:
            link.opening_task = None
            self.feed(inp.OpeningDone(link))

    def _hook_failed(self, exc: Exception) -> None:
        log_event(
            logger,
            logging.WARNING,
            "open_hook.error",
            self.url,
            "%s: an open hook failed, closing the connection: %s: %s",
            self.shown_url,
            type(exc).__name__,
            exc,
            error=type(exc).__name__,
        )
        log_event(logger, logging.DEBUG, "open_hook.traceback", self.url, "open hook", exc_info=exc)

    def _send_close(self, action: act.SendClose) -> None:
        link = action.link
        if not isinstance(link, Link) or link.transport is None:
            return
        transport = link.transport
        try:  # no task: the transport's on_close reports the end
            transport.start_close(action.code, action.reason)
        except Exception as exc:  # a transport bug: drop the connection, never hang
            log_event(logger, logging.DEBUG, "close.error", "", "closing failed: %r", exc)
            transport.abort()

    def _link_down(self, action: act.LinkDown) -> None:
        link = action.link
        if isinstance(link, Link):
            link.stop()
        if self.taps:
            self.tap("closed", action.code, action.reason)
        self.stats.closed()
        requeue = action.requeue and self.options.queue_while_disconnected
        error = action.error
        if error is None and self.outbox.backlog:  # a clean close: the error only when needed
            error = closed_error(self.shown_url, action.code, action.reason, None)
        self.outbox.connection_lost(requeue=requeue, error=error)  # type: ignore[arg-type]
        self.features.on_close(action.code, action.manual)

    def withdraw(self, handles: set[asyncio.Future[Any]]) -> list[asyncio.Future[Any]]:
        """Take queued sends whose handle is in ``handles`` out of the queue."""
        queue = self.outbox.queue
        taken = [item[1] for item in queue if item[1] in handles]
        if taken:
            self.outbox.replace_queue([item for item in queue if item[1] not in handles])
        return [h for h in taken if h is not None]


#: What the driver does for each kind of action (one dict lookup, not a chain of tests).
_PERFORM: dict[type[Any], Callable[[Driver, Any], None]] = {
    act.Emit: Driver._emit,
    act.Settle: Driver._settle,
    act.Dial: Driver._start_dial,
    act.CancelDial: Driver._cancel_dial,
    act.RunOpening: Driver._run_opening,
    act.SendClose: Driver._send_close,
    act.Abort: Driver._abort,
    act.LinkDown: Driver._link_down,
    act.Stopped: Driver._stopped,
    act.ArmTimer: Driver._arm_timer,
    act.DisarmTimer: Driver._disarm_timer,
}
