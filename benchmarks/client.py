"""Run one benchmark cell (one client, one scenario) in this fresh process.

A fresh process per cell keeps cells apart: one library's imports, allocations and garbage
collector state never show up in another's numbers, which the idle-memory scenario needs.

Prints exactly one JSON line on stdout: ``{"ok": true, "client", "scenario", "value",
"unit", "n", "elapsed_s", "extra"}``, or ``{"ok": false, "skipped": reason}`` when the client
cannot run here, or ``{"ok": false, "error": message}`` when the cell failed (exit code 1).

Usage: ``python benchmarks/client.py --client NAME --scenario S --n N --ws-port P
--tcp-port Q`` (``--probe`` only loads the client and opens and closes one connection).
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import sys
import traceback
from dataclasses import asdict
from typing import Any

from clients import CLIENTS, Endpoints, SkipClient, load_driver
from scenarios import SCENARIOS

__all__ = ["main", "run_cell"]

HOST = "127.0.0.1"


async def run_cell(client: str, scenario: str, n: int, endpoints: Endpoints) -> dict[str, Any]:
    """Measure ``scenario`` for ``client`` (``n`` <= 0: only load the client) as a JSON dict."""
    driver = load_driver(client, endpoints)
    await driver.start()
    try:
        if n <= 0:  # probe: one full open/close, so a client that cannot connect is skipped
            conn = driver.connection()
            await conn.open()
            await conn.close()
            return {"ok": True, "client": client, "probe": True}
        result = await SCENARIOS[scenario].run(driver, n)
    finally:
        await driver.stop()
    described = getattr(driver, "describe", dict)()  # e.g. the transport `auto` picked
    return {"ok": True, "client": client, "scenario": scenario, **asdict(result), **described}


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--client", required=True, choices=sorted(CLIENTS))
    parser.add_argument("--scenario", default="sequential", choices=sorted(SCENARIOS))
    parser.add_argument("--n", type=int, default=0, help="iterations (default: the scenario's)")
    parser.add_argument("--ws-port", type=int, default=0)
    parser.add_argument("--tcp-port", type=int, default=0)
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    parser.add_argument(
        "--probe", action="store_true", help="only load the client and open/close once"
    )
    return parser.parse_args(argv)


def main(argv: list[str] | None = None) -> int:
    """Run the cell named on the command line; print its JSON line; 0 ok, 1 failed, 3 skipped."""
    args = _parse(argv)
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    _soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))  # 1,000 idle connections
    n = -1 if args.probe else (args.n or SCENARIOS[args.scenario].n)
    endpoints = Endpoints(HOST, args.ws_port, args.tcp_port)
    try:
        line = asyncio.run(run_cell(args.client, args.scenario, n, endpoints))
        code = 0
    except SkipClient as exc:
        line, code = {"ok": False, "client": args.client, "skipped": str(exc)}, 3
    except Exception as exc:
        traceback.print_exc(file=sys.stderr)
        line = {"ok": False, "client": args.client, "error": f"{type(exc).__name__}: {exc}"}
        code = 1
    print(json.dumps(line), flush=True)
    return code


if __name__ == "__main__":
    sys.exit(main())
