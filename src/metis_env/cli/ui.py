"""Where the CLI writes: one stdout console, one stderr console, human or JSON lines.

Consoles are built per invocation (not at import), so ``NO_COLOR``, ``COLUMNS`` and a test
runner's swapped streams apply. Dynamic text (script output, messages from the wire, file
paths) is always passed as `rich.text.Text`, never parsed as markup (STYLE.md §3.8).

When stdout's reader goes away (``metis-env run … --json | head -5``), the first write that
fails with ``BrokenPipeError`` points stdout at the null device and later writes are
dropped: the command finishes its work quietly. (Rich's default is to raise
``SystemExit(1)`` from inside ``print``, which would surface inside whatever script's
``send_output`` happened to print, as that script's failure.)
"""

from __future__ import annotations

import json
import os
import sys
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Protocol

from rich.console import Console, RenderableType
from rich.text import Text

from metis_env.runtime import (
    ClientEvent,
    MissionChangeRecord,
    OutputRecord,
    SessionEvent,
    TaskRecord,
)

__all__ = [
    "JsonResult",
    "LiveEvents",
    "Ui",
    "client_event_json",
    "iso",
    "output_json",
    "output_line",
    "status_text",
    "task_json",
]

#: Style of each task / session status.
STATUS_STYLES = {
    "success": "green",
    "failure": "bold red",
    "skipped": "yellow",
    "cancelled": "magenta",
    "queued": "dim",
    "running": "cyan",
}


class JsonResult(Protocol):
    """A command's result: renders itself (``__rich__``) and dumps itself as JSON lines."""

    def __rich__(self) -> RenderableType: ...

    def json_lines(self) -> Iterable[Mapping[str, Any]]: ...


def iso(value: datetime | None) -> str | None:
    """ISO 8601 text of ``value`` (UTC, milliseconds), or ``None``."""
    return None if value is None else value.isoformat(timespec="milliseconds")


def status_text(status: str) -> Text:
    """``status`` in its colour."""
    return Text(status, style=STATUS_STYLES.get(status, ""))


def output_line(record: OutputRecord) -> Text:
    """``HH:MM:SS.mmm [env/target] Prefix: message`` (local time); hooks show ``[env]``.

    Lines after the first of a multi-line message are indented under the message.
    """
    stamp = record.time.astimezone().strftime("%H:%M:%S.%f")[:-3]
    where = record.env_id if record.target_id is None else f"{record.env_id}/{record.target_id}"
    head = Text.assemble(
        (stamp, "dim"),
        " ",
        (f"[{where}]", "cyan" if record.source == "effect" else "blue"),
        " ",
        (record.prefix, "bold"),
        " ",
    )
    first, *rest = record.message.split("\n")
    line = head + Text(first)
    indent = " " * len(head.plain)
    for more in rest:
        line.append("\n" + indent + more)
    return line


def output_json(record: OutputRecord) -> dict[str, Any]:
    """One output as a JSON object (``"type": "output"``)."""
    return {
        "type": "output",
        "time": iso(record.time),
        "env": record.env_id,
        "target": record.target_id,
        "source": record.source,
        "prefix": record.prefix,
        "message": record.message,
    }


def task_json(record: TaskRecord) -> dict[str, Any]:
    """One task record as a JSON object (``"type": "task"``)."""
    return {
        "type": "task",
        "kind": record.kind,
        "name": record.name,
        "env": record.env_id,
        "event": record.event,
        "target": record.target_id,
        "status": record.status,
        "error": record.error,
        "started_at": iso(record.started_at),
        "ended_at": iso(record.ended_at),
        "duration_ms": None if record.duration_ms is None else round(record.duration_ms, 3),
        "traceback": record.traceback,
    }


def client_event_json(record: ClientEvent) -> dict[str, Any]:
    """One client event as a JSON object (``"type": "client"``; the URL is redacted)."""
    return {
        "type": "client",
        "time": iso(record.time),
        "url": record.url,
        "event": record.kind,
        "detail": record.detail,
    }


def describe_change(change: Any) -> str:
    """A person's reading of one mission change."""
    describe = getattr(change, "describe", None)
    return str(describe()) if callable(describe) else str(change)


def mission_change_json(record: MissionChangeRecord, change: Any) -> dict[str, Any]:
    """One mission change as a JSON object (``"type": "mission-change"``, METIS's spelling)."""
    body = change.to_json() if hasattr(change, "to_json") else {"change": str(change)}
    return {
        "type": "mission-change",
        "time": iso(record.time),
        "env": record.env_id,
        "target": record.target_id,
        **body,
    }


