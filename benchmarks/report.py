"""Turn cell results into medians, ratios, Markdown tables and the target check.

Pure functions over plain dicts (the JSON lines `client.py` prints), so the report can be
rebuilt from a saved ``--json`` file and tested without running anything.
"""

from __future__ import annotations

import datetime
import os
import platform
import statistics
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from importlib import metadata
from typing import Any

from scenarios import SCENARIOS

__all__ = [
    "REFERENCES",
    "TARGETS",
    "Target",
    "check_targets",
    "machine_info",
    "render_markdown",
    "summarise",
]

#: Ratio columns: (column title, client whose median is the denominator).
REFERENCES: tuple[tuple[str, str], ...] = (
    ("× raw picows", "picows"),
    ("× raw websockets", "websockets"),
    ("× raw TCP", "raw_tcp"),
)
_LIBRARIES = ("websockets", "aiohttp", "picows", "aiofastnet", "metis-env")


@dataclass(frozen=True)
class Target:
    """A goal for our client: ``scenario`` median / ``reference`` median vs ``bound``."""

    scenario: str
    reference: str
    bound: float
    at_least: bool  # True: ratio >= bound; False: ratio <= bound

    def label(self) -> str:
        """How the target reads in the table, e.g. ``pipelined ≥ 0.9× picows``."""
        sign = "≥" if self.at_least else "≤"
        return f"{self.scenario} {sign} {self.bound:g}× raw {self.reference}"


#: What `WebSocketApi` is judged on (medians of the same run).
TARGETS: tuple[Target, ...] = (
    Target("pipelined", "picows", 0.9, True),
    Target("pipelined", "websockets", 1.5, True),
    Target("sequential", "picows", 0.95, True),
    Target("binary", "websockets", 1.0, True),
    Target("memory", "websockets", 1.0, False),
)


