"""The session as a state machine, driven without sockets: transitions, the phase lock,
end() that completes when cancelled, reset, sleeps, and user code that misbehaves."""

from __future__ import annotations

import asyncio
import logging
import time
from pathlib import Path
from typing import Any

import pytest
from runtime_inmemory import StandIn, environment

from metis_env.runtime import (
    TRANSITIONS,
    EffectRequest,
    OutdatedContextError,
    Session,
    SessionState,
    SessionStateError,
    check_transition,
)

S = SessionState


def test_transition_table_matches_metis_states() -> None:
    """Six states (METIS's); ended is terminal; illegal moves raise, naming what is allowed."""
    assert [str(s) for s in S] == [
        "unstarted",
        "starting",
        "started",
        "resetting",
        "ending",
        "ended",
    ]
    assert TRANSITIONS[S.ENDED] == frozenset()
    check_transition("s1", S.STARTED, S.RESETTING)
    with pytest.raises(SessionStateError) as info:
        check_transition("s1", S.ENDED, S.STARTING)
    assert str(info.value) == (
        "session s1: cannot go from ended to starting "
        "(from ended: nothing (a session is used once))"
    )
    with pytest.raises(SessionStateError, match="from unstarted: ended, starting"):
        check_transition("s1", S.UNSTARTED, S.STARTED)


async def test_every_transition_is_logged_at_debug(
    tmp_path: Path, caplog: pytest.LogCaptureFixture
) -> None:
    """A whole run goes unstarted -> starting -> started -> ending -> ended, each logged."""

    async def script(context: Any) -> None:
        context.send_output(context.session.state)

    env = environment("env-a", tmp_path, scripts={"t": script})
    session = Session([env])
    with caplog.at_level(logging.DEBUG, logger="metis_env.runtime"):
        result = await session.run([EffectRequest("env-a", "t")])
    moves = [r.getMessage().split(": ", 1)[1] for r in caplog.records if "->" in r.getMessage()]
    assert moves == [
        "unstarted -> starting",
        "starting -> started",
        "started -> ending",
        "ending -> ended",
    ]
    assert [o.message for o in result.outputs] == ["started"]
    assert session.state == "ended" and session.state is S.ENDED


async def test_start_twice_and_end_twice(tmp_path: Path) -> None:
    """start() after start raises; end() is idempotent and returns the same result; the
    reprs show the state."""
    session = Session([environment("env-a", tmp_path)], name="s")
    assert repr(session) == f"Session(id={session.id!r}, name='s', state='unstarted')"
    assert await session.start() is True
    assert repr(session.host) == (
        f"LocalHost(session={session.id!r}, instance={session.instance_id!r}, state='started')"
    )
    assert repr(session.clients) == "SessionClients(clients=0, closed=0)"
    with pytest.raises(SessionStateError, match="cannot go from started to starting"):
        await session.start()
    first = await session.end()
    assert await session.end() is first
    assert session.state is S.ENDED


async def test_end_without_start(tmp_path: Path) -> None:
    """An unstarted session ends at once: no hook runs, the result is empty."""
    ran: list[str] = []

    async def hook(context: Any) -> None:
        ran.append("teardown")

    session = Session([environment("env-a", tmp_path, teardown=[hook])])
    result = await session.end()
    assert (session.state, ran, result.tasks, result.status) == (S.ENDED, [], [], "success")


async def test_end_during_start_waits_and_closes_every_client(tmp_path: Path) -> None:
    """The race: end() during start() waits for every setup hook, then tears down and closes
    the clients the later hooks opened; nothing runs after end() returns."""
    gate = asyncio.Event()
    hook_a_running = asyncio.Event()
    clients: list[StandIn] = []
    ran: list[str] = []

    async def slow_setup(context: Any) -> None:
        hook_a_running.set()
        await gate.wait()
        ran.append("A setup")

    async def opens_client(context: Any) -> None:
        clients.append(StandIn("b"))
        ran.append("B setup")

    async def teardown(context: Any) -> None:
        ran.append(f"{context.env_id} teardown")

    session = Session(
        [
            environment("env-a", tmp_path, setup=[slow_setup], teardown=[teardown]),
            environment("env-b", tmp_path, setup=[opens_client], teardown=[teardown]),
        ]
    )
    starting = asyncio.create_task(session.start())
    await asyncio.wait_for(hook_a_running.wait(), 5)
    ending = asyncio.create_task(session.end())
    await asyncio.sleep(0)
    assert not ending.done() and session.state is S.STARTING  # end waits for the phase lock
    gate.set()
    assert await asyncio.wait_for(starting, 5) is True
    result = await asyncio.wait_for(ending, 5)
    assert ran == ["A setup", "B setup", "env-a teardown", "env-b teardown"]
    assert [c.closed for c in clients] == [[(1001, "Session teardown")]]
    assert session.state is S.ENDED and result.status == "success"


