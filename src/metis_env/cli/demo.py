"""``metis-env demo``: the simulator in-process, then every bundled example against it.

The examples ship inside the package (``metis_env/examples/environments``, package data read
through `importlib.resources`), so the demo works the same from a source checkout and from an
installed wheel. Nothing is written to disk: each example runs with the ``simulator`` config of
``websocket-example/configs.json``, its ``host`` and ``port`` overridden by the embedded
simulator's (``run_target(config_overrides=...)``, the same mechanism as ``metis-env run
--set``).
"""

from __future__ import annotations

import time
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from rich.rule import Rule
from rich.text import Text

from metis_env.api.errors import ConfigError
from metis_env.runtime import load_environment, run_target
from metis_env.simulator import Simulator

from .results import DemoReport, DemoRow
from .ui import LiveEvents, Ui, status_text

__all__ = [
    "DEMO_CONFIG",
    "DEMO_ENV",
    "DEMO_EXAMPLES",
    "MISSION_ENV",
    "MISSION_EXAMPLES",
    "find_examples_root",
    "run_demo",
]

#: The environment and config the demo runs.
DEMO_ENV = "websocket-example"
DEMO_CONFIG = "simulator"
#: The examples in the seed's order, with the arguments the demo gives them; targets not
#: listed here run afterwards, with their defaults.
DEMO_EXAMPLES: tuple[tuple[str, Mapping[str, Any]], ...] = (
    ("basic-setup", {}),
    ("request-response", {}),
    ("streaming-data", {}),
    ("heartbeat", {}),
    ("send-websocket-message", {}),
    ("monitor-system", {}),
    ("interactive-command", {"command": "status"}),
    # The same patterns without polling: ws.request() and ws.messages().
    ("request-response-awaited", {}),
    ("streaming-iterated", {}),
    ("interactive-command-awaited", {"command": "status"}),
)
#: The mission examples (one per family of mission-changing methods), run afterwards on
#: the built-in mission with these arguments (component specs as on the command line).
MISSION_ENV = "mission-example"
MISSION_EXAMPLES: tuple[tuple[str, Mapping[str, Any]], ...] = (
    ("block-nodes", {"nodes": ("node:North Substation",)}),
    ("raise-alert", {"nodes": ("node:SCADA Gateway",), "severity": "danger"}),
    ("tune-actions", {"applyTo": ("node:SCADA Gateway",)}),
    ("adjust-resources", {"force": ("force:Cyber Cell",)}),
    ("file-access", {"forces": ("force:Grid Operators",), "files": ("Feeder 7 diagram.png",)}),
)
#: Stream items every 250 ms keep the monitor's output readable.
DEMO_STREAM_INTERVAL_MS = 250
#: No example should take longer than this.
DEMO_TIMEOUT_MS = 20_000


def find_examples_root() -> Path:
    """The folder of the bundled example environments (package data of ``metis_env``).

    ``metis-env list --examples``, ``check --examples`` and ``demo`` use it; pass it as the
    ROOT of ``metis-env run`` to run one example.

    Raises:
        ConfigError: the package's examples are missing or not on the file system (a
            zipped install: pass ``--root`` to a copy of them).
    """
    root = resources.files("metis_env") / "examples" / "environments"
    if isinstance(root, Path) and (root / DEMO_ENV).is_dir():
        return root
    raise ConfigError(
        "root",
        str(root),
        f"must be a folder holding the bundled examples ({DEMO_ENV}); pass --root DIR",
    )


def _plan(root: Path) -> list[tuple[str, str, Mapping[str, Any]]]:
    """``(target id, target name, args)`` of every example to run, in order."""
    report = load_environment(root / DEMO_ENV)
    env = report.environments.get(DEMO_ENV)
    if env is None:
        details = "; ".join(str(p) for p in report.errors) or "unknown reason"
        raise ConfigError("root", str(root / DEMO_ENV), f"did not load: {details}")
    try:
        names = {target_id: target.name for target_id, target in env.targets.items()}
    finally:
        env.unload()
    plan = [(t, names[t], args) for t, args in DEMO_EXAMPLES if t in names]
    plan.extend((t, names[t], {}) for t in sorted(names) if t not in dict(DEMO_EXAMPLES))
    return plan


async def run_demo(ui: Ui, root: Path | None = None) -> DemoReport:
    """Start a simulator on a free port and run every example against it, showing outputs.

    Raises:
        ConfigError: the examples cannot be found or do not load.
    """
    root = (root or find_examples_root()).resolve()
    plan = _plan(root)
    rows: list[DemoRow] = []
    async with Simulator(stream_interval_ms=DEMO_STREAM_INTERVAL_MS) as simulator:
        ui.note(f"metis-env demo: simulator listening on {simulator.url}")
        ui.note(f"running {len(plan)} examples from {root / DEMO_ENV}", style="dim")
        overrides = {"host": simulator.host, "port": simulator.port}
        for target_id, name, args in plan:
            if not ui.json:
                ui.out.print(Rule(Text(f"{name} ({target_id})", style="bold cyan")))
            started = time.perf_counter()
            result = await run_target(
                root,
                DEMO_ENV,
                target_id,
                config_id=DEMO_CONFIG,
                config_overrides=overrides,
                args=args,
                output=ui.output,
                timeout_ms=DEMO_TIMEOUT_MS,
                session_name="metis-env demo",
            )
            elapsed = (time.perf_counter() - started) * 1000
            outputs = sum(1 for o in result.outputs if o.source == "effect")
            row = DemoRow(name, target_id, result.status, elapsed, outputs, result.error)
            rows.append(row)
            if ui.json:
                ui.emit({"type": "example", **row.__dict__})
            else:
                ui.out.print(Text.assemble("→ ", status_text(row.status)), soft_wrap=True)
    if (root / MISSION_ENV).is_dir():
        for target_id, args in MISSION_EXAMPLES:
            rows.append(await _mission_example(ui, root, target_id, args))
    return DemoReport(simulator.url, rows)


async def _mission_example(ui: Ui, root: Path, target_id: str, args: Mapping[str, Any]) -> DemoRow:
    """Run one mission example on the built-in mission; its changes show as they happen."""
    if not ui.json:
        title = f"{target_id} (mission-example, on the built-in mission)"
        ui.out.print(Rule(Text(title, style="bold magenta")))
    started = time.perf_counter()
    result = await run_target(
        root,
        MISSION_ENV,
        target_id,
        args=args,
        events=LiveEvents(ui),
        timeout_ms=DEMO_TIMEOUT_MS,
        session_name="metis-env demo",
    )
    elapsed = (time.perf_counter() - started) * 1000
    outputs = sum(1 for o in result.outputs if o.source == "effect")
    row = DemoRow(target_id, target_id, result.status, elapsed, outputs, result.error)
    if ui.json:
        ui.emit({"type": "example", **row.__dict__})
    else:
        ui.out.print(Text.assemble("→ ", status_text(row.status)), soft_wrap=True)
    return row
