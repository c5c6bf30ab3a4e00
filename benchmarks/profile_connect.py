"""Where a connection costs the client: CPU per connect + close, our code's profile, memory.

Not part of ``make bench``: a tool for whoever works on the connect path (issue 10, item 2).
It starts the echo server, then in this one process runs ``--n`` open → close cycles per
client, alternating clients in rounds, and reports the client's own CPU time per cycle
(user + system, `time.process_time`), split into building the client object, opening and
closing. CPU time, unlike wall time, barely moves when a
neighbour keeps the machine busy, so on a shared machine it shows our overhead over raw
picows where conn/s cannot. ``--profile`` adds a cProfile of the `metis` cycles, limited to
metis-env's modules and picows' Python API, sorted by cumulative time. ``--memory N`` opens
N idle connections per client and splits the Python heap they hold by the file that
allocated it (`tracemalloc`), per connection; C-level memory (picows' transport, kernel
buffers) is not in it, which is why the RSS figure of ``make bench`` is larger.

Usage: ``python benchmarks/profile_connect.py [--n 2000] [--rounds 3] [--profile] [--memory 300]``
"""

from __future__ import annotations

import argparse
import asyncio
import cProfile
import io
import pstats
import statistics
import sys
import time
import tracemalloc
from collections.abc import Callable
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from clients import Endpoints, load_driver  # noqa: E402
from run import pick_cpus, start_server, stop_server  # noqa: E402

__all__ = ["cpu_per_cycle_us", "heap_per_connection", "main"]


async def cpu_per_cycle_us(client: str, endpoints: Endpoints, n: int) -> dict[str, float]:
    """The client's CPU time per open → close cycle of ``client``, in µs, and by phase.

    Phases: ``build`` (the client object), ``open`` (connect until open), ``close``
    (graceful close until closed); ``total`` is their sum. `time.process_time` is the
    process's CPU clock (user + system, nanosecond resolution), so waiting for the server
    costs nothing here.
    """
    driver = load_driver(client, endpoints)
    await driver.start()
    clock = time.process_time
    try:
        for _ in range(max(5, n // 20)):  # warm-up
            conn = driver.connection()
            await conn.open()
            await conn.close()
        build = opened = closed = 0.0
        for _ in range(n):
            t0 = clock()
            conn = driver.connection()
            t1 = clock()
            await conn.open()
            t2 = clock()
            await conn.close()
            t3 = clock()
            build, opened, closed = build + t1 - t0, opened + t2 - t1, closed + t3 - t2
        phases = {"build": build, "open": opened, "close": closed}
        phases["total"] = build + opened + closed
        return {k: v / n * 1e6 for k, v in phases.items()}
    finally:
        await driver.stop()


async def heap_per_connection(client: str, endpoints: Endpoints, n: int) -> dict[str, float]:
    """Python heap held per idle connection of ``client``, in bytes, by allocating file."""
    driver = load_driver(client, endpoints)
    await driver.start()
    try:
        warm = driver.connection()
        await warm.open()
        await warm.close()
        tracemalloc.start()
        before = tracemalloc.take_snapshot()
        conns = [driver.connection() for _ in range(n)]
        for conn in conns:
            await conn.open()
        after = tracemalloc.take_snapshot()
        tracemalloc.stop()
        by_file: dict[str, float] = {}
        for stat in after.compare_to(before, "filename"):
            name = stat.traceback[0].filename
            short = name.split("site-packages/")[-1].split("/src/")[-1].split("/lib/python")[-1]
            by_file[short] = by_file.get(short, 0.0) + stat.size_diff / n
        for conn in conns:
            await conn.close()
        return dict(sorted(by_file.items(), key=lambda item: -item[1]))
    finally:
        await driver.stop()


def _profile(run: Callable[[], object]) -> str:
    profiler = cProfile.Profile()
    profiler.runcall(run)
    out = io.StringIO()
    stats = pstats.Stats(profiler, stream=out).sort_stats("cumulative")
    stats.print_stats(r"metis_env|picows/api", 30)
    return out.getvalue()


def main(argv: list[str] | None = None) -> int:
    """Print CPU µs per cycle for each client (median of rounds), then the optional profile."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--n", type=int, default=2000, help="cycles per client per round")
    parser.add_argument("--rounds", type=int, default=3)
    parser.add_argument("--clients", default="picows,metis,metis-websockets,websockets")
    parser.add_argument("--profile", action="store_true", help="cProfile the metis cycles")
    parser.add_argument("--memory", type=int, default=0, help="idle connections to split")
    args = parser.parse_args(argv)
    server_cpu, _ = pick_cpus(True)
    server, ports = start_server(server_cpu)
    try:
        endpoints = Endpoints("127.0.0.1", ports["ws_port"], ports["tcp_port"])
        clients = [c.strip() for c in args.clients.split(",") if c.strip()]
        results: dict[str, list[dict[str, float]]] = {c: [] for c in clients}
        for _ in range(args.rounds):
            for client in clients:
                results[client].append(asyncio.run(cpu_per_cycle_us(client, endpoints, args.n)))
        phases = ("build", "open", "close", "total")
        mids = {
            c: {p: statistics.median(r[p] for r in runs) for p in phases}
            for c, runs in results.items()
        }
        base = mids[clients[0]]["total"]
        print(f"client CPU µs per connect + close (median of {args.rounds} rounds of {args.n})")
        print(f"  {'client':18} " + " ".join(f"{p:>7}" for p in phases))
        for client, mid in mids.items():
            cells = " ".join(f"{mid[p]:7.1f}" for p in phases)
            print(f"  {client:18} {cells}  ({mid['total'] / base:.2f}× {clients[0]})")
        for client in clients if args.memory else ():
            heap = asyncio.run(heap_per_connection(client, endpoints, args.memory))
            total = sum(heap.values())
            print(f"{client}: Python heap per idle connection {total / 1024:.2f} KiB")
            for name, size in [kv for kv in heap.items() if abs(kv[1]) >= 16]:
                print(f"  {size:8.0f} B  {name}")
        if args.profile:
            print(_profile(lambda: asyncio.run(cpu_per_cycle_us("metis", endpoints, args.n))))
    finally:
        stop_server(server)
    return 0


if __name__ == "__main__":
    sys.exit(main())
