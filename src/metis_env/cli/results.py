"""What each command returns: result objects that render themselves and dump as JSON.

STYLE.md §15: Typer parses, the command builds one of these, `Ui.show` renders it through
``__rich__`` or writes its `json_lines`. None of them holds a config's secret values: the
catalog redacts before building them.
"""

from __future__ import annotations

import dataclasses
import json
from collections.abc import Iterator, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from rich.console import Group, RenderableType
from rich.table import Table
from rich.text import Text

from metis_env.cli.ui import status_text, task_json
from metis_env.runtime import Problem, ProblemList, SessionResult, TaskRecord

__all__ = [
    "CheckReport",
    "ConfigSummary",
    "DemoReport",
    "DemoRow",
    "EnvironmentSummary",
    "ListReport",
    "ParameterSummary",
    "RunReport",
    "TargetSummary",
    "problem_json",
    "relative",
]


def relative(path: Path, root: Path) -> str:
    """``path`` relative to ``root`` when inside it, else as given."""
    try:
        return path.relative_to(root).as_posix()
    except ValueError:
        return str(path)


def problem_json(problem: Problem, root: Path) -> dict[str, Any]:
    """A problem as ``{"severity", "path", "message"}`` (path relative to ``root``)."""
    return {
        "severity": problem.severity,
        "path": relative(problem.path, root),
        "message": problem.message,
    }


def _problems_table(problems: list[Problem], root: Path) -> Table:
    table = Table(title="Problems", title_justify="left", expand=False)
    table.add_column("Severity", no_wrap=True)
    table.add_column("File", overflow="fold")
    table.add_column("Problem", overflow="fold")
    for problem in problems:
        style = "bold red" if problem.severity == "error" else "yellow"
        table.add_row(
            Text(problem.severity, style=style),
            Text(relative(problem.path, root)),
            Text(problem.message),
        )
    return table


def _ms(value: float | None) -> str:
    if value is None:
        return "-"
    return f"{value:.0f} ms" if value < 1000 else f"{value / 1000:.2f} s"


def _task_label(record: TaskRecord) -> str:
    if record.kind == "hook":
        return f"{record.event} hook {record.name}"
    return f"effect {record.name}"


# ---------------------------------------------------------------------------- run


@dataclass
class RunReport:
    """The result of ``metis-env run``: the session's result and how to present it."""

    env_id: str
    target_id: str
    config_id: str | None
    result: SessionResult
    duration_ms: float
    root: Path
    show_stats: bool = False
    show_tracebacks: bool = False

    @property
    def exit_code(self) -> int:
        """0 when every hook and the target succeeded, else 1."""
        return 0 if self.result.ok else 1

    def _tasks(self) -> Table:
        table = Table(title="Tasks", title_justify="left")
        table.add_column("Task", overflow="fold")
        table.add_column("Status", no_wrap=True)
        table.add_column("Duration", justify="right", no_wrap=True)
        table.add_column("Error", overflow="fold")
        # The failure the summary line names is said there only (once), not in the table.
        summarised = next((t for t in self.result.tasks if t.status == "failure"), None)
        for record in self.result.tasks:
            error = record.error or ""
            if record is summarised and error and error in (self.result.error or ""):
                error = "(below)"
            table.add_row(
                Text(_task_label(record)),
                status_text(record.status),
                _ms(record.duration_ms),
                Text(error, style="dim" if error == "(below)" else ""),
            )
        return table

    def _stats(self) -> Table:
        table = Table(title="Clients (ws.stats())", title_justify="left")
        table.add_column("Client", overflow="fold")
        for name in ("Msgs in/out", "Bytes in/out", "Conn", "Reconn", "Drops", "RTT ms"):
            table.add_column(name, no_wrap=True, justify="right")
        for stats in self.result.client_stats:
            table.add_row(
                Text(str(stats.get("url"))),
                f"{stats.get('messages_in', 0)}/{stats.get('messages_out', 0)}",
                f"{stats.get('bytes_in', 0)}/{stats.get('bytes_out', 0)}",
                str(stats.get("connects", 0)),
                str(stats.get("reconnects", 0)),
                str(stats.get("queue_drops", 0)),
                str(stats.get("last_rtt_ms") if stats.get("last_rtt_ms") is not None else "-"),
            )
        return table

    def __rich__(self) -> RenderableType:
        parts: list[RenderableType] = [Text(""), self._tasks()]
        for record in self.result.tasks if self.show_tracebacks else []:
            if record.traceback:
                parts.append(Text(f"Traceback of {_task_label(record)}:", style="bold red"))
                parts.append(Text(record.traceback.rstrip(), style="dim"))
        if self.result.problems:
            parts.append(_problems_table(self.result.problems, self.root))
        for error in self.result.cleanup_errors:
            parts.append(Text(f"cleanup: {error}", style="yellow"))
        if self.show_stats:
            if self.result.client_stats:
                parts.append(self._stats())
            else:
                parts.append(Text("No WebSocketApi client was created.", style="dim"))
        where = f"{self.env_id}/{self.target_id}"
        if self.result.ok:
            line = Text.assemble(("✔ ", "green"), (where, "bold"), " succeeded")
        else:
            line = Text.assemble(
                ("✖ ", "bold red"),
                (where, "bold"),
                f" {self.result.status}: ",
                self.result.error or "",
            )
        parts.append(line + Text(f" in {_ms(self.duration_ms)}", style="dim"))
        return Group(*parts)

    def json_lines(self) -> Iterator[Mapping[str, Any]]:
        """Every task record, then the ``result`` object."""
        for record in self.result.tasks:
            yield task_json(record)
        final: dict[str, Any] = {
            "type": "result",
            "env": self.env_id,
            "target": self.target_id,
            "config": self.config_id,
            "status": self.result.status,
            "ok": self.result.ok,
            "error": self.result.error,
            "exit_code": self.exit_code,
            "duration_ms": round(self.duration_ms, 3),
            "outputs": len(self.result.outputs),
            "mission_changes": len(self.result.mission_changes),
            "cleanup_errors": list(self.result.cleanup_errors),
            "problems": [problem_json(p, self.root) for p in self.result.problems],
        }
        if self.show_stats:
            final["clients"] = list(self.result.client_stats)
        yield final


