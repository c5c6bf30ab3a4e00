"""Helpers shared by the CLI tests (unique module name): paths, a simulator in a thread."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from metis_env.cli import find_examples_root
from metis_env.simulator import Simulator

REPO = Path(__file__).resolve().parents[2]
#: The bundled examples' root (package data of metis_env) and environment.
EXAMPLES = find_examples_root()
EXAMPLE_ENV = "websocket-example"
#: Every example target, in the demo's order.
EXAMPLE_TARGETS = (
    "basic-setup",
    "request-response",
    "streaming-data",
    "heartbeat",
    "send-websocket-message",
    "monitor-system",
    "interactive-command",
    "request-response-awaited",
    "streaming-iterated",
    "interactive-command-awaited",
)
#: The mission examples (one per family of mission-changing methods), run by the demo too.
MISSION_ENV = "mission-example"
MISSION_TARGETS = ("block-nodes", "raise-alert", "tune-actions", "adjust-resources", "file-access")
#: Every bundled target, of both environments.
ALL_TARGETS = len(EXAMPLE_TARGETS) + len(MISSION_TARGETS)


@contextmanager
def simulator_in_thread(stream_interval_ms: int = 20) -> Iterator[Simulator]:
    """A `Simulator` on a free port, served by its own loop in a thread (for CliRunner,
    whose commands call ``asyncio.run`` themselves)."""
    loop = asyncio.new_event_loop()
    simulator = Simulator(stream_interval_ms=stream_interval_ms)
    thread = threading.Thread(target=loop.run_forever, name="cli-test-simulator", daemon=True)
    thread.start()
    try:
        asyncio.run_coroutine_threadsafe(simulator.start(), loop).result(timeout=5)
        yield simulator
    finally:
        asyncio.run_coroutine_threadsafe(simulator.stop(), loop).result(timeout=5)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(timeout=5)
        loop.close()
