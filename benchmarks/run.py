"""``make bench``: every client beside every other, in one run, against one echo server.

Starts `server.py` in its own process, then runs each (client, scenario) cell in a fresh
`client.py` process, ``--repeat`` times. Repeats are interleaved (repeat 1 of every cell,
then repeat 2, …) so a noisy neighbour slows every client alike rather than one. Clients in
another language (`EXTERNAL_CLIENTS`: METIS's WebSocketApi behaviour on Node) run their own
program with the same arguments; they are skipped, with the reason, where the interpreter is
missing. The ``startup`` pseudo-scenario times our entry points first (`startup.py`). Prints one
progress line per cell to stderr, the Markdown report to stdout, and writes it to
``--results`` (default ``benchmarks/RESULTS.md``) and, with ``--json``, the raw cells too.

The whole run is bounded by ``--budget`` seconds: a cell that would not fit (judged by its
slowest earlier run, or a default guess) is skipped and marked, and a cell that runs past its
own timeout is killed. The server is stopped on every way out.
"""

from __future__ import annotations

import argparse
import json
import os
import select
import shlex
import shutil
import subprocess
import sys
import time
from pathlib import Path
from typing import Any

import connect_cost
from clients import CLIENTS, DEFAULT_CLIENTS, EXTERNAL_CLIENTS
from report import check_issue10, check_targets, machine_info, render_markdown, summarise
from scenarios import SCENARIOS
from startup import measure_startup

__all__ = ["main", "pick_cpus", "run_benchmarks", "start_server", "stop_server"]

HERE = Path(__file__).resolve().parent
OURS = tuple(name for name in CLIENTS if name.startswith("metis"))
# Guessed cost of a cell (process start included) before any of its runs was seen, in s.
_FIRST_GUESS_S = 6.0
_STARTUP_TIMEOUT_S = 20.0
#: The pseudo-scenario that times start-up (not a per-client cell).
STARTUP = "startup"
KNOWN_CLIENTS = (*CLIENTS, *EXTERNAL_CLIENTS)
KNOWN_SCENARIOS = (*SCENARIOS, STARTUP)
_NPM_TIMEOUT_S = 180.0


def _child_env() -> dict[str, str]:
    # Debug modes (set by `make pytest`) would slow every client; measure release mode.
    env = {k: v for k, v in os.environ.items() if k not in ("PYTHONASYNCIODEBUG", "PYTHONDEVMODE")}
    env.pop("PYTHONWARNINGS", None)
    return env


def pick_cpus(pin: bool) -> tuple[int | None, int | None]:
    """The CPUs for (server, clients): two distinct ones when pinning and at least two exist.

    Pinning keeps every round trip a cross-core one. Unpinned, the scheduler sometimes puts
    client and server on one core, where a round trip is a cheap context switch instead of
    a cross-core wake-up, and a cell's speed can triple for reasons that are not the client's.
    """
    cpus = sorted(os.sched_getaffinity(0))
    if not pin or len(cpus) < 2:
        return None, None
    return cpus[0], cpus[1]


def start_server(cpu: int | None = None) -> tuple[subprocess.Popen[str], dict[str, int]]:
    """Start the echo servers' process; return it and its ports once it has announced them."""
    cpu_args = [] if cpu is None else ["--cpu", str(cpu)]
    proc = subprocess.Popen(
        [sys.executable, str(HERE / "server.py"), *cpu_args],
        stdin=subprocess.PIPE,
        stdout=subprocess.PIPE,
        text=True,
        env=_child_env(),
    )
    assert proc.stdout is not None
    ready, _, _ = select.select([proc.stdout], [], [], _STARTUP_TIMEOUT_S)
    line = proc.stdout.readline() if ready else ""
    if not line:
        stop_server(proc)
        raise RuntimeError(
            f"echo server did not report its ports within {_STARTUP_TIMEOUT_S:.0f} s "
            f"(exit code {proc.poll()}); run `python benchmarks/server.py` to see why"
        )
    ports: dict[str, int] = json.loads(line)
    return proc, ports


