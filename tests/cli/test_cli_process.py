"""Real processes: ``python -m metis_env demo`` from an empty folder, ``--help``, and ``serve``
until SIGINT or SIGTERM (clients closed with 1001, the stop line, exit 0)."""

from __future__ import annotations

import asyncio
import os
import re
import signal
import subprocess
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from cli_helpers import ALL_TARGETS, EXAMPLE_TARGETS, REPO

from metis_env.api import CloseEvent, WebSocketApi

ENV = {
    **os.environ,
    "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    "PYTHONUNBUFFERED": "1",
    "NO_COLOR": "1",
    "COLUMNS": "120",
}


def test_demo_runs_every_example_from_an_empty_folder_and_exits_0(tmp_path: Path) -> None:
    """`python -m metis_env demo` in a folder with no examples: the bundled ones all run."""
    done = subprocess.run(
        [sys.executable, "-m", "metis_env", "demo"],
        env=ENV,
        cwd=tmp_path,
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
    assert f"✔ all {ALL_TARGETS} examples succeeded" in out
    assert list(tmp_path.iterdir()) == []  # the demo writes nothing where it runs


@pytest.mark.parametrize("module", ["metis_env", "metis_env.cli"])
def test_python_dash_m_is_the_metis_env_command(module: str) -> None:
    """`python -m metis_env --help` is metis-env's help, with every verb."""
    done = subprocess.run(
        [sys.executable, "-m", module, "--help"],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=30,
        check=False,
    )
    assert done.returncode == 0, done.stderr
    assert "Usage: metis-env [OPTIONS] COMMAND [ARGS]..." in done.stdout
    for verb in ("run", "list", "check", "serve", "demo"):
        assert re.search(rf"│ {verb}\s", done.stdout), verb


def test_the_simulator_has_no_second_cli() -> None:
    """The simulator's argparse entry point folded into `metis-env serve`."""
    assert not (REPO / "src" / "metis_env" / "simulator" / "__main__.py").exists()


#: `metis-env` as a terminal runs it: Ctrl-C raises KeyboardInterrupt. A process started in
#: the background of a shell without job control inherits SIGINT *ignored* (POSIX), and so
#: would a serve started from a test run launched that way; this resets it first.
AS_FROM_A_TERMINAL = (
    "import signal, sys; signal.signal(signal.SIGINT, signal.default_int_handler); "
    "from metis_env.cli.app import main; main(sys.argv[1:])"
)


@asynccontextmanager
async def serving(*args: str) -> AsyncIterator[tuple[asyncio.subprocess.Process, int]]:
    """`metis-env serve --port 0 ARGS` in a process, once it prints its URL: (process, port)."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-c",
        AS_FROM_A_TERMINAL,
        "serve",
        "--port",
        "0",
        *args,
        env=ENV,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        assert proc.stdout is not None
        line = (await asyncio.wait_for(proc.stdout.readline(), 15)).decode()
        match = re.search(r"listening on ws://127\.0\.0\.1:(\d+)", line)
        assert match, line
        yield proc, int(match.group(1))
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()


async def test_serve_prints_its_url_serves_and_stops_on_sigint() -> None:
    """`metis-env serve --port 0` prints its URL, answers a client, exits 0 on Ctrl-C."""
    async with serving() as (proc, port):
        ws = WebSocketApi.from_config({"port": port, "autoReconnect": False})
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
        assert proc.stdout is not None
        assert "simulator stopped" in (await proc.stdout.read()).decode()


@pytest.mark.skipif(sys.platform == "win32", reason="SIGTERM handling needs a POSIX loop")
async def test_serve_stops_on_sigterm_like_ctrl_c() -> None:
    """SIGTERM: the connected client sees 1001 (going away), the stop line, exit 0."""
    async with serving() as (proc, port):
        ws = WebSocketApi.from_config({"port": port, "autoReconnect": False})
        closed: asyncio.Future[CloseEvent] = asyncio.get_running_loop().create_future()
        ws.add_event_listener("close", lambda event: closed.done() or closed.set_result(event))
        await ws.connect()
        proc.send_signal(signal.SIGTERM)
        event = await asyncio.wait_for(closed, 10)
        assert event.code == 1001
        assert await asyncio.wait_for(proc.wait(), 10) == 0
        assert proc.stdout is not None and proc.stderr is not None
        assert (await proc.stdout.read()).decode().splitlines()[-1] == "simulator stopped"
        assert "Traceback" not in (await proc.stderr.read()).decode()


async def test_serve_reports_a_bad_option_and_exits_2() -> None:
    """A stream interval under the minimum is bad usage: exit 2, the reason on stderr."""
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "metis_env",
        "serve",
        "--port",
        "0",
        "--interval",
        "1",
        env=ENV,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await asyncio.wait_for(proc.communicate(), 30)
    assert proc.returncode == 2
    assert "--interval" in err.decode()
