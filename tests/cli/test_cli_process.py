"""Real processes: ``python -m metis_env.cli demo`` end to end, and ``serve`` until SIGINT."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from pathlib import Path

from cli_helpers import EXAMPLE_TARGETS, REPO

from metis_env.api import WebSocketApi

ENV = {
    **os.environ,
    "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    "PYTHONUNBUFFERED": "1",
    "NO_COLOR": "1",
    "COLUMNS": "120",
}


def test_demo_runs_every_example_and_exits_0() -> None:
    """The demo starts its simulator, runs all examples, prints a summary, exits 0."""
    done = subprocess.run(
        [sys.executable, "-m", "metis_env.cli", "demo"],
        env=ENV,
        cwd=Path(REPO),
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    out = done.stdout
    assert re.search(r"simulator listening on ws://127\.0\.0\.1:\d+", out)
    for target in EXAMPLE_TARGETS:
        assert f"({target})" in out, target
    assert "✅ Connected to WebSocket" in out
    assert re.search(r"Stream complete\. Received \d+ updates", out)
    assert "✅ Command executed successfully" in out
    assert "Demo summary" in out
    assert "✔ all 7 examples succeeded" in out


async def test_serve_prints_its_url_serves_and_stops_on_sigint() -> None:
    """`metis-env serve --port 0` prints its URL, answers a client, exits 0 on Ctrl-C."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "metis_env.cli",
        "serve",
        "--port",
        "0",
        env=ENV,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode()
        match = re.search(r"listening on (ws://127\.0\.0\.1:(\d+))", line)
        assert match, line
        ws = WebSocketApi.from_config({"port": int(match.group(2)), "autoReconnect": False})
        replies: asyncio.Queue[object] = asyncio.Queue()
        ws.add_event_listener("message", lambda event: replies.put_nowait(event.data))
        await ws.connect()
        await ws.send_message({"type": "command", "id": "c1", "command": "ping"})
        reply = await asyncio.wait_for(replies.get(), 5)
        assert reply == {
            "type": "command-response",
            "id": "c1",
            "success": True,
            "data": {"command": "ping", "output": "pong"},
        }
        await ws.disconnect()
        proc.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(proc.wait(), 10) == 0
        rest = (await proc.stdout.read()).decode()
        assert "simulator stopped" in rest
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
