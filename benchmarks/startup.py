"""Start-up time of our entry points, as ratios to ``python -c "import asyncio"`` (issue 10).

Each command is a fresh process timed from spawn to exit (``perf_counter`` around
`subprocess.run`, output discarded), pinned to the clients' CPU like every other cell. The
commands run in interleaved rounds (A, B, C, … then again), after one unrecorded warm-up
round that fills the OS file cache and writes any missing bytecode, so a neighbour's burst
slows every command alike. Each command's ratio to the floor is the median of the ratios
taken round by round, which holds when the machine's speed drifts during the run.

``import asyncio`` is the floor of any asyncio client. ``import asyncio, pydantic.main`` is
not ours: it shows what importing pydantic's `BaseModel` alone costs, the cause of most of
the gap between ``import metis_env.api`` and importing the client itself.
"""

from __future__ import annotations

import os
import statistics
import subprocess
import sys
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

__all__ = ["COMMANDS", "FLOOR", "StartupCommand", "measure_startup"]


@dataclass(frozen=True)
class StartupCommand:
    """One command to time: its label in the report and its argv (after the interpreter)."""

    key: str
    label: str
    argv: tuple[str, ...]
    script: bool = False  # argv[0] is a console script beside the interpreter, not -c code


#: The floor every other command is divided by.
FLOOR = "asyncio"
COMMANDS: tuple[StartupCommand, ...] = (
    StartupCommand("asyncio", 'python -c "import asyncio"', ("-c", "import asyncio")),
    StartupCommand("api", 'python -c "import metis_env.api"', ("-c", "import metis_env.api")),
    StartupCommand(
        "client",
        'python -c "from metis_env.api import WebSocketApi"',
        ("-c", "from metis_env.api import WebSocketApi"),
    ),
    StartupCommand(
        "pydantic",
        'python -c "import asyncio, pydantic.main" (not ours: the cost of pydantic)',
        ("-c", "import asyncio, pydantic.main"),
    ),
    StartupCommand("help", "metis-env --help", ("metis-env", "--help"), script=True),
)


def _argv(command: StartupCommand) -> list[str]:
    if command.script:
        return [str(Path(sys.executable).with_name(command.argv[0])), *command.argv[1:]]
    return [sys.executable, *command.argv]


def _timed_run(
    argv: Sequence[str], env: Mapping[str, str], pin: Callable[[], None] | None
) -> float:
    start = time.perf_counter()
    done = subprocess.run(
        argv,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        env=dict(env),
        preexec_fn=pin,
        check=False,
        timeout=60,
    )
    elapsed = time.perf_counter() - start
    if done.returncode != 0:
        raise RuntimeError(f"{' '.join(argv)} exited with {done.returncode}")
    return elapsed


def measure_startup(
    rounds: int, env: Mapping[str, str], cpu: int | None = None
) -> dict[str, dict[str, Any]]:
    """Time every command ``rounds`` times, interleaved; medians and per-round ratios.

    Returns ``{key: {"label", "median_ms", "min_ms", "max_ms", "ratio", "runs"}}`` where
    ``ratio`` is the median over rounds of (this command's time / the floor's), or an
    ``{"label", "error"}`` entry for a command that could not run (not installed).
    """
    pin = None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))
    usable = []
    out: dict[str, dict[str, Any]] = {}
    for command in COMMANDS:
        argv = _argv(command)
        if command.script and not Path(argv[0]).exists():
            out[command.key] = {"label": command.label, "error": f"{argv[0]} not found"}
            continue
        try:
            _timed_run(argv, env, pin)  # the warm-up round
        except (RuntimeError, subprocess.TimeoutExpired) as exc:
            out[command.key] = {"label": command.label, "error": str(exc)}
            continue
        usable.append((command, argv))
    times: dict[str, list[float]] = {c.key: [] for c, _ in usable}
    for _ in range(rounds):
        for command, argv in usable:
            times[command.key].append(_timed_run(argv, env, pin))
    floor = times.get(FLOOR)
    for command, _ in usable:
        mine = times[command.key]
        ratios = [a / b for a, b in zip(mine, floor, strict=True)] if floor else []
        out[command.key] = {
            "label": command.label,
            "median_ms": statistics.median(mine) * 1e3,
            "min_ms": min(mine) * 1e3,
            "max_ms": max(mine) * 1e3,
            "ratio": statistics.median(ratios) if ratios else None,
            "runs": len(mine),
        }
    return out