def machine_info(command: str) -> dict[str, Any]:
    """Where and with what this run happened: platform, CPU, cores, Python, versions, date."""
    cpu = "unknown"
    try:
        with open("/proc/cpuinfo", encoding="utf-8") as info:
            for line in info:
                if line.startswith("model name"):
                    cpu = line.split(":", 1)[1].strip()
                    break
    except OSError:
        pass
    versions = {}
    for name in _LIBRARIES:
        try:
            versions[name] = metadata.version(name)
        except metadata.PackageNotFoundError:
            versions[name] = "not installed"
    return {
        "platform": platform.platform(),
        "cpu": cpu,
        "cores": os.cpu_count(),
        "cores_usable": len(os.sched_getaffinity(0)),
        "load_average": [round(x, 2) for x in os.getloadavg()],
        "python": f"{platform.python_implementation()} {platform.python_version()}",
        "versions": versions,
        "date": datetime.datetime.now(datetime.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "command": command,
    }


def summarise(cells: Iterable[Mapping[str, Any]]) -> dict[str, dict[str, dict[str, Any]]]:
    """Median, min, max and run count per scenario and client, with ratios to references.

    Only successful cells count. ``ratios`` maps each reference client to
    ``median / reference median`` (absent when the reference has no result).
    """
    runs: dict[str, dict[str, list[Mapping[str, Any]]]] = {}
    for cell in cells:
        if cell.get("ok"):
            runs.setdefault(cell["scenario"], {}).setdefault(cell["client"], []).append(cell)
    summary: dict[str, dict[str, dict[str, Any]]] = {}
    for scenario, by_client in runs.items():
        rows: dict[str, dict[str, Any]] = {}
        for client, results in by_client.items():
            values = [float(r["value"]) for r in results]
            extra_keys = sorted({k for r in results for k in r.get("extra", {})})
            rows[client] = {
                "median": statistics.median(values),
                "min": min(values),
                "max": max(values),
                "runs": len(values),
                "unit": results[0]["unit"],
                "extra": {
                    k: statistics.median(float(r["extra"][k]) for r in results if k in r["extra"])
                    for k in extra_keys
                },
            }
        for row in rows.values():
            row["ratios"] = {
                ref: row["median"] / rows[ref]["median"]
                for _, ref in REFERENCES
                if ref in rows and rows[ref]["median"]
            }
        summary[scenario] = rows
    return summary


def check_targets(
    summary: Mapping[str, Mapping[str, Mapping[str, Any]]], clients: Sequence[str]
) -> list[dict[str, Any]]:
    """Each target for each of ``clients`` (ours): the ratio and whether it is met."""
    checks = []
    for target in TARGETS:
        rows = summary.get(target.scenario, {})
        for client in clients:
            ratio = rows.get(client, {}).get("ratios", {}).get(target.reference)
            met = None
            if ratio is not None:
                met = ratio >= target.bound if target.at_least else ratio <= target.bound
            checks.append({"target": target.label(), "client": client, "ratio": ratio, "met": met})
    return checks


def _number(value: float) -> str:
    return f"{value:,.0f}" if abs(value) >= 100 else f"{value:.1f}"


def _scenario_table(
    name: str, rows: Mapping[str, Mapping[str, Any]], order: Sequence[str], notes: Mapping[str, str]
) -> list[str]:
    spec = SCENARIOS[name]
    better = "higher is better" if spec.higher_is_better else "lower is better"
    extra_cols = [("p50 µs", "p50_us"), ("p99 µs", "p99_us")] if name == "sequential" else []
    head = ["client", f"median {spec.unit}", "range (min–max)"]
    head += [title for title, _ in extra_cols] + [title for title, _ in REFERENCES] + ["runs"]
    lines = [
        f"### {spec.title} ({spec.unit}, {better})",
        "",
        "| " + " | ".join(head) + " |",
        "|" + "|".join(["---"] + ["---:"] * (len(head) - 1)) + "|",
    ]
    for client in order:
        label = f"{client} (floor)" if client == "raw_tcp" else client
        row = rows.get(client)
        if row is None:
            why = notes.get(client, "no result")
            blanks = [""] * (len(head) - 3)
            lines.append("| " + " | ".join([label, "—", why, *blanks]) + " |")
            continue
        cells = [label, _number(row["median"]), f"{_number(row['min'])}–{_number(row['max'])}"]
        cells += [
            _number(row["extra"][key]) if key in row["extra"] else "—" for _, key in extra_cols
        ]
        for _, ref in REFERENCES:
            ratio = row["ratios"].get(ref)
            cells.append(f"{ratio:.2f}×" if ratio is not None else "—")
        cells.append(str(row["runs"]))
        lines.append("| " + " | ".join(cells) + " |")
    return [*lines, ""]


def render_markdown(
    machine: Mapping[str, Any],
    summary: Mapping[str, Mapping[str, Mapping[str, Any]]],
    scenarios: Sequence[str],
    clients: Sequence[str],
    notes: Mapping[tuple[str, str], str],
    targets: Sequence[Mapping[str, Any]],
) -> str:
    """The whole report: machine, one table per scenario, then the targets for our client.

    ``notes`` says why a (scenario, client) cell has no result (skipped, failed, budget).
    """
    versions = ", ".join(f"{k} {v}" for k, v in machine["versions"].items())
    out = [
        "# Benchmark results",
        "",
        f"- Machine: {machine['platform']}; CPU {machine['cpu']}; "
        f"{machine['cores']} cores ({machine['cores_usable']} usable); "
        f"load average at start {machine['load_average']}",
        f"- Python: {machine['python']}; {versions}",
        f"- Date: {machine['date']}",
        f"- Command: `{machine['command']}`",
        "- Server: picows WebSocket echo + asyncio TCP echo, in their own process on 127.0.0.1;"
        " each cell in a fresh client process. Ratios are medians over medians.",
        "",
    ]
    for name in scenarios:
        cell_notes = {c: why for (s, c), why in notes.items() if s == name}
        out += _scenario_table(name, summary.get(name, {}), clients, cell_notes)
    if targets:
        ours = list(dict.fromkeys(t["client"] for t in targets))
        out += ["### Targets for WebSocketApi (medians, same run)", ""]
        out += ["| target | " + " | ".join(ours) + " |", "|---|" + "---:|" * len(ours)]
        for label in dict.fromkeys(t["target"] for t in targets):
            cells = []
            for client in ours:
                check = next(t for t in targets if t["target"] == label and t["client"] == client)
                if check["ratio"] is None:
                    cells.append("n/a")
                else:
                    cells.append(f"{check['ratio']:.2f}× {'met' if check['met'] else 'MISSED'}")
            out.append(f"| {label} | " + " | ".join(cells) + " |")
        out.append("")
    return "\n".join(out)
