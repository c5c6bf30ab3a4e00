"""Every bundled example runs end to end against the simulator, with its output asserted."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator, Mapping
from typing import Any

import pytest
from cli_helpers import EXAMPLE_ENV, EXAMPLE_TARGETS, EXAMPLES

from metis_env.cli import DEMO_EXAMPLES
from metis_env.runtime import SessionResult, run_target
from metis_env.simulator import Simulator

HOOK_LINES = [
    "environment-setup: Establishing WebSocket connection...",
    "environment-setup: ✅ WebSocket connected",
    "environment-setup: WebSocket ready for use",
]
TEARDOWN_LINES = [
    "environment-teardown: Closing WebSocket connection...",
    "environment-setup: ⚠️ WebSocket disconnected: Environment teardown",
    "environment-teardown: ✅ WebSocket disconnected",
]


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    """A simulator on a free port whose streams tick every 20 ms."""
    async with Simulator(stream_interval_ms=20) as sim:
        yield sim


async def run_example(
    sim: Simulator, target_id: str, args: Mapping[str, Any] | None = None
) -> SessionResult:
    """Run one example with the ``simulator`` config pointed at ``sim``."""
    return await run_target(
        EXAMPLES,
        EXAMPLE_ENV,
        target_id,
        config_id="simulator",
        config_overrides={"port": sim.port},
        args=args,
        timeout_ms=10_000,
    )


def effect_lines(result: SessionResult) -> list[str]:
    """The target's own outputs (``send_output``), without their ``Global:`` prefix."""
    assert result.status == "success", result.error
    assert [str(o) for o in result.outputs if o.source == "hook"] == HOOK_LINES + TEARDOWN_LINES
    return [o.message for o in result.outputs if o.source == "effect"]


def test_demo_runs_every_example() -> None:
    """The demo's list names every example target, in the seed's order."""
    assert tuple(target for target, _ in DEMO_EXAMPLES) == EXAMPLE_TARGETS


async def test_basic_setup(simulator: Simulator) -> None:
    """Basic Setup: connects, says hello, prints the welcome."""
    lines = effect_lines(await run_example(simulator, "basic-setup"))
    assert lines == [
        "✅ Connected to WebSocket",
        'Received: {"type":"welcome","server":"metis-env simulator","version":"1.0"}',
    ]
    hello = await simulator.wait_for_message(lambda m: m.data.get("type") == "hello", timeout=5)
    assert hello.data == {"type": "hello", "data": "Hello from METIS!"}


async def test_request_response(simulator: Simulator) -> None:
    """Request-Response: the getData response is printed as compact JSON."""
    lines = effect_lines(await run_example(simulator, "request-response"))
    assert len(lines) == 1
    assert lines[0].startswith('Received: {"type":"response","requestId":"123","data":')
    assert '"action":"getData"' in lines[0]


async def test_streaming_data(simulator: Simulator) -> None:
    """Streaming Data: numbered updates, then the stream-end summary with their count."""
    lines = effect_lines(
        await run_example(simulator, "streaming-data", {"duration": 0.3, "interval": 30})
    )
    updates = [line for line in lines if line.startswith("Stream update #")]
    assert len(updates) >= 3
    assert [int(re.match(r"Stream update #(\d+):", u).group(1)) for u in updates] == list(  # type: ignore[union-attr]
        range(1, len(updates) + 1)
    )
    assert lines[-1] == f"✅ Stream complete. Received {len(updates)} updates"


async def test_heartbeat(simulator: Simulator) -> None:
    """Heartbeat: one heartbeat per interval while the script runs, each one received."""
    lines = effect_lines(
        await run_example(simulator, "heartbeat", {"interval": 50, "duration": 0.3})
    )
    assert set(lines) == {"💓 Heartbeat sent"}
    assert 3 <= len(lines) <= 8
    beats = [m for m in simulator.received if m.data.get("type") == "heartbeat"]
    assert len(beats) == len(lines)
    assert all(isinstance(m.data["timestamp"], int) for m in beats)


async def test_hook_integration(simulator: Simulator) -> None:
    """Environment Hook Integration: the target sends over the hooks' shared connection."""
    result = await run_example(simulator, "send-websocket-message")
    assert effect_lines(result) == ["✅ Message sent via WebSocket"]
    sent = await simulator.wait_for_message(lambda m: m.data.get("type") == "command", timeout=5)
    assert sent.data == {"type": "command", "payload": {}}
    assert simulator.total_connections == 1  # the hook's connection was the only one


async def test_monitor_system(simulator: Simulator) -> None:
    """Real-Time Monitoring: statuses, metrics and alerts, then the summary."""
    lines = effect_lines(await run_example(simulator, "monitor-system", {"duration": 0.3}))
    assert lines[0] == "🟢 Monitoring started"
    assert lines[-1] == "🔴 Monitoring stopped"
    assert any(line.startswith("Status: ") for line in lines)
    assert any(line.startswith("Metric cpu: ") for line in lines)
    alerts = [line for line in lines if line.startswith("⚠️ ALERT: ")]
    assert alerts
    summary = lines.index("\n📊 Monitoring Summary:")
    assert lines[summary + 2 : summary + 4] == [
        "Errors encountered: 0",
        f"Alerts triggered: {len(alerts)}",
    ]
    assert lines[summary + 5] == "  1. Alert 1: temperature above threshold"


async def test_interactive_command(simulator: Simulator) -> None:
    """Bidirectional Command System: the response is awaited and judged."""
    lines = effect_lines(await run_example(simulator, "interactive-command", {"command": "ping"}))
    assert lines == [
        "📤 Command sent: ping",
        "📥 Response received:",
        '{\n  "command": "ping",\n  "output": "pong"\n}',
        "✅ Command executed successfully",
    ]


async def test_interactive_command_failure_and_no_wait(simulator: Simulator) -> None:
    """A failing command is reported; without waitForResponse nothing is awaited."""
    failed = effect_lines(await run_example(simulator, "interactive-command", {"command": "fail"}))
    assert failed[-1] == "❌ Command failed: command failed"
    no_wait = await run_example(
        simulator, "interactive-command", {"command": "status", "waitForResponse": False}
    )
    assert effect_lines(no_wait)[-1] == "✅ Command sent (no response expected)"
