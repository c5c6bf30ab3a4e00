"""The server closes with each class of close code: the close event and the reconnect policy."""

from __future__ import annotations

import asyncio

import pytest
from fault_helpers import COUNTS, LIMIT, EventLog, client

from metis_env.api.backoff import retry_verdict
from metis_env.simulator import Simulator

pytestmark = pytest.mark.usefixtures("transport_name")

OPENED = [("open",), ("connection-change", True)]

#: Close code -> whether the policy (api/backoff.py) reconnects after it. 1000 normal, 1001
#: going away, 1011 server error and 4000 (application) are worth another try; 1008 (policy
#: violation) is not.
RECONNECTS = {1000: True, 1001: True, 1008: False, 1011: True, 4000: True}


def test_the_table_matches_the_policy_module() -> None:
    """The expectations below are the policy's, code for code."""
    assert {c: retry_verdict(close_code=c, error=None) is None for c in RECONNECTS} == RECONNECTS


@pytest.mark.parametrize("code", sorted(RECONNECTS))
async def test_server_close_code_is_reported_and_the_policy_followed(code: int) -> None:
    """A clean close from the server: its code in the close event, no error, then the policy."""
    async with Simulator() as sim:
        ws = client(sim.port)
        log = EventLog(ws)
        await ws.connect()
        await sim.close_all(code, "bye")
        if RECONNECTS[code]:
            await log.wait_for(("open",), 2)
            tail = [("reconnecting", 1), *OPENED]
        else:
            await log.wait_for(("reconnect-failed",))
            await asyncio.sleep(0.4)  # two reconnect delays: no attempt may follow
            tail = [("reconnect-failed",)]
            assert log.reasons == [f"the connection was closed with code {code}"]
        # A close handshake the server started and finished is clean: no error event.
        assert log.entries == [*OPENED, ("close", code), ("connection-change", False), *tail]
        assert sim.total_connections == (2 if RECONNECTS[code] else 1)
        assert ws.is_connected is RECONNECTS[code]
        if ws.is_connected:
            ws.send({"type": "hello"})
            assert (await sim.wait_for_message("hello", LIMIT)).conn_id == 2
        await ws.disconnect()
        COUNTS["faults survived"] += 1


async def test_close_reason_reaches_the_close_event() -> None:
    """The reason text travels with the code."""
    async with Simulator() as sim:
        ws = client(sim.port, auto_reconnect=False)
        reasons: list[tuple[int, str]] = []
        closed = asyncio.Event()
        ws.add_event_listener("close", lambda e: (reasons.append((e.code, e.reason)), closed.set()))
        await ws.connect()
        await sim.close_all(4000, "maintenance window")
        await asyncio.wait_for(closed.wait(), LIMIT)
        assert reasons == [(4000, "maintenance window")]
