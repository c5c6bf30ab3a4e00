"""A user's script type-checks under ``mypy --strict``, and the checker catches misuse."""

from __future__ import annotations

import subprocess
import sys
import textwrap
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]

GOOD = """
    import asyncio

    from metis_env.api import CloseEvent, MessageEvent, WebSocketApi


    def on_close(event: CloseEvent) -> None:
        print(event.code, event.reason)


    async def on_message(event: MessageEvent) -> None:
        print(event.data)


    async def main() -> None:
        async with WebSocketApi.from_config({"host": "localhost", "port": 8765}) as ws:
            ws.add_event_listener("close", on_close)
            ws.add_event_listener("message", on_message)
            ws.add_event_listener("error", lambda e: print(e.error))
            ws.add_event_listener(["open", "close"], lambda e: print(e.method))
            stats = ws.stats()
            sent: int = stats["bytes_out"]
            rtt: float | None = stats["last_rtt_ms"]
            print(sent, rtt)


    asyncio.run(main())
"""

BAD = """
    from metis_env.api import MessageEvent, WebSocketApi


    def on_message(event: MessageEvent) -> None:
        print(event.data)


    ws = WebSocketApi.from_config({})
    ws.add_event_listener("mesage", on_message)
    ws.add_event_listener("close", on_message)
    missing = ws.stats()["bytes_received"]
"""


def mypy(tmp_path: Path, source: str) -> subprocess.CompletedProcess[str]:
    script = tmp_path / "user_script.py"
    script.write_text(textwrap.dedent(source), encoding="utf-8")
    return subprocess.run(
        [sys.executable, "-m", "mypy", "--strict", "--no-error-summary", str(script)],
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=180,
    )


def test_a_correct_user_script_passes_mypy_strict(tmp_path: Path) -> None:
    """Listeners get their event's payload type; stats() reads as its documented keys."""
    result = mypy(tmp_path, GOOD)
    assert result.returncode == 0, result.stdout + result.stderr


def test_misspelt_event_wrong_listener_and_unknown_stat_fail_mypy(tmp_path: Path) -> None:
    """Each misuse is one error, on its own line."""
    result = mypy(tmp_path, BAD)
    assert result.returncode == 1
    lines = [line for line in result.stdout.splitlines() if ": error:" in line]
    assert {line.split(":")[1] for line in lines} >= {"10", "11", "12"}, result.stdout
