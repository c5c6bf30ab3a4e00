"""Listener exceptions never stop delivery to other listeners, nor the client itself."""

from __future__ import annotations

import asyncio
import logging
from typing import Any

import pytest
from fault_helpers import COUNTS, LIMIT, EventLog, client

from metis_env.simulator import Simulator

pytestmark = pytest.mark.usefixtures("transport_name")

N = 50


class Boom(RuntimeError):
    """What the broken listeners raise."""


def broken(_event: Any) -> None:
    raise Boom("listener bug")


async def broken_async(_event: Any) -> None:
    await asyncio.sleep(0)
    raise Boom("async listener bug")


@pytest.mark.parametrize("bad", [broken, broken_async], ids=["sync", "async"])
async def test_a_raising_message_listener_does_not_stop_the_others(
    bad: Any, caplog: pytest.LogCaptureFixture
) -> None:
    """Listeners before and after the broken one get every message, in order; errors report."""
    async with Simulator() as sim:
        ws = client(sim.port)
        before: list[Any] = []
        after: list[Any] = []
        errors: list[BaseException] = []
        progress = asyncio.Event()
        ws.add_event_listener("message", lambda e: before.append(e.data))
        ws.add_event_listener("message", bad)
        ws.add_event_listener("message", lambda e: (after.append(e.data), progress.set()))
        ws.add_event_listener("error", lambda e: (errors.append(e.error), progress.set()))
        await ws.connect()
        with caplog.at_level(logging.WARNING, logger="metis_env.api"):
            for n in range(N):
                await sim.send({"n": n})
            async with asyncio.timeout(LIMIT):
                while len(after) < N or len(errors) < N:
                    progress.clear()
                    await progress.wait()
        assert before == after == [{"n": n} for n in range(N)]
        assert len(errors) == N and all(isinstance(e, Boom) for e in errors)
        assert sum("listener raised Boom" in r.getMessage() for r in caplog.records) == N
        assert ws.is_connected and sim.total_connections == 1
        await ws.disconnect()
        COUNTS["listener exceptions contained"] += N


async def test_raising_lifecycle_listeners_do_not_stop_reconnecting() -> None:
    """open/close/connection-change/error/reconnecting listeners that raise: it still recovers."""
    async with Simulator() as sim:
        ws = client(sim.port)
        for name in ("open", "close", "connection-change", "error", "reconnecting", "activity"):
            ws.add_event_listener(name, broken)
        log = EventLog(ws)  # registered after the broken ones: must still see everything
        await ws.connect()
        sim.drop_all()
        await log.wait_for(("open",), 2)
        lifecycle = [e for e in log.entries if e[0] != "error"]
        assert lifecycle == [
            ("open",),
            ("connection-change", True),
            ("close", 1006),
            ("connection-change", False),
            ("reconnecting", 1),
            ("open",),
            ("connection-change", True),
        ]
        # Each raise of a lifecycle listener became one error event; raising error and
        # activity listeners are logged, not re-reported (no loop).
        assert log.count(("error", "Boom")) == len(lifecycle)
        assert log.count(("error", "ConnectionClosedError")) == 1
        assert ws.is_connected
        await ws.disconnect()
        COUNTS["faults survived"] += 1