def stop_server(proc: subprocess.Popen[str]) -> None:
    """Stop the server: close its stdin, then SIGTERM, then SIGKILL, a few seconds apart."""
    if proc.stdin is not None and not proc.stdin.closed:
        proc.stdin.close()
    for step in (proc.terminate, proc.kill):
        try:
            proc.wait(timeout=3)
            return
        except subprocess.TimeoutExpired:
            step()
    proc.wait(timeout=3)


def prepare_external(name: str) -> str | None:
    """Make an external client runnable; ``None`` when ready, else why it is skipped.

    Its interpreter must be on PATH. Its dependencies are installed once into its folder
    with the locked versions (``npm ci``) when they are missing and npm is there.
    """
    spec = EXTERNAL_CLIENTS[name]
    if shutil.which(spec.program) is None:
        return f"{spec.program} not found on PATH"
    folder = HERE / spec.folder
    if spec.program == "node" and not (folder / "node_modules").is_dir():
        npm = shutil.which("npm")
        if npm is None:
            return f"npm not found: run npm install in {folder}"
        _log(f"installing {name}'s dependencies (npm ci in {folder})")
        try:
            done = subprocess.run(
                [npm, "ci", "--no-audit", "--no-fund"],
                cwd=folder,
                capture_output=True,
                text=True,
                timeout=_NPM_TIMEOUT_S,
            )
        except subprocess.TimeoutExpired:
            return f"npm ci timed out after {_NPM_TIMEOUT_S:.0f} s"
        if done.returncode != 0:
            tail = (done.stderr.strip().splitlines() or ["no output"])[-1]
            return f"npm ci failed: {tail}"
    return None


def _cell_command(client: str, args: list[str]) -> tuple[list[str], Any]:
    """The argv of one cell of ``client`` and the function that pins it (or ``None``)."""
    spec = EXTERNAL_CLIENTS.get(client)
    if spec is None:
        return [sys.executable, str(HERE / "client.py"), "--client", client, *args], None
    program = shutil.which(spec.program) or spec.program
    cpu = int(args[args.index("--cpu") + 1]) if "--cpu" in args else None
    pin = None if cpu is None else (lambda: os.sched_setaffinity(0, {cpu}))
    return [program, *spec.args, *args], pin


def _run_client(client: str, args: list[str], timeout: float) -> dict[str, Any]:
    """Run one cell of ``client``; its JSON line, or an error record (killed on timeout)."""
    cmd, pin = _cell_command(client, args)
    try:
        done = subprocess.run(
            cmd,
            capture_output=True,
            text=True,
            timeout=timeout,
            env=_child_env(),
            cwd=HERE,
            preexec_fn=pin,
        )
    except subprocess.TimeoutExpired:
        return {"ok": False, "error": f"timed out after {timeout:.0f} s (killed)"}
    lines = done.stdout.strip().splitlines()
    try:
        record: dict[str, Any] = json.loads(lines[-1])
    except (IndexError, json.JSONDecodeError):
        tail = done.stderr.strip().splitlines()[-1:] or ["no output"]
        return {"ok": False, "error": f"exit code {done.returncode}: {tail[0]}"}
    return record


def _scaled_n(scenario: str, quick: bool, scale: float) -> int:
    spec = SCENARIOS[scenario]
    return max(10, round((spec.quick_n if quick else spec.n) * scale))


def _log(message: str) -> None:
    print(message, file=sys.stderr, flush=True)