async def test_end_cancelled_during_teardown_still_completes(tmp_path: Path) -> None:
    """The leak: a timeout around run() that hits a slow teardown hook still ends the session:
    clients closed, stores cleared, state ended; a second end() returns the same result."""
    clients: list[StandIn] = []
    stores: list[Any] = []

    async def setup(context: Any) -> None:
        clients.append(StandIn("hook-client"))
        context.global_store.use("k", "v")
        stores.append(context.global_store)

    async def slow_teardown(context: Any) -> None:
        await asyncio.sleep(60)

    env = environment("env-a", tmp_path, setup=[setup], teardown=[slow_teardown])
    session = Session([env], cancel_grace_ms=200)
    started = time.monotonic()
    with pytest.raises(TimeoutError):
        await asyncio.wait_for(session.run([]), 0.3)
    assert time.monotonic() - started < 5
    assert session.state is S.ENDED
    assert clients[0].closed == [(1001, "Session teardown")]
    assert stores[0].keys() == []
    result = await session.end()
    assert await session.end() is result
    assert [(t.name, t.status) for t in result.tasks] == [
        ("setup", "success"),
        ("slow_teardown", "cancelled"),
    ]


async def test_reset_renews_instance_and_empties_stores(tmp_path: Path) -> None:
    """reset(): teardown then setup again, a new instance id, empty stores; a context from
    before raises OutdatedContextError with METIS's text; its sleep in flight ends."""
    seen: list[Any] = []
    events: list[str] = []
    sleeping = asyncio.Event()

    async def setup(context: Any) -> None:
        events.append("setup")
        context.local_store.use("count", 0).value += 1
        seen.append(context)

    async def teardown(context: Any) -> None:
        events.append("teardown")

    async def sleeper(context: Any) -> None:
        seen.append(context)
        sleeping.set()
        await context.sleep(60_000)

    env = environment(
        "env-a", tmp_path, setup=[setup], teardown=[teardown], scripts={"sleep": sleeper}
    )
    session = Session([env])
    assert await session.start()
    old_instance = session.instance_id
    running = asyncio.create_task(session.run_effect(EffectRequest("env-a", "sleep")))
    await asyncio.wait_for(sleeping.wait(), 5)
    started = time.monotonic()
    assert await session.reset() is True
    record = await asyncio.wait_for(running, 5)
    assert time.monotonic() - started < 3  # the sleep ended at teardown, not after 60 s
    assert record.status == "cancelled"
    assert session.instance_id != old_instance and session.state is S.STARTED
    assert events == ["setup", "teardown", "setup"]
    assert session.stores.local("default", "env-a").use("count", 0).value == 1
    hook_context, script_context = seen[0], seen[1]
    with pytest.raises(OutdatedContextError) as info:
        script_context.send_output("late")
    assert str(info.value) == (
        "Cannot perform target-environment callback operation. TargetEnvContext instance ID "
        f'"{old_instance}" does not match current session instance ID "{session.instance_id}".'
        "  This is likely due to delayed asynchronous code execution from the previous "
        "session instance."
    )
    with pytest.raises(OutdatedContextError):
        hook_context.log("late")
    await session.end()


async def test_reset_only_from_started(tmp_path: Path) -> None:
    """reset() before start raises SessionStateError."""
    session = Session([environment("env-a", tmp_path)])
    with pytest.raises(SessionStateError, match="cannot go from unstarted to resetting"):
        await session.reset()


