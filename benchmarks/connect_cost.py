"""Where a connect + close costs more than raw picows: calls per layer, instructions per cycle.

Issue 10 asks for connect + close handshakes at 0.9× raw picows. Wall-clock rates on a shared
2-core machine move by 2× between runs, so this measures the gap with two counts that do not:

* **Python calls per cycle, by layer** (`cProfile` call counts, exact and repeatable): how
  many Python-level function calls one open → close cycle of each client makes, split into
  our client (options, core, driver, events, handles), our picows adapter, picows' Python
  part, asyncio (loop, tasks, timers, socket transport), the rest of the standard library,
  and the benchmark's own connection object.
* **Instructions per cycle** (``valgrind --tool=callgrind``, when valgrind is installed): the
  whole process's instruction count for ``n2`` cycles minus that for ``n1``, divided by
  ``n2 - n1`` (start-up and imports cancel out). Instructions, unlike seconds, do not change
  when a neighbour keeps the machine busy.

``make bench`` runs this after its cells and appends the table to ``RESULTS.md``; on its own:
``python benchmarks/connect_cost.py [--n 300] [--n1 50 --n2 250] [--no-instructions]``.
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import pstats
import re
import shutil
import subprocess
import sys
from collections import Counter
from pathlib import Path
from typing import Any

HERE = Path(__file__).resolve().parent
if str(HERE) not in sys.path:
    sys.path.insert(0, str(HERE))

from clients import Endpoints, load_driver  # noqa: E402

__all__ = ["LAYERS", "calls_per_cycle", "instructions_per_cycle", "main", "measure", "render"]

#: The clients compared: raw picows (the reference), raw picows over asyncio's own socket
#: transport (as our adapter runs it, for less memory), and ours on its default transport.
CLIENTS = ("picows", "picows-asyncio", "metis")
#: Layers in the order shown; `_layer` maps a profiled function's file to one of them.
LAYERS = (
    "metis-env client (options, core, driver, events, handles)",
    "metis-env picows adapter",
    "picows (its Python part)",
    "asyncio (loop, tasks, timers, socket transport)",
    "rest of the standard library (logging, urllib, enum, weakref)",
    "benchmark connection object",
)


def _layer(filename: str) -> str | None:
    """The layer a function's file belongs to; None for C functions (not counted)."""
    if filename == "~":
        return None
    if "metis_env/api/transport" in filename:
        return LAYERS[1]
    if "metis_env" in filename:
        return LAYERS[0]
    if "/picows/" in filename or "aiofastnet" in filename:
        return LAYERS[2]
    if "/asyncio/" in filename or filename.endswith(("selectors.py", "/socket.py")):
        return LAYERS[3]
    if str(HERE) in filename:
        return LAYERS[5]
    return LAYERS[4]


async def _cycles(client: str, endpoints: Endpoints, n: int, profiler: Any = None) -> None:
    driver = load_driver(client, endpoints)
    await driver.start()
    try:
        for _ in range(20):  # warm-up: first-use imports and caches stay out of the count
            conn = driver.connection()
            await conn.open()
            await conn.close()
        if profiler is not None:
            profiler.enable()
        for _ in range(n):
            conn = driver.connection()
            await conn.open()
            await conn.close()
        if profiler is not None:
            profiler.disable()
    finally:
        await driver.stop()


def calls_per_cycle(client: str, endpoints: Endpoints, n: int) -> dict[str, float]:
    """Python-level function calls per open → close cycle of ``client``, by layer."""
    profiler = cProfile.Profile()
    asyncio.run(_cycles(client, endpoints, n, profiler))
    by_layer: Counter[str] = Counter()
    # pstats keys functions by (file, line, name); its raw table keeps every code object.
    for (filename, _line, _name), (_, calls, *_) in pstats.Stats(profiler).stats.items():  # type: ignore[attr-defined]
        layer = _layer(filename)
        if layer is not None:
            by_layer[layer] += calls
    return {layer: by_layer[layer] / n for layer in LAYERS}


