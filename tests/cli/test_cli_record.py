"""``run --record`` against a server, then ``serve --replay`` of that file: same outputs,
offline. Real processes, as a user runs them (issue 13, item 3)."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from cli_helpers import REPO

ENV = {**os.environ, "PYTHONPATH": str(REPO / "src"), "PYTHONUNBUFFERED": "1", "NO_COLOR": "1"}
CLI = [sys.executable, "-m", "metis_env"]
TARGET = ["websocket-example", "request-response-awaited", "-c", "simulator"]


@contextmanager
def serve(*options: str) -> Iterator[int]:
    """``metis-env serve --port 0 OPTIONS`` in a process; yields its port; SIGTERM at the end."""
    process = subprocess.Popen(
        [*CLI, "serve", "--port", "0", *options],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        env=ENV,
    )
    try:
        assert process.stdout is not None
        line = process.stdout.readline()  # "metis-env simulator listening on ws://…:P (…)"
        assert "listening on" in line, line + (process.stderr.read() if process.stderr else "")
        yield int(line.split("ws://", 1)[1].split(" ", 1)[0].rsplit(":", 1)[1])
    finally:
        process.send_signal(signal.SIGTERM)
        process.communicate(timeout=30)


def run(port: int, *extra: str) -> list[dict[str, object]]:
    done = subprocess.run(
        [*CLI, "run", "--examples", *TARGET, "--set", f"port={port}", "--json", *extra],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
    )
    assert done.returncode == 0, done.stdout + done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


def test_a_recorded_run_replays_offline_with_the_same_outputs(tmp_path: Path) -> None:
    """Record against the simulator (standing in for the real system), replay without it."""
    transcript = tmp_path / "session.jsonl"
    with serve() as port:
        recorded = run(port, "--record", str(transcript))
    lines = [json.loads(line) for line in transcript.read_text().splitlines()]
    events = [line.get("event") for line in lines[1:]]
    assert events[0] == "open" and "client" in events and "server" in events
    assert events[-1] == "close"
    with serve("--replay", str(transcript)) as port:
        replayed = run(port)
    messages = [[o["message"] for o in r if o["type"] == "output"] for r in (recorded, replayed)]
    assert messages[0] == messages[1] and messages[0]
    assert recorded[-1]["ok"] is True and replayed[-1]["ok"] is True


def test_record_to_an_unwritable_path_exits_2(tmp_path: Path) -> None:
    """--record into a folder that does not exist: exit 2 before anything runs."""
    done = subprocess.run(
        [*CLI, "run", "--examples", *TARGET, "--record", str(tmp_path / "no" / "x.jsonl")],
        capture_output=True,
        text=True,
        env=ENV,
        timeout=60,
    )
    assert done.returncode == 2 and "--record" in done.stderr