async def test_sleep_in_flight_ends_at_end(tmp_path: Path) -> None:
    """end() from another task ends a 60 s sleep at once; the script is recorded cancelled."""
    sleeping = asyncio.Event()

    async def sleeper(context: Any) -> None:
        sleeping.set()
        await context.sleep(60_000)

    session = Session([environment("env-a", tmp_path, scripts={"s": sleeper})])
    await session.start()
    running = asyncio.create_task(session.run_effect(EffectRequest("env-a", "s")))
    await asyncio.wait_for(sleeping.wait(), 5)
    started = time.monotonic()
    result = await asyncio.wait_for(session.end(), 5)
    record = await asyncio.wait_for(running, 5)
    assert time.monotonic() - started < 3
    assert record.status == "cancelled" and result.tasks[-1] is record


async def test_task_ignoring_cancellation_is_abandoned(tmp_path: Path) -> None:
    """A script with a bare except around await in a loop is abandoned after the grace
    period, with a clear record; the session still ends."""
    stop = asyncio.Event()

    async def stubborn(context: Any) -> None:
        while not stop.is_set():
            try:
                await asyncio.sleep(0.01)
            except:  # noqa: E722 - the misbehaviour under test
                pass

    session = Session(
        [environment("env-a", tmp_path, scripts={"s": stubborn})], cancel_grace_ms=100
    )
    started = time.monotonic()
    try:
        result = await session.run([EffectRequest("env-a", "s")], timeout_ms=100)
        assert time.monotonic() - started < 5
        [record] = result.tasks
        assert (record.status, record.error) == (
            "failure",
            "did not stop within 100 ms of cancellation; abandoned "
            "(cancelled: the session timed out after 100 ms)",
        )
        assert result.status == "cancelled" and session.state is S.ENDED
        assert session.abandoned_tasks == 1
    finally:
        stop.set()


async def test_system_exit_from_a_script_is_a_failure(tmp_path: Path) -> None:
    """sys.exit() in a script is its failure (recorded, the next script still runs)."""

    async def exits(context: Any) -> None:
        raise SystemExit(3)

    async def fine(context: Any) -> None:
        context.send_output("still here")

    env = environment("env-a", tmp_path, scripts={"exits": exits, "fine": fine})
    result = await Session([env]).run(
        [EffectRequest("env-a", "exits"), EffectRequest("env-a", "fine")]
    )
    assert [(t.name, t.status, t.error) for t in result.tasks] == [
        ("exits", "failure", "SystemExit: 3"),
        ("fine", "success", None),
    ]
    assert result.status == "failure" and [o.message for o in result.outputs] == ["still here"]


async def test_system_exit_from_a_hook_is_a_failure(tmp_path: Path) -> None:
    """sys.exit() in a setup hook fails setup; teardown runs; nothing escapes."""

    async def exits(context: Any) -> None:
        raise SystemExit(0)

    result = await Session([environment("env-a", tmp_path, setup=[exits])]).run([])
    assert [(t.status, t.error) for t in result.tasks] == [("failure", "SystemExit: 0")]
    assert result.status == "failure"


async def test_keyboard_interrupt_from_a_script_ends_cleanly(tmp_path: Path) -> None:
    """KeyboardInterrupt raised by a script: the rest is skipped, teardown runs, then it is
    re-raised to the caller."""
    ran: list[str] = []

    async def interrupts(context: Any) -> None:
        raise KeyboardInterrupt

    async def later(context: Any) -> None:
        ran.append("later")

    async def teardown(context: Any) -> None:
        ran.append("teardown")

    env = environment(
        "env-a", tmp_path, teardown=[teardown], scripts={"i": interrupts, "later": later}
    )
    session = Session([env])
    with pytest.raises(KeyboardInterrupt):
        await session.run([EffectRequest("env-a", "i"), EffectRequest("env-a", "later")])
    assert ran == ["teardown"]
    result = await session.end()
    assert [(t.name, t.status) for t in result.tasks] == [
        ("i", "cancelled"),
        ("later", "skipped"),
        ("teardown", "success"),
    ]
    assert result.tasks[0].error == "interrupted: it raised KeyboardInterrupt"
    assert result.status == "cancelled"
