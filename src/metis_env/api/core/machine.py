"""`ClientCore`: the single owner of a client's connection state, without I/O.

In the manner of websockets' sans-I/O ``Protocol``: inputs (`metis_env.api.core.inputs`)
go in through `ClientCore.handle` with the current clock reading; a list of actions
(`metis_env.api.core.actions`) comes out for the asyncio driver to execute. Nothing here
touches a socket, an event loop or a clock, so every transition is tested with plain values
(``tests/api/core/``).

Invariants (checked by a stateful property test):

* every handle passed in is settled exactly once, by exactly one ``Settle`` action;
* at most one live link: a new dial starts only once the previous link is down;
* after ``Disconnect`` the phase is `Idle` once the link reports closed or the close timer
  fires, whatever the peer does;
* the core reconnects (dials with no waiters) only while the user wants a connection.
"""

from __future__ import annotations

import logging
from collections.abc import Callable, Sequence
from dataclasses import replace
from typing import Any

from metis_env.api.core import actions as act
from metis_env.api.core import inputs as inp
from metis_env.api.core.outcomes import closed_error, down_events
from metis_env.api.core.policy import GiveUp, ReconnectPolicy, Retry
from metis_env.api.core.states import (
    Backoff,
    Closing,
    Connecting,
    Idle,
    Open,
    Opening,
    Phase,
    Series,
)
from metis_env.api.errors import ConnectAbortedError, ConnectionClosedError
from metis_env.api.events import (
    ConnectionChangeEvent,
    OpenEvent,
    ReconnectFailedEvent,
    ReconnectingEvent,
)
from metis_env.api.logs import log_event
from metis_env.api.state import ReadyState

__all__ = ["CLOSE_MARGIN", "HOOK_FAILED_CLOSE", "ClientCore"]

logger = logging.getLogger("metis_env.api")

#: Seconds the core waits beyond ``closeTimeout`` before it declares a closing link gone
#: (the transport aborts at ``closeTimeout`` itself; this is the backstop).
CLOSE_MARGIN = 0.5
#: The close frame sent when an open hook fails: normal closure, with the reason.
HOOK_FAILED_CLOSE = (1000, "open hook failed")

_IDLE = Idle()