def _silence_stdout() -> None:
    """Point stdout at the null device (its reader is gone), so exit flushes succeed."""
    try:
        devnull = os.open(os.devnull, os.O_WRONLY)
        os.dup2(devnull, sys.stdout.fileno())
        os.close(devnull)
    except (OSError, ValueError):  # not a real file (a test runner's buffer)
        pass


class _Console(Console):
    """A Rich console that goes quiet when its reader leaves, instead of exiting."""

    def on_broken_pipe(self) -> None:
        self.quiet = True
        if not self.stderr:
            _silence_stdout()


@dataclass
class Ui:
    """The two consoles of one invocation, and whether it speaks JSON.

    Attributes:
        out: stdout: results, outputs, JSON lines.
        err: stderr: errors and notices.
        json: print JSON lines (one object each) instead of human text.
    """

    out: Console
    err: Console
    json: bool = False
    #: Set once stdout's reader went away; later writes to stdout are dropped.
    stdout_gone: bool = False

    @classmethod
    def create(cls, json_mode: bool = False) -> Ui:
        """Consoles for the current streams and environment (``NO_COLOR`` is honoured)."""
        return cls(_Console(highlight=False), _Console(stderr=True, highlight=False), json_mode)

    def print(self, *objects: Any, **options: Any) -> None:
        """``out.print``, unless stdout's reader is gone (see the module docstring)."""
        if self.stdout_gone:
            return
        try:
            self.out.print(*objects, **options)
        except BrokenPipeError:
            self.stdout_gone = True
            _silence_stdout()

    def emit(self, obj: Mapping[str, Any]) -> None:
        """Write one JSON object as one line on stdout."""
        text = json.dumps(obj, ensure_ascii=False, default=str)
        self.print(text, markup=False, highlight=False, soft_wrap=True, emoji=False)

    def output(self, record: OutputRecord) -> None:
        """Show one output as it happens."""
        if self.json:
            self.emit(output_json(record))
        else:
            self.print(output_line(record), soft_wrap=True)

    def mission_changes(self, record: MissionChangeRecord) -> None:
        """Show what a script changed in the mission, one line (or object) per change."""
        changes = record.changes if isinstance(record.changes, list | tuple) else []
        for change in changes:
            if self.json:
                self.emit(mission_change_json(record, change))
                continue
            where = f"[{record.env_id}/{record.target_id}]"
            line = Text.assemble(
                (record.time.astimezone().strftime("%H:%M:%S.%f")[:-3] + " ", "dim"),
                (where, "cyan"),
                (" mission: ", "magenta"),
                describe_change(change),
            )
            self.print(line, soft_wrap=True)

    def client_event(self, record: ClientEvent) -> None:
        """Show a client's reconnect, give-up or unexpected close as it happens."""
        if self.json:
            self.emit(client_event_json(record))
        else:
            self.print(Text(str(record), style="yellow"), soft_wrap=True)

    def show(self, result: JsonResult) -> None:
        """Show a command's result: its JSON lines, or its Rich rendering."""
        if self.json:
            for obj in result.json_lines():
                self.emit(obj)
        else:
            self.print(result)

    def note(self, message: str, style: str = "bold") -> None:
        """A human-only line on stdout (nothing in JSON mode)."""
        if not self.json:
            self.print(Text(message, style=style), soft_wrap=True)

    def error(self, message: str, *, exit_code: int) -> None:
        """Report an error on stderr (and as a JSON ``error`` object in JSON mode)."""
        self.err.print(Text.assemble(("error: ", "bold red"), message), soft_wrap=True)
        if self.json:
            self.emit({"type": "error", "error": message, "exit_code": exit_code})


@dataclass
class LiveEvents:
    """The event sink of ``metis-env run``: outputs and client events as they happen.

    Task changes are not printed live: the final report lists them. Each change a script
    makes to the mission is one line (one ``mission-change`` object in JSON mode).
    """

    ui: Ui

    def emit(self, record: SessionEvent) -> None:
        """Show ``record`` if it is shown live."""
        if isinstance(record, OutputRecord):
            self.ui.output(record)
        elif isinstance(record, ClientEvent):
            self.ui.client_event(record)
        elif isinstance(record, MissionChangeRecord):
            self.ui.mission_changes(record)
