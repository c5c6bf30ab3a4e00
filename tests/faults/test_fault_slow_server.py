"""A server that stops reading: send() applies backpressure, memory stays bounded."""

from __future__ import annotations

import asyncio
from typing import Any

import pytest
from fault_helpers import COUNTS, LIMIT, EventLog, client

from metis_env.api import WebSocketApi
from metis_env.simulator import Simulator

pytestmark = pytest.mark.usefixtures("transport_name")

SIZE = 256 * 1024  # one message
COUNT = 64  # 16 MiB in all: far more than the kernel's socket buffers on loopback hold
#: What the transport may buffer in user space: its high-water mark plus one message.
BUFFER_BOUND = 1024 * 1024


def write_buffer_size(ws: WebSocketApi) -> int:
    """Bytes waiting in the transport's user-space write buffer (either library)."""
    raw: Any = ws.connection
    transport = getattr(raw, "underlying_transport", None) or raw.transport  # picows | websockets
    return int(transport.get_write_buffer_size())


async def test_send_to_a_server_that_stopped_reading_stays_pending_and_bounded() -> None:
    """Handles stay pending (not buffered without bound); all arrive in order once it reads."""
    async with Simulator(max_size=None) as sim:
        sim.stop_answering()
        ws = client(sim.port)
        log = EventLog(ws)
        await ws.connect()
        sim.set_answer_pings(False)  # pause reading: the server's receive window fills up
        handles = [ws.send(f"{n:08d}" + "x" * (SIZE - 8)) for n in range(COUNT)]
        peak = 0

        def settled() -> int:
            return sum(1 for h in handles if h.done())

        # Let the writer push until the socket buffers are full and progress stops.
        last = -1
        for _ in range(50):
            await asyncio.sleep(0.02)
            peak = max(peak, write_buffer_size(ws))
            if settled() == last:
                break
            last = settled()
        done = settled()
        assert done < COUNT, "every send completed: nothing held the writer back"
        assert all(h.done() for h in handles[:done]) and not any(h.done() for h in handles[done:])
        assert peak <= BUFFER_BOUND, f"{peak} bytes buffered in user space"
        assert ws.is_connected and log.entries == [("open",), ("connection-change", True)]
        sim.set_answer_pings(True)  # the server reads again
        await asyncio.wait_for(asyncio.gather(*handles), LIMIT)
        await sim.wait_for_message(lambda m: m.raw[:8] == f"{COUNT - 1:08d}", LIMIT)
        assert [int(m.raw[:8]) for m in sim.received] == list(range(COUNT))
        await ws.disconnect()
        COUNTS["faults survived"] += 1
        COUNTS["messages delivered"] += COUNT