class ClientCore:
    """The connection state machine of one client.

    Args:
        policy: the reconnect decision.
        close_timeout: seconds a closing handshake may take (``closeTimeout``); the core's
            own deadline is this plus `CLOSE_MARGIN`.
        url: the client's URL as shown in errors (redacted).
    """

    __slots__ = ("_next", "_state", "close_timeout", "link", "open_link", "policy", "url")

    def __init__(self, policy: ReconnectPolicy, close_timeout: float, url: str) -> None:
        self.policy = policy
        self.close_timeout = close_timeout
        self.url = url
        # The phase, and the live link derived from it (kept in step by the setter).
        self._state: Phase = _IDLE
        self.link: object | None = None
        # The link only while the phase is Open (the send hot path reads this one).
        self.open_link: object | None = None
        # Source of dial and timer numbers.
        self._next = 0

    # ------------------------------------------------------------------ state

    @property
    def state(self) -> Phase:
        """The current phase."""
        return self._state

    @state.setter
    def state(self, new: Phase) -> None:
        old = self._state
        if type(old) is not type(new) and logger.isEnabledFor(logging.DEBUG):
            log_event(
                logger,
                logging.DEBUG,
                "state",
                self.url,
                "%s: %s -> %s",
                self.url,
                type(old).__name__,
                type(new).__name__,
                old_state=old.ready_state.name,
                new_state=new.ready_state.name,
            )
        self._state = new
        self.link = new.link if isinstance(new, Opening | Open) else None
        self.open_link = new.link if isinstance(new, Open) else None

    @property
    def ready_state(self) -> ReadyState:
        """CONNECTING, OPEN, CLOSING or CLOSED, as scripts see it."""
        return self._state.ready_state

    @property
    def wanted(self) -> bool:
        """Whether the user wants a connection (reconnecting is allowed)."""
        state = self._state
        if isinstance(state, Idle):
            return False
        if isinstance(state, Closing):
            return state.then_connect is not None or (
                state.failure is not None and state.background
            )
        return True

    @property
    def attempts(self) -> int:
        """Reconnect attempts since the last successful open (``reconnect_attempt_count``)."""
        state = self._state
        if isinstance(state, Idle):
            return 0
        if isinstance(state, Opening) and self.policy.min_uptime <= 0:
            return 0
        return state.series.attempts

    def _number(self) -> int:
        self._next += 1
        return self._next

    # ------------------------------------------------------------------ inputs

    def handle(self, event: inp.Input, now: float) -> list[act.Action]:
        """Apply one input; return what the driver must do, in order."""
        return _HANDLE[type(event)](self, event, now)

    def _connect(self, event: inp.Connect, now: float) -> list[act.Action]:
        handle = event.handle
        state = self._state
        if isinstance(state, Idle):
            dial = self._number()
            self.state = Connecting(dial, (handle,))
            return [act.Dial(dial)]
        if isinstance(state, Connecting):
            if state.background:  # join the reconnect attempt in flight
                self.state = replace(state, waiters=(handle,))
                return []
            # As the original (§1.6 step 3): both calls fail, no connection remains.
            self.state = _IDLE
            return [
                act.CancelDial(state.dial),
                act.Settle(
                    state.waiters,
                    ConnectAbortedError(
                        "Connection superseded by a new connect() call.", url=self.url
                    ),
                ),
                act.Settle(
                    (handle,),
                    ConnectAbortedError(
                        "connect() called while a connection attempt was already in progress.",
                        url=self.url,
                    ),
                ),
            ]
        if isinstance(state, Opening):
            self.state = replace(state, waiters=(*state.waiters, handle))
            return []
        if isinstance(state, Open):
            return [act.Settle((handle,))]
        if isinstance(state, Closing):
            self.state = replace(state, then_connect=(*(state.then_connect or ()), handle))
            return []
        dial = self._number()  # Backoff: the user is impatient; try now
        self.state = Connecting(dial, (handle,), state.series)
        return [act.DisarmTimer(state.timer), act.Dial(dial)]

    def _disconnect(self, event: inp.Disconnect, now: float) -> list[act.Action]:
        state = self._state
        done = act.Settle((event.handle,))
        if isinstance(state, Idle):
            return [done]
        if isinstance(state, Connecting):
            self.state = _IDLE
            error = ConnectAbortedError(
                "WebSocket was closed before the connection was established", url=self.url
            )
            return [
                act.CancelDial(state.dial),
                *down_events(1006, "", error),
                act.Settle(state.waiters, error),
                done,
            ]
        if isinstance(state, Opening | Open):
            timer = self._number()
            self.state = Closing(state.link, timer, (event.handle,))
            out: list[act.Action] = [
                act.SendClose(state.link, event.code, event.reason),
                act.ArmTimer(timer, self.close_timeout + CLOSE_MARGIN),
            ]
            if isinstance(state, Opening) and state.waiters:
                out.append(
                    act.Settle(
                        state.waiters,
                        ConnectAbortedError(
                            "disconnect() was called before the connection finished opening",
                            url=self.url,
                        ),
                    )
                )
            return out
        if isinstance(state, Closing):
            self.state = replace(
                state,
                waiters=(*state.waiters, event.handle),
                then_connect=None,
                background=False,
            )
            if state.then_connect:
                return [
                    act.Settle(
                        state.then_connect,
                        ConnectAbortedError(
                            "disconnect() was called before the connection was established",
                            url=self.url,
                        ),
                    )
                ]
            return []
        self.state = _IDLE  # Backoff: stop waiting to reconnect
        return [act.DisarmTimer(state.timer), done]

    def _dialed(self, event: inp.Dialed, now: float) -> list[act.Action]:
        state = self._state
        if not isinstance(state, Connecting) or state.dial != event.dial:
            return [act.Abort(event.link)]  # an attempt we gave up on opened after all
        self.state = Opening(event.link, state.waiters, state.series)
        # The open listeners run first (their sends go out before anything queued); the
        # opening phase then starts unless one of them already closed the link.
        return [_EMIT_OPEN, _EMIT_CONNECTED, act.RunOpening(event.link)]

    def _dial_failed(self, event: inp.DialFailed, now: float) -> list[act.Action]:
        state = self._state
        if not isinstance(state, Connecting) or state.dial != event.dial:
            return []
        events = down_events(1006, "", event.error)
        if not state.background:
            # A connect() the user awaits failed: report it; no background loop
            # (Differs: the original starts an endless one after any earlier success).
            self.state = _IDLE
            return [*events, act.Settle(state.waiters, event.error)]
        decision = self.policy.decide(state.series, close_code=None, error=event.error, now=now)
        return self._after_loss(decision, [], events, event.error)

    def _opening_done(self, event: inp.OpeningDone, now: float) -> list[act.Action]:
        state = self._state
        if not isinstance(state, Opening) or state.link is not event.link:
            return []
        series = state.series if self.policy.min_uptime > 0 else Series()
        self.state = Open(state.link, now, series)
        return [act.Settle(state.waiters)] if state.waiters else []

    def _opening_failed(self, event: inp.OpeningFailed, now: float) -> list[act.Action]:
        state = self._state
        if not isinstance(state, Opening) or state.link is not event.link:
            return []
        timer = self._number()
        self.state = Closing(
            state.link,
            timer,
            failure=event.error,
            background=not state.waiters,
            series=state.series,
        )
        code, reason = HOOK_FAILED_CLOSE
        out: list[act.Action] = [
            act.SendClose(state.link, code, reason),
            act.ArmTimer(timer, self.close_timeout + CLOSE_MARGIN),
        ]
        if state.waiters:
            out.append(act.Settle(state.waiters, event.error))
        return out

    def _closed(
        self, link: object, code: int, reason: str, error: BaseException | None, now: float
    ) -> list[act.Action]:
        state = self._state
        if isinstance(state, Opening | Open) and state.link is link:
            lost = closed_error(self.url, code, reason, error)
            series = state.series
            if isinstance(state, Open):
                series = self.policy.after_uptime(series, state.opened_at, now)
            decision = self.policy.decide(series, close_code=code, error=error, now=now)
            gone: list[act.Action] = [
                act.LinkDown(link, code, lost, manual=False, requeue=True, reason=reason)
            ]
            events = down_events(code, reason, lost if error is not None else None)
            out = self._after_loss(decision, gone, events, lost)
            if isinstance(state, Opening) and state.waiters:
                out.append(act.Settle(state.waiters, lost))
            return out
        if isinstance(state, Closing) and state.link is link:
            failed = None if error is None else closed_error(self.url, code, reason, error)
            down: list[act.Action] = [
                act.DisarmTimer(state.timer),
                act.LinkDown(link, code, failed, manual=True, requeue=False, reason=reason),
            ]
            events = down_events(code, reason, None)
            settle: list[act.Action] = [act.Settle(state.waiters)] if state.waiters else []
            if state.then_connect is not None:
                dial = self._number()
                self.state = Connecting(dial, state.then_connect, state.series)
                return [*down, act.Dial(dial), *events, *settle]
            if state.failure is not None and state.background:
                decision = self.policy.decide(
                    state.series, close_code=None, error=state.failure, now=now
                )
                return [*self._after_loss(decision, down, events, state.failure), *settle]
            self.state = _IDLE
            stop: list[act.Action] = []
            if state.failure is not None:  # the awaited connect() already failed with it
                stop.append(act.Stopped(closed_error(self.url, code, reason, state.failure)))
            return [*down, *events, *stop, *settle]
        return []

    def _after_loss(
        self,
        decision: Retry | GiveUp | None,
        first: Sequence[act.Action],
        events: Sequence[act.Action],
        cause: BaseException,
    ) -> list[act.Action]:
        """Move to `Backoff` or `Idle` after losing a link or failing an attempt."""
        if isinstance(decision, Retry):
            timer = self._number()
            backoff = Backoff(timer, decision.delay, decision.series)
            self.state = backoff
            return [
                act.ArmTimer(timer, decision.delay / 1000),
                *first,
                *events,
                act.Emit(
                    ReconnectingEvent(decision.series.attempts, decision.delay, cause),
                    while_in=backoff,
                ),
            ]
        self.state = _IDLE
        out = [*first, *events]
        if isinstance(decision, GiveUp):
            out.append(act.Emit(ReconnectFailedEvent(decision.attempts, cause, decision.reason)))
        stopped = cause if isinstance(cause, ConnectionClosedError) else None
        out.append(act.Stopped(stopped or closed_error(self.url, 1006, "", cause)))
        return out

    def _timer(self, event: inp.TimerFired, now: float) -> list[act.Action]:
        state = self._state
        if isinstance(state, Backoff) and state.timer == event.timer:
            dial = self._number()
            self.state = Connecting(dial, (), state.series)
            return [act.Dial(dial)]
        if isinstance(state, Closing) and state.timer == event.timer:
            link = state.link
            error = ConnectionClosedError(
                f"The closing handshake with {self.url} did not finish within "
                f"{self.close_timeout * 1000:g} ms; the connection was dropped",
                url=self.url,
            )
            return [act.Abort(link), *self._closed(link, 1006, "", error, now)]
        return []


# Events without fields are immutable: one instance of each (and of its Emit) serves all.
_EMIT_OPEN = act.Emit(OpenEvent())
_EMIT_CONNECTED = act.Emit(ConnectionChangeEvent(True))

#: The transition for each kind of input (one dict lookup, not a chain of tests).
_HANDLE: dict[type[Any], Callable[[ClientCore, Any, float], list[act.Action]]] = {
    inp.Connect: ClientCore._connect,
    inp.Disconnect: ClientCore._disconnect,
    inp.Dialed: ClientCore._dialed,
    inp.DialFailed: ClientCore._dial_failed,
    inp.OpeningDone: ClientCore._opening_done,
    inp.OpeningFailed: ClientCore._opening_failed,
    inp.Closed: lambda core, event, now: core._closed(
        event.link, event.code, event.reason, event.error, now
    ),
    inp.TimerFired: ClientCore._timer,
}
