"""Soak: a steady message rate with a dropped connection every second; memory and tasks flat.

Bounded: ``METIS_SOAK_SECONDS`` per transport (default 4; set it higher for a real soak,
e.g. ``METIS_SOAK_SECONDS=600``). Memory is tracemalloc's current size after a warm-up that
already went through one fault (caches filled), compared with the size at the end.
"""

from __future__ import annotations

import asyncio
import gc
import os
import tracemalloc

import pytest
from fault_helpers import COUNTS, LIMIT, EventLog, client

from metis_env.simulator import Simulator

pytestmark = pytest.mark.usefixtures("transport_name")

SECONDS = float(os.environ.get("METIS_SOAK_SECONDS", "4"))
RATE = 200  # messages per second, client to server
FAULT_EVERY = 1.0  # seconds between drop_all()
WARM_UP = 1.5  # seconds (includes the first fault)
MEMORY_TOLERANCE = 128 * 1024  # bytes of growth allowed between warm-up and the end
TASK_TOLERANCE = 2


def current_memory() -> int:
    gc.collect()
    return tracemalloc.get_traced_memory()[0]


@pytest.mark.timeout(max(60, int(SECONDS * 4) + 30))
async def test_soak_with_periodic_drops_keeps_memory_and_tasks_flat() -> None:
    """Send at a steady rate, stream back, drop every second: no growth, order kept."""
    async with Simulator(stream_interval_ms=20) as sim:
        ws = client(sim.port, queue_while_disconnected=True, max_queue_size=1000,
                    keep_alive_interval=200, keep_alive_timeout=500)  # fmt: skip
        log = EventLog(ws)
        incoming = 0

        def on_message(_event: object) -> None:
            nonlocal incoming
            incoming += 1

        ws.add_event_listener("message", on_message)
        await ws.connect()
        seen: list[int] = []  # numbers the server received (drained each second)

        def drain() -> None:
            seen.extend(m.data["n"] for m in sim.received if m.type == "heartbeat")
            sim.clear_received()

        loop = asyncio.get_running_loop()
        tracemalloc.start()
        try:
            start = loop.time()
            next_fault = start + FAULT_EVERY
            baseline_memory = baseline_tasks = None
            sent = 0
            while (now := loop.time()) < start + SECONDS:
                if baseline_memory is None and now >= start + WARM_UP and ws.is_connected:
                    drain()
                    baseline_memory, baseline_tasks = current_memory(), len(asyncio.all_tasks())
                if now >= next_fault:
                    sim.drop_all()
                    drain()
                    next_fault += FAULT_EVERY
                # Queued while down, written when up; each is answered (load both ways).
                ws.send({"type": "heartbeat", "timestamp": sent, "n": sent})
                sent += 1
                await asyncio.sleep(1 / RATE)
            await log.until(lambda: ws.is_connected and ws.queued_message_count == 0)
            await sim.wait_for_message(lambda m: m.data.get("n") == sent - 1, LIMIT)
            drain()
            end_memory, end_tasks = current_memory(), len(asyncio.all_tasks())
        finally:
            tracemalloc.stop()
        assert baseline_memory is not None and baseline_tasks is not None
        growth = end_memory - baseline_memory
        assert growth <= MEMORY_TOLERANCE, f"memory grew by {growth} bytes"
        assert end_tasks <= baseline_tasks + TASK_TOLERANCE
        assert seen == sorted(seen) and len(set(seen)) == len(seen)  # in order, never twice
        faults = log.count(("close", 1006))
        assert faults >= int(SECONDS / FAULT_EVERY) - 1
        assert log.count(("open",)) == faults + 1  # every fault was survived
        assert incoming >= len(seen) // 2  # the answers came back, too
        await ws.disconnect()
        COUNTS["faults survived"] += faults
        COUNTS["messages delivered"] += len(seen)
        COUNTS["soak messages lost in flight (written before a drop)"] += sent - len(seen)