def run_benchmarks(args: argparse.Namespace) -> dict[str, Any]:
    """Run every cell within the budget; the machine, the cells, the summary and the notes."""
    started = time.monotonic()
    deadline = started + args.budget
    clients = [c.strip() for c in args.clients.split(",") if c.strip()]
    scenarios = [s.strip() for s in args.scenarios.split(",") if s.strip()]
    startup_wanted = STARTUP in scenarios
    scenarios = [s for s in scenarios if s != STARTUP]
    machine = machine_info(shlex.join(["python", *sys.argv]))
    cells: list[dict[str, Any]] = []
    notes: dict[tuple[str, str], str] = {}
    slowest: dict[tuple[str, str], float] = {}
    server_cpu, client_cpu = pick_cpus(args.pin)
    startup: dict[str, dict[str, Any]] = {}
    if startup_wanted:  # first, while no echo server competes for the CPUs
        began = time.monotonic()
        startup = measure_startup(args.startup_rounds, _child_env(), client_cpu)
        _log(f"startup: {args.startup_rounds} rounds ({time.monotonic() - began:.1f} s)")
    cost = None  # connect_cost.measure's counts, when asked for
    server, ports = start_server(server_cpu)
    try:
        port_args = ["--ws-port", str(ports["ws_port"]), "--tcp-port", str(ports["tcp_port"])]
        if client_cpu is not None:
            port_args += ["--cpu", str(client_cpu)]
        runnable = []
        for client in clients:
            why_not = prepare_external(client) if client in EXTERNAL_CLIENTS else None
            if why_not is not None:
                _log(f"skip {client}: {why_not}")
                for scenario in scenarios:
                    notes[scenario, client] = "skipped: " + why_not
                continue
            probe = _run_client(client, ["--probe", *port_args], _STARTUP_TIMEOUT_S)
            if probe.get("ok"):
                runnable.append(client)
                continue
            why = probe.get("skipped") or probe.get("error", "unknown")
            _log(f"skip {client}: {why}")
            for scenario in scenarios:
                notes[scenario, client] = "skipped: " + why.split(" (")[0]
        total = len(runnable) * sum(
            SCENARIOS[s].repeats(args.repeat, args.quick) for s in scenarios
        )
        index = 0
        runs = {s: SCENARIOS[s].repeats(args.repeat, args.quick) for s in scenarios}
        for repeat in range(1, max(runs.values(), default=0) + 1):
            for scenario in scenarios:
                n = _scaled_n(scenario, args.quick, args.n_scale)
                if repeat > runs[scenario]:
                    continue
                for client in runnable:
                    index += 1
                    key = (scenario, client)
                    spec = EXTERNAL_CLIENTS.get(client)
                    if spec is not None and scenario not in spec.scenarios:
                        notes[key] = "n/a: not measured for this client"
                        continue
                    left = deadline - time.monotonic()
                    # Its slowest run so far, else the slowest client's in this scenario.
                    seen = [t for (s, _), t in slowest.items() if s == scenario]
                    guess = slowest.get(key, max(seen, default=_FIRST_GUESS_S))
                    if guess > left:
                        notes.setdefault(key, "budget: some runs skipped")
                        _log(f"[{index}/{total}] {scenario} {client} #{repeat}: skipped (budget)")
                        continue
                    if server.poll() is not None:
                        raise RuntimeError(f"echo server exited (code {server.returncode})")
                    begin = time.monotonic()
                    record = _run_client(
                        client,
                        ["--scenario", scenario, "--n", str(n), *port_args],
                        min(args.cell_timeout, left),
                    )
                    took = time.monotonic() - begin
                    slowest[key] = max(slowest.get(key, 0.0), took)
                    record.update(client=client, scenario=scenario, repeat=repeat)
                    cells.append(record)
                    if record.get("ok"):
                        shown = f"{record['value']:,.1f} {record['unit']}"
                    else:
                        shown = "FAILED: " + str(record.get("error") or record.get("skipped"))
                        notes.setdefault(key, "failed: " + shown[8:60])
                    _log(f"[{index}/{total}] {scenario} {client} #{repeat}: {shown} ({took:.1f} s)")
        if args.connect_cost and "handshakes" in scenarios and not args.quick:
            began = time.monotonic()
            valgrind = shutil.which("valgrind") is not None
            cost = connect_cost.measure(ports["ws_port"], 300, 50, 250, instructions=valgrind)
            _log(f"connect cost: counted ({time.monotonic() - began:.1f} s)")
    finally:
        stop_server(server)
    summary = summarise(cells)
    ours = [c for c in clients if c in OURS]
    return {
        "machine": machine,
        "config": {
            "clients": clients,
            "scenarios": scenarios,
            "repeat": args.repeat,
            "quick": args.quick,
            "n_scale": args.n_scale,
            "n": {s: _scaled_n(s, args.quick, args.n_scale) for s in scenarios},
            "budget_s": args.budget,
            "cpus": {"server": server_cpu, "clients": client_cpu},
            "elapsed_s": round(time.monotonic() - started, 1),
        },
        "cells": cells,
        "summary": summary,
        "notes": {f"{s}/{c}": why for (s, c), why in notes.items()},
        "targets": check_targets(summary, ours),
        "startup": startup,
        "issue10": check_issue10(summary, startup),
        "connect_cost": cost,
        "_notes": notes,
    }