# ---------------------------------------------------------------------------- list


@dataclass
class ParameterSummary:
    """One parameter of a target, as ``list`` shows it."""

    id: str
    name: str
    type: str
    required: bool
    default: Any
    #: The rules it declares: min, max, integersOnly, unit, pattern, options,
    #: validComponentTypes, multiple, dependencies (only those it has).
    rules: dict[str, Any] = field(default_factory=dict)

    def __str__(self) -> str:
        text = f"{self.id}: {self.type}"
        if self.default is not None:
            text += f" = {json.dumps(self.default, ensure_ascii=False, default=str)}"
        text += " (required)" if self.required else ""
        shown = []
        for key, value in self.rules.items():
            if key == "options":
                value = ", ".join(str(o["_id"]) for o in value)
            elif isinstance(value, list):
                value = ", ".join(str(v) for v in value)
            shown.append(key if value is True else f"{key} {value}")
        return text + (f" [{'; '.join(shown)}]" if shown else "")


@dataclass
class TargetSummary:
    """One target, as ``list`` shows it."""

    id: str
    name: str
    description: str
    path: str
    parameters: list[ParameterSummary] = field(default_factory=list)


@dataclass
class ConfigSummary:
    """One ``configs.json`` entry; ``data`` has every secret value replaced by ``***``."""

    id: str
    name: str
    description: str
    data: dict[str, Any]


@dataclass
class EnvironmentSummary:
    """One environment that loaded, as ``list`` shows it."""

    id: str
    name: str
    description: str
    version: str
    path: str
    hooks: dict[str, int]
    targets: list[TargetSummary]
    configs: list[ConfigSummary]


