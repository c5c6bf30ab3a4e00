"""Nothing lost: queued sends survive 20 breaks exactly once, in order; rejections say why."""

from __future__ import annotations

import asyncio
import gc

import pytest
from fault_helpers import COUNTS, LIMIT, EventLog, client, open_fds
from fault_proxy import FaultProxy

from metis_env.api import (
    EncodeError,
    MetisEnvError,
    NotConnectedError,
    SendQueueClearedError,
    SendQueueFullError,
)
from metis_env.simulator import Simulator

pytestmark = pytest.mark.usefixtures("transport_name")

BREAKS = 20
PER_BREAK = 500  # 20 x 500 = 10,000 numbered messages


def other_tasks() -> set[asyncio.Task[object]]:
    return asyncio.all_tasks() - {asyncio.current_task()}  # type: ignore[operator]


async def settle_to(baseline_tasks: int, baseline_fds: int) -> tuple[int, int]:
    """Give closing sockets and finishing tasks a moment; return (tasks, fds) when stable."""
    tasks, fds = len(other_tasks()), open_fds()
    for _ in range(100):  # at most ~2 s
        gc.collect()
        tasks, fds = len(other_tasks()), open_fds()
        if tasks <= baseline_tasks and fds <= baseline_fds:
            break
        await asyncio.sleep(0.02)
    return tasks, fds


async def test_ten_thousand_queued_messages_over_twenty_breaks_arrive_once_in_order() -> None:
    """Break (drop or RST), send 500 while down, reconnect, flush; 20 times; then no leaks."""
    async with Simulator() as sim, FaultProxy(sim.port) as proxy:
        sim.stop_answering()  # record only: no replies to process
        base_tasks, base_fds = len(other_tasks()), open_fds()
        ws = client(proxy.port, queue_while_disconnected=True, max_queue_size=PER_BREAK)
        log = EventLog(ws)
        await ws.connect()
        total = 0
        for cycle in range(BREAKS):
            if cycle % 2:
                proxy.reset()  # RST from the network
            else:
                sim.drop_all()  # the server drops TCP
            await log.wait_for(("close", 1006), cycle + 1)
            assert not ws.is_connected
            batch = [ws.send({"n": total + i}) for i in range(PER_BREAK)]
            assert ws.queued_message_count == PER_BREAK and not any(h.done() for h in batch)
            await asyncio.wait_for(asyncio.gather(*batch), LIMIT)  # reconnected and flushed
            total += PER_BREAK
            last = total - 1
            await sim.wait_for_message(lambda m, last=last: m.data == {"n": last}, LIMIT)
        numbers = [m.data["n"] for m in sim.received]
        assert len(numbers) == BREAKS * PER_BREAK
        assert numbers == list(range(BREAKS * PER_BREAK))  # exactly once, in order
        assert log.count(("open",)) == BREAKS + 1
        assert ws.stats()["reconnects"] == BREAKS
        await ws.disconnect()
        await sim.wait_for_disconnects(BREAKS + 1, LIMIT)
        tasks, fds = await settle_to(base_tasks, base_fds)
        assert tasks <= base_tasks, [t.get_coro() for t in other_tasks()]
        assert fds <= base_fds
        COUNTS["faults survived"] += BREAKS
        COUNTS["messages delivered"] += len(numbers)
        COUNTS["messages lost"] += BREAKS * PER_BREAK - len(set(numbers))


async def test_every_rejected_send_says_why() -> None:
    """Full queue, cleared queue, no queue, unencodable: each handle fails with its reason."""
    async with Simulator() as sim:
        ws = client(sim.port, queue_while_disconnected=True, max_queue_size=5)
        handles = [ws.send({"n": n}) for n in range(8)]  # never connected: queued
        await asyncio.sleep(0)
        full = [h for h in handles if h.done()]
        assert len(full) == 3 and handles[5:] == full
        for h in full:
            assert isinstance(h.exception(), SendQueueFullError)
            assert str(h.exception()) == "WebSocket send queue is full."
        bad = ws.send({"loop": float("nan")})
        with pytest.raises(EncodeError):
            await bad
        await ws.disconnect()  # drops the five queued sends
        for h in handles[:5]:
            assert isinstance(h.exception(), SendQueueClearedError)
            assert str(h.exception()) == "Send queue cleared."
        plain = client(sim.port)  # queueing off
        with pytest.raises(NotConnectedError, match=r"^WebSocket is not connected$"):
            await plain.send("x")
        rejected = [*handles, bad]
        assert all(isinstance(h.exception(), MetisEnvError) and str(h.exception())
                   for h in rejected)  # fmt: skip
        assert sim.received == []  # none of them went out
        COUNTS["send rejections checked"] += len(rejected) + 1
