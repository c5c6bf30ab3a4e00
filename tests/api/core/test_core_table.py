"""Every (phase, input) pair of the client's core, with plain values and no event loop."""

from __future__ import annotations

from collections.abc import Callable

import pytest
from core_helpers import Link, Rig, emitted, kinds, settled, to_phase

from metis_env.api.core import actions as act
from metis_env.api.core import inputs as inp
from metis_env.api.core.states import Backoff, Closing, Connecting, Idle, Open, Opening
from metis_env.api.errors import ConnectAbortedError, ConnectError, ConnectionClosedError

PHASES = [
    "Idle",
    "Connecting",
    "Reconnecting",
    "Opening",
    "Open",
    "Closing",
    "ClosingThenConnect",
    "ClosingAfterHook",
    "Backoff",
]


def _dial(r: Rig) -> int:
    state = r.core.state
    return state.dial if isinstance(state, Connecting) else 10_000


def _timer(r: Rig) -> int:
    state = r.core.state
    return state.timer if isinstance(state, Closing | Backoff) else 10_000


REFUSED = ConnectError("connect ECONNREFUSED 127.0.0.1:1")
HOOK = RuntimeError("login refused")

INPUTS: dict[str, Callable[[Rig, Link], inp.Input]] = {
    "connect": lambda r, link: inp.Connect("new"),
    "disconnect": lambda r, link: inp.Disconnect("dnew", 1000, ""),
    "dialed": lambda r, link: inp.Dialed(_dial(r), Link("x")),
    "dialed_stale": lambda r, link: inp.Dialed(_dial(r) + 1, Link("y")),
    "dial_failed": lambda r, link: inp.DialFailed(_dial(r), REFUSED),
    "dial_failed_stale": lambda r, link: inp.DialFailed(_dial(r) + 1, REFUSED),
    "opening_done": lambda r, link: inp.OpeningDone(link),
    "opening_failed": lambda r, link: inp.OpeningFailed(link, HOOK),
    "closed": lambda r, link: inp.Closed(link, 1006, "", None),
    "closed_stale": lambda r, link: inp.Closed(Link("z"), 1000, "", None),
    "timer": lambda r, link: inp.TimerFired(_timer(r)),
    "timer_stale": lambda r, link: inp.TimerFired(_timer(r) + 1),
}

# (phase, input) -> the phase after it; pairs not listed leave the phase as it was.
NEXT: dict[tuple[str, str], type] = {
    ("Idle", "connect"): Connecting,
    ("Connecting", "connect"): Idle,  # both calls fail, as the original
    ("Connecting", "disconnect"): Idle,
    ("Connecting", "dialed"): Opening,
    ("Connecting", "dial_failed"): Idle,  # an awaited connect() never starts a loop
    ("Reconnecting", "disconnect"): Idle,
    ("Reconnecting", "dialed"): Opening,
    ("Reconnecting", "dial_failed"): Backoff,
    ("Opening", "disconnect"): Closing,
    ("Opening", "opening_done"): Open,
    ("Opening", "opening_failed"): Closing,
    ("Opening", "closed"): Backoff,
    ("Open", "disconnect"): Closing,
    ("Open", "closed"): Backoff,
    ("Closing", "closed"): Idle,
    ("Closing", "timer"): Idle,
    ("ClosingThenConnect", "closed"): Connecting,
    ("ClosingThenConnect", "timer"): Connecting,
    ("ClosingAfterHook", "closed"): Idle,
    ("ClosingAfterHook", "timer"): Idle,
    ("Backoff", "connect"): Connecting,
    ("Backoff", "disconnect"): Idle,
    ("Backoff", "timer"): Connecting,
}


@pytest.mark.parametrize("phase", PHASES)
@pytest.mark.parametrize("event", list(INPUTS))
def test_every_phase_and_input(phase: str, event: str) -> None:
    """The next phase is the table's; an input that does not apply changes nothing."""
    r, link = to_phase(phase)
    before = r.core.state
    out = r.feed(INPUTS[event](r, link))
    expected = NEXT.get((phase, event))
    if expected is None:
        if event == "connect" and isinstance(before, Open):
            assert settled(out) == {"new": None}  # already open: resolves at once
            return
        if event == "disconnect" and isinstance(before, Idle):
            assert settled(out) == {"dnew": None}
            return
        assert type(r.core.state) is type(before)
        if event.startswith("dialed"):
            assert kinds(out) in ([], ["Abort"])  # a late connection is dropped
        elif event not in ("connect", "disconnect"):
            assert out == []
        return
    assert type(r.core.state) is expected
    settled(out)  # no handle settles twice within one step