def instructions_per_cycle(client: str, ws_port: int, n1: int, n2: int) -> float | None:
    """Instructions per cycle from two callgrind runs (None when valgrind is missing)."""
    valgrind = shutil.which("valgrind")
    if valgrind is None:
        return None
    counts = []
    for n in (n1, n2):
        proc = subprocess.run(
            [
                valgrind,
                "--tool=callgrind",
                "--callgrind-out-file=/dev/null",
                sys.executable,
                str(Path(__file__).resolve()),
                "--cycles-only",
                client,
                "--n",
                str(n),
                "--ws-port",
                str(ws_port),
            ],
            capture_output=True,
            text=True,
            timeout=900,
            check=False,
        )
        found = re.search(r"Collected : (\d+)", proc.stderr)
        if proc.returncode != 0 or found is None:
            raise RuntimeError(f"callgrind run of {client} failed: {proc.stderr[-400:]}")
        counts.append(int(found.group(1)))
    return (counts[1] - counts[0]) / (n2 - n1)


def measure(ws_port: int, n: int, n1: int, n2: int, instructions: bool) -> dict[str, Any]:
    """Both counts for every client in `CLIENTS` against the echo server on ``ws_port``."""
    endpoints = Endpoints("127.0.0.1", ws_port, 0)
    out: dict[str, Any] = {"n": n, "n1": n1, "n2": n2, "clients": {}}
    for client in CLIENTS:
        row: dict[str, Any] = {"calls": calls_per_cycle(client, endpoints, n)}
        if instructions:
            row["instructions"] = instructions_per_cycle(client, ws_port, n1, n2)
        out["clients"][client] = row
    return out


def render(result: dict[str, Any]) -> str:
    """The Markdown section: calls per layer side by side, then instructions per cycle."""
    rows = result["clients"]
    ours = rows[CLIENTS[-1]]
    names = " | ".join(CLIENTS)
    lines = [
        "### Connect + close: where the gap to raw picows is (counts, not seconds)",
        "",
        f"Python-level function calls per open → close cycle ({result['n']} cycles, cProfile "
        "call counts: exact, whatever the machine is doing). `picows-asyncio` is raw picows "
        "over asyncio's own socket transport, as our adapter runs it (for less memory per "
        "idle connection).",
        "",
        f"| layer | {names} | {CLIENTS[-1]} − {CLIENTS[0]} |",
        "|---|" + "---:|" * (len(CLIENTS) + 1),
    ]
    for layer in [*LAYERS, None]:
        cells = [
            sum(rows[c]["calls"].values()) if layer is None else rows[c]["calls"][layer]
            for c in CLIENTS
        ]
        shown = " | ".join(f"{v:.1f}" for v in cells)
        label = "**all**" if layer is None else layer
        lines.append(f"| {label} | {shown} | {cells[-1] - cells[0]:+.1f} |")
    lines.append("")
    counts = {c: rows[c].get("instructions") for c in CLIENTS}
    if all(counts.values()):
        ia, ib = counts[CLIENTS[0]], counts[CLIENTS[-1]]
        assert ia is not None and ib is not None
        each = ", ".join(f"{c} {v:,.0f}" for c, v in counts.items())
        lines += [
            f"Instructions per cycle (callgrind, whole process, {result['n2']} minus "
            f"{result['n1']} cycles): {each}. {CLIENTS[-1]} runs {ib / ia:.2f}× "
            f"{CLIENTS[0]}'s instructions per cycle: at equal cost per instruction, that "
            f"bounds its connect + close rate near {ia / ib:.2f}× {CLIENTS[0]}'s.",
            "",
        ]
    elif "instructions" in ours:
        lines += ["Instructions per cycle: not measured (valgrind is not installed).", ""]
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    """Print the section (or, with ``--cycles-only``, just run cycles for callgrind)."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=300, help="cycles per client for the calls")
    parser.add_argument("--n1", type=int, default=50, help="cycles of the first callgrind run")
    parser.add_argument("--n2", type=int, default=250, help="cycles of the second one")
    parser.add_argument("--no-instructions", action="store_true", help="skip callgrind")
    parser.add_argument("--ws-port", type=int, default=0, help="an echo server already up")
    parser.add_argument("--cycles-only", metavar="CLIENT", help=argparse.SUPPRESS)
    args = parser.parse_args(argv)
    if args.cycles_only:
        asyncio.run(_cycles(args.cycles_only, Endpoints("127.0.0.1", args.ws_port, 0), args.n))
        return 0
    from run import pick_cpus, start_server, stop_server

    server = None
    port = args.ws_port
    if not port:
        server, ports = start_server(pick_cpus(True)[0])
        port = ports["ws_port"]
    try:
        result = measure(port, args.n, args.n1, args.n2, not args.no_instructions)
    finally:
        if server is not None:
            stop_server(server)
    print(render(result))
    return 0


if __name__ == "__main__":
    sys.exit(main())