def _parse(argv: list[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--quick", action="store_true", help="1 repeat, smaller N (CI speed)")
    parser.add_argument("--repeat", type=int, help="runs per cell (default 3; --quick: 1)")
    parser.add_argument("--n-scale", type=float, default=1.0, help="multiply every N by this")
    parser.add_argument("--clients", default=",".join(DEFAULT_CLIENTS), help="comma-separated")
    parser.add_argument(
        "--scenarios",
        default=",".join(KNOWN_SCENARIOS),
        help=f"comma-separated ({STARTUP!r}: the start-up ratios)",
    )
    parser.add_argument(
        "--startup-rounds", type=int, help="interleaved start-up rounds (default 10; --quick: 5)"
    )
    parser.add_argument(
        "--no-pin", dest="pin", action="store_false", help="do not pin server and clients to CPUs"
    )
    parser.add_argument("--budget", type=float, default=260.0, help="whole run, seconds")
    parser.add_argument("--cell-timeout", type=float, default=60.0, help="one cell, seconds")
    parser.add_argument("--results", default=str(HERE / "RESULTS.md"), help="'' to skip")
    parser.add_argument("--json", default="", help="also write the raw cells here")
    parser.add_argument(
        "--no-connect-cost",
        dest="connect_cost",
        action="store_false",
        help="skip counting where a connect + close costs more than raw picows",
    )
    args = parser.parse_args(argv)
    if args.repeat is None:
        args.repeat = 1 if args.quick else 3
    if args.startup_rounds is None:
        args.startup_rounds = 5 if args.quick else 10
    for name, known in (("clients", KNOWN_CLIENTS), ("scenarios", KNOWN_SCENARIOS)):
        unknown = set(getattr(args, name).split(",")) - set(known) - {""}
        if unknown:
            parser.error(f"unknown {name}: {', '.join(sorted(unknown))}; known: {', '.join(known)}")
    return args


def main(argv: list[str] | None = None) -> int:
    """Run the benchmarks; 0 when every cell that ran succeeded, 1 otherwise."""
    args = _parse(argv)
    outcome = run_benchmarks(args)
    notes = outcome.pop("_notes")
    config = outcome["config"]
    markdown = render_markdown(
        outcome["machine"],
        outcome["summary"],
        config["scenarios"],
        config["clients"],
        notes,
        outcome["targets"],
        outcome["startup"],
        outcome["issue10"],
        [connect_cost.render(outcome["connect_cost"])] if outcome["connect_cost"] else [],
    )
    print(markdown)
    if args.results:
        Path(args.results).write_text(markdown, encoding="utf-8")
    if args.json:
        Path(args.json).write_text(json.dumps(outcome, indent=2) + "\n", encoding="utf-8")
    _log(f"done in {config['elapsed_s']} s")
    return 0 if all(c.get("ok") for c in outcome["cells"]) else 1


if __name__ == "__main__":
    sys.exit(main())