def test_connect_while_closing_settles_the_old_disconnect_and_reconnects_later() -> None:
    """Edge (1): the disconnect() handle settles; the new connection is a wanted one."""
    r, link = to_phase("ClosingThenConnect")
    out = r.feed(inp.Closed(link, 1000, "", None))
    assert settled(out) == {"d1": None}
    assert emitted(out) == ["close", "connection-change"]
    assert isinstance(r.core.state, Connecting) and r.core.state.waiters == ("c2",)
    link2 = Link("b")
    r.feed(inp.Dialed(r.last_dial(), link2))
    assert settled(r.feed(inp.OpeningDone(link2))) == {"c2": None}
    out = r.feed(inp.Closed(link2, 1012, "restart", None))  # unexpected: retried
    assert isinstance(r.core.state, Backoff)
    assert "reconnecting" in emitted(out)
    r2, link = to_phase("ClosingThenConnect")
    r2.feed(inp.Closed(link, 1000, "", None))
    link3 = Link("c")
    r2.feed(inp.Dialed(r2.last_dial(), link3))
    r2.feed(inp.OpeningDone(link3))
    out = r2.feed(inp.Disconnect("d2"))  # a new handle that closes the new connection
    assert kinds(out)[:2] == ["SendClose", "ArmTimer"]
    assert isinstance(r2.core.state, Closing) and r2.core.state.waiters == ("d2",)


def test_failed_open_hook_fails_connect_and_closes_with_a_frame() -> None:
    """Edge (3): the hook's exception fails connect(); a close frame goes out; no retry."""
    r, link = to_phase("Opening")
    out = r.feed(inp.OpeningFailed(link, HOOK))
    assert settled(out) == {"c1": HOOK}
    assert [a for a in out if isinstance(a, act.SendClose)] == [
        act.SendClose(link, 1000, "open hook failed")
    ]
    out = r.feed(inp.Closed(link, 1000, "", None))
    assert isinstance(r.core.state, Idle)
    assert any(isinstance(a, act.Stopped) for a in out)


def test_failed_open_hook_during_a_reconnect_counts_as_a_failed_attempt() -> None:
    """Edge (3): in the background the hook's failure continues the reconnect series."""
    r, _ = to_phase("Reconnecting")
    link = Link("b")
    r.feed(inp.Dialed(r.last_dial(), link))
    assert r.core.attempts == 0  # looks opened to scripts
    r.feed(inp.OpeningFailed(link, HOOK))
    out = r.feed(inp.Closed(link, 1000, "", None))
    assert isinstance(r.core.state, Backoff) and r.core.state.series.attempts == 2
    assert emitted(out)[-1] == "reconnecting"


def test_stopping_for_good_ends_waiting_with_the_close_code() -> None:
    """Edge (4): auto-reconnect off, a fatal code or a give-up all emit Stopped."""
    for policy, code in (({"auto_reconnect": False}, 1006), ({}, 1008)):
        r, link = to_phase("Open", **policy)
        out = r.feed(inp.Closed(link, code, "bye", None))
        stops = [a for a in out if isinstance(a, act.Stopped)]
        assert len(stops) == 1 and isinstance(stops[0].error, ConnectionClosedError)
        assert stops[0].error.code == code and "bye" in str(stops[0].error)
    r, _ = to_phase("Reconnecting", max_reconnect_attempts=1)
    out = r.feed(inp.DialFailed(r.last_dial(), REFUSED))
    assert emitted(out)[-1] == "reconnect-failed"
    assert any(isinstance(a, act.Stopped) for a in out)


def test_reconnecting_event_is_skipped_when_a_listener_disconnected_first() -> None:
    """The driver emits `reconnecting` only while the core is still in that Backoff."""
    r, link = to_phase("Open")
    out = r.feed(inp.Closed(link, 1006, "", None))
    reconnecting = [a for a in out if isinstance(a, act.Emit) and a.while_in is not None]
    assert len(reconnecting) == 1 and reconnecting[0].while_in is r.core.state
    r.feed(inp.Disconnect("d"))
    assert r.core.state is not reconnecting[0].while_in


def test_superseded_connect_fails_both_with_the_original_texts() -> None:
    """The original's §1.6 step 3, byte for byte."""
    r, _ = to_phase("Connecting")
    out = r.feed(inp.Connect("c2"))
    errors = settled(out)
    assert isinstance(errors["c1"], ConnectAbortedError)
    assert str(errors["c1"]) == "Connection superseded by a new connect() call."
    assert str(errors["c2"]) == (
        "connect() called while a connection attempt was already in progress."
    )


def test_close_timer_declares_a_silent_peer_closed() -> None:
    """disconnect() ends in Idle within closeTimeout + margin whatever the peer does."""
    r, link = to_phase("Closing")
    out = r.feed(inp.TimerFired(r.last_timer()))
    assert kinds(out)[0] == "Abort"
    assert settled(out) == {"d1": None}
    assert isinstance(r.core.state, Idle)
    assert r.feed(inp.Closed(link, 1006, "", None)) == []  # the late report is ignored


def test_attempts_count_and_reset() -> None:
    """Reference test (3): count > 0 at the close, 0 once reconnected."""
    r, link = to_phase("Open")
    r.feed(inp.Closed(link, 1006, "", None))
    assert r.core.attempts == 1
    r.feed(inp.TimerFired(r.last_timer()))
    link2 = Link("b")
    r.feed(inp.Dialed(r.last_dial(), link2))
    assert r.core.attempts == 0
    r.feed(inp.OpeningDone(link2))
    assert r.core.attempts == 0 and isinstance(r.core.state, Open)
