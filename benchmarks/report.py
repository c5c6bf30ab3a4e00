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
    "ISSUE10",
    "REFERENCES",
    "STARTUP_TARGETS",
    "TARGETS",
    "Target",
    "check_issue10",
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
    ("× METIS on Node", "node-metis"),
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


#: Issue 10's table: (measure, scenario, our client, reference client, bound, at least?).
#: A ``None`` bound is a row shown for information (no target of its own).
ISSUE10: tuple[tuple[str, str, str, str, float | None, bool], ...] = (
    ("pipelined msg/s, default install", "pipelined", "metis", "node-metis", 1.0, True),
    ("pipelined msg/s, without picows", "pipelined", "metis-websockets", "node-metis", None, True),
    ("handshakes/s, sequential", "handshakes", "metis", "picows", 0.9, True),
    ("handshakes/s, sequential", "handshakes", "metis", "node-metis", 1.5, True),
    ("idle KiB/conn at N=1,000", "memory", "metis", "node-metis", 1.0, False),
    ("idle KiB/conn, without picows", "memory", "metis-websockets", "node-metis", None, False),
)
#: Start-up: (command key in `startup.COMMANDS`, bound as a ratio to import asyncio).
STARTUP_TARGETS: tuple[tuple[str, float | None], ...] = (
    ("api", 1.5),
    ("help", 3.0),
    ("client", None),
    ("pydantic", None),
)


def check_issue10(
    summary: Mapping[str, Mapping[str, Mapping[str, Any]]],
    startup: Mapping[str, Mapping[str, Any]] | None = None,
) -> list[dict[str, Any]]:
    """Issue 10's rows: measure, ours, the comparison ratio, the target, met (None: no data).

    ``met`` is ``None`` for an information row or when either side has no result.
    """
    rows: list[dict[str, Any]] = []
    for measure, scenario, client, reference, bound, at_least in ISSUE10:
        mine = summary.get(scenario, {}).get(client)
        ratio = mine["ratios"].get(reference) if mine else None
        met = None
        if ratio is not None and bound is not None:
            met = ratio >= bound if at_least else ratio <= bound
        rows.append(
            {
                "measure": measure,
                "client": client,
                "transport": (mine or {}).get("transport", ""),
                "ours": mine["median"] if mine else None,
                "unit": SCENARIOS[scenario].unit,
                "reference": reference,
                "ratio": ratio,
                "bound": bound,
                "at_least": at_least,
                "met": met,
            }
        )
    for key, bound in STARTUP_TARGETS:
        entry = (startup or {}).get(key)
        if not entry:
            continue
        ratio = entry.get("ratio")
        rows.append(
            {
                "measure": f"start-up: {entry['label']}",
                "client": key,
                "transport": "",
                "ours": entry.get("median_ms"),
                "unit": "ms",
                "reference": "asyncio",
                "ratio": ratio,
                "bound": bound,
                "at_least": False,
                "met": None if ratio is None or bound is None else ratio <= bound,
            }
        )
    return rows


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
                "transport": results[0].get("transport", ""),
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
    startup: Mapping[str, Mapping[str, Any]] | None = None,
    issue10: Sequence[Mapping[str, Any]] = (),
    after_issue10: Sequence[str] = (),
) -> str:
    """The whole report: machine, issue 10's table (then ``after_issue10``'s sections),
    start-up, one table per scenario, targets.

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
    if issue10:
        out += _issue10_table(issue10)
    for section in after_issue10:  # e.g. connect_cost.py's counts behind the handshake rows
        out += [section, ""]
    if startup:
        out += _startup_table(startup)
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


_REFERENCE_NAMES = {
    "node-metis": "METIS on Node",
    "picows": "raw picows",
    "websockets": "raw websockets",
    "asyncio": 'python -c "import asyncio"',
}


def _issue10_table(rows: Sequence[Mapping[str, Any]]) -> list[str]:
    lines = [
        "### Issue 10: the target table (medians, same run)",
        "",
        "| measure | ours | comparison | target | result |",
        "|---|---:|---:|---|---|",
    ]
    for row in rows:
        client = row["client"]
        via = f", {row['transport']}" if row.get("transport") else ""
        who = f"`{client}`{via}" if row["unit"] != "ms" else ""
        ours = "—" if row["ours"] is None else f"{_number(row['ours'])} {row['unit']}"
        ours += f" ({who})" if who else ""
        reference = _REFERENCE_NAMES.get(row["reference"], row["reference"])
        ratio = row["ratio"]
        comparison = "—" if ratio is None else f"{ratio:.2f}× {reference}"
        bound = row["bound"]
        if bound is None:
            target, result = "— (information)", "info"
        else:
            target = f"{'≥' if row['at_least'] else '≤'} {bound:g}× {reference}"
            result = "no data" if row["met"] is None else ("met" if row["met"] else "MISSED")
        lines.append(f"| {row['measure']} | {ours} | {comparison} | {target} | {result} |")
    return [*lines, ""]


def _startup_table(startup: Mapping[str, Mapping[str, Any]]) -> list[str]:
    lines = [
        '### Start-up (whole process, ms; ratio to `python -c "import asyncio"`, round by round)',
        "",
        "| command | median ms | range (min–max) | × import asyncio | runs |",
        "|---|---:|---:|---:|---:|",
    ]
    for entry in startup.values():
        if "error" in entry:
            lines.append(f"| {entry['label']} | — | {entry['error']} | — | 0 |")
            continue
        ratio = "—" if entry["ratio"] is None else f"{entry['ratio']:.2f}×"
        span = f"{entry['min_ms']:.0f}–{entry['max_ms']:.0f}"
        lines.append(
            f"| {entry['label']} | {entry['median_ms']:.0f} | {span} | {ratio} | {entry['runs']} |"
        )
    return [*lines, ""]