@dataclass
class ListReport:
    """The result of ``metis-env list``."""

    root: Path
    environments: list[EnvironmentSummary]
    problems: list[Problem]

    def _environment(self, env: EnvironmentSummary) -> Table:
        title = Text.assemble((env.id, "bold cyan"), f" — {env.name} v{env.version}")
        table = Table(title=title, title_justify="left", caption_justify="left")
        table.add_column("Target", no_wrap=True, style="bold")
        table.add_column("Name", overflow="fold")
        table.add_column("Parameters", overflow="fold")
        for target in env.targets:
            params = "\n".join(str(p) for p in target.parameters) or "-"
            table.add_row(Text(target.id), Text(target.name), Text(params))
        configs = ", ".join(f"{c.id} ({c.name})" for c in env.configs) or "none"
        hooks = ", ".join(f"{event} ×{n}" for event, n in env.hooks.items() if n) or "none"
        table.caption = Text(f"configs: {configs}\nhooks: {hooks}")
        return table

    def __rich__(self) -> RenderableType:
        parts: list[RenderableType] = [self._environment(env) for env in self.environments]
        if not self.environments:
            parts.append(Text(f"No environment found in {self.root}", style="yellow"))
        if self.problems:
            count = len(self.problems)
            noun = "problem" if count == 1 else "problems"
            parts.append(
                Text(f"{count} {noun} found; run 'metis-env check' for details", style="yellow")
            )
        return Group(*parts)

    def json_lines(self) -> Iterator[Mapping[str, Any]]:
        """One ``list`` object."""
        yield {
            "type": "list",
            "root": str(self.root),
            "environments": [dataclasses.asdict(env) for env in self.environments],
            "problems": [problem_json(p, self.root) for p in self.problems],
        }


# ---------------------------------------------------------------------------- check


@dataclass
class CheckReport(ProblemList):
    """The result of ``metis-env check``: every problem, with its file."""

    root: Path
    environments: list[str]
    targets: int
    configs: int
    problems: list[Problem]

    @property
    def exit_code(self) -> int:
        """2 when any problem is an error, else 0."""
        return 2 if self.errors else 0

    def __rich__(self) -> RenderableType:
        parts: list[RenderableType] = []
        if self.problems:
            parts.append(_problems_table(self.problems, self.root))
        summary = (
            f"{len(self.errors)} error(s), {len(self.warnings)} warning(s) in "
            f"{len(self.environments)} environment(s), {self.targets} target(s), "
            f"{self.configs} config(s)"
        )
        parts.append(Text(f"checked {self.root}", style="dim"))
        mark = ("✖ ", "bold red") if self.errors else ("✔ ", "green")
        parts.append(Text.assemble(mark, summary))
        return Group(*parts)

    def json_lines(self) -> Iterator[Mapping[str, Any]]:
        """One ``check`` object."""
        yield {
            "type": "check",
            "root": str(self.root),
            "ok": not self.errors,
            "exit_code": self.exit_code,
            "environments": list(self.environments),
            "targets": self.targets,
            "configs": self.configs,
            "errors": len(self.errors),
            "warnings": len(self.warnings),
            "problems": [problem_json(p, self.root) for p in self.problems],
        }


# ---------------------------------------------------------------------------- demo


@dataclass
class DemoRow:
    """How one example went."""

    example: str
    target_id: str
    status: str
    duration_ms: float
    outputs: int
    error: str | None = None


@dataclass
class DemoReport:
    """The result of ``metis-env demo``: one row per example."""

    simulator_url: str
    rows: list[DemoRow]

    @property
    def exit_code(self) -> int:
        """0 when every example succeeded, else 1."""
        return 0 if all(row.status == "success" for row in self.rows) else 1

    def __rich__(self) -> RenderableType:
        table = Table(title="Demo summary", title_justify="left")
        table.add_column("Example", overflow="fold")
        table.add_column("Status", no_wrap=True)
        table.add_column("Duration", justify="right", no_wrap=True)
        table.add_column("Outputs", justify="right")
        for row in self.rows:
            table.add_row(
                Text.assemble((row.example, "bold"), f" ({row.target_id})"),
                status_text(row.status),
                _ms(row.duration_ms),
                str(row.outputs),
            )
        failed = [row for row in self.rows if row.status != "success"]
        if failed:
            line = Text(f"✖ {len(failed)} of {len(self.rows)} examples failed", style="bold red")
            for row in failed:
                line.append(f"\n  {row.target_id}: {row.error}")
        else:
            line = Text(f"✔ all {len(self.rows)} examples succeeded", style="green")
        return Group(Text(""), table, line)

    def json_lines(self) -> Iterator[Mapping[str, Any]]:
        """One ``demo`` object."""
        yield {
            "type": "demo",
            "simulator": self.simulator_url,
            "ok": self.exit_code == 0,
            "exit_code": self.exit_code,
            "examples": [dataclasses.asdict(row) for row in self.rows],
        }
