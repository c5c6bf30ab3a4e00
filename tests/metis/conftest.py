"""Fixtures for the METIS integration: a bridge on 127.0.0.1, and Node playing METIS.

* `node_dir`: ``tests/metis/node`` with its dev dependencies installed (``npm ci`` once, if
  ``make node-deps`` has not done it).
* `harness`: runs ``node --import tsx harness.ts <folder> <scenario>`` and returns the
  JSON events it printed; ``on_event`` may act while it runs (stop the bridge, …) and return
  a line for the harness's stdin (what a ``pause`` step waits for).
* `bridge_env`: the test environment exported for a bridge started on a free port.
"""

from __future__ import annotations

import asyncio
import json
import shutil
import subprocess
from collections.abc import AsyncIterator, Awaitable, Callable
from pathlib import Path
from typing import Any

import pytest
from metis_helpers import ENVS, HARNESS_TIMEOUT, NODE_DIR, BridgeEnv, Event, Harness

from metis_env.metis import export
from metis_env.metis.bridge import BridgeServer


@pytest.fixture(scope="session")
def node_dir() -> Path:
    """The harness folder, with its dev dependencies (tsx, ws, typescript) installed."""
    if shutil.which("node") is None:
        pytest.fail("node is not on PATH: the METIS tests run the exported TypeScript with it")
    installed = NODE_DIR / "node_modules"
    if not all((installed / name).is_dir() for name in ("tsx", "ws", "typescript")):
        subprocess.run(
            ["npm", "ci", "--no-audit", "--no-fund"], cwd=NODE_DIR, check=True, timeout=300
        )
    return NODE_DIR


@pytest.fixture
def harness(node_dir: Path) -> Harness:
    """Run a scenario against an exported folder; returns every event printed."""

    async def run(
        folder: Path,
        scenario: dict[str, Any],
        on_event: Callable[[Event], Awaitable[str | None]] | None = None,
        env: dict[str, str] | None = None,
    ) -> list[Event]:
        process = await asyncio.create_subprocess_exec(
            "node",
            "--import",
            "tsx",
            "harness.ts",
            str(folder),
            json.dumps(scenario),
            cwd=node_dir,
            stdin=asyncio.subprocess.PIPE,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env=env,
        )
        assert process.stdout is not None and process.stderr is not None
        events: list[Event] = []

        async def read() -> None:
            assert process.stdout is not None
            async for line in process.stdout:
                event = json.loads(line)
                events.append(event)
                answer = await on_event(event) if on_event is not None else None
                if answer is not None:
                    assert process.stdin is not None
                    process.stdin.write(answer.encode() + b"\n")
                    await process.stdin.drain()

        try:
            await asyncio.wait_for(read(), HARNESS_TIMEOUT)
            await asyncio.wait_for(process.wait(), HARNESS_TIMEOUT)
        finally:
            if process.returncode is None:
                process.kill()
                await process.wait()
        stderr = (await process.stderr.read()).decode()
        assert process.returncode == 0, f"harness failed ({process.returncode}): {stderr}"
        assert events and events[-1] == {"event": "end"}, f"{events}\n{stderr}"
        return events

    return run


@pytest.fixture
async def bridge_env(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> AsyncIterator[BridgeEnv]:
    """A bridge on 127.0.0.1 (free port) and ``bridge-test`` exported for it."""
    monkeypatch.setenv("BRIDGE_TEST_KEY", "s3cr3t")
    server = BridgeServer(ENVS, host="127.0.0.1", port=0, cancel_grace_ms=500)
    await server.start()
    try:
        export(ENVS, tmp_path / "out", ["bridge-test"], bridge_port=server.port)
        yield BridgeEnv(server, tmp_path / "out" / "bridge-test")
    finally:
        await server.stop()
