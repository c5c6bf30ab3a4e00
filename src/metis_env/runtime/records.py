"""What a session records: tasks (hooks and effects), outputs, and the overall result."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any, Literal

from metis_env.runtime.problems import Problem

__all__ = [
    "OutputRecord",
    "OutputSource",
    "SessionResult",
    "SessionStatus",
    "TaskKind",
    "TaskRecord",
    "TaskStatus",
]

TaskKind = Literal["hook", "effect"]
#: queued → running → success | failure | cancelled; or queued → skipped.
TaskStatus = Literal["queued", "running", "success", "failure", "skipped", "cancelled"]
#: ``effect``: ``context.send_output``; ``hook``: ``context.log`` from a hook.
OutputSource = Literal["effect", "hook"]
#: ``cancelled``: the session timed out or was interrupted (Ctrl-C).
SessionStatus = Literal["success", "failure", "cancelled"]


@dataclass
class TaskRecord:
    """One hook or effect run, as the original's task list shows it (metis-behaviour §6).

    Attributes:
        kind: ``hook`` or ``effect``.
        name: the hook function's name, or the target id.
        env_id: the environment it belongs to.
        status: see `TaskStatus`.
        error: ``"<Type>: <message>"`` for a failure, the reason for a skip or cancel.
        started_at / ended_at: UTC times; ``None`` until it starts / ends.
        event: ``environment-setup`` / ``environment-teardown`` for hooks, else ``None``.
        target_id: the target, for effects.
        traceback: the formatted traceback of a failure.
    """

    kind: TaskKind
    name: str
    env_id: str
    status: TaskStatus = "queued"
    error: str | None = None
    started_at: datetime | None = None
    ended_at: datetime | None = None
    event: str | None = None
    target_id: str | None = None
    traceback: str | None = field(default=None, repr=False)

    @property
    def duration_ms(self) -> float | None:
        """How long it ran, in milliseconds; ``None`` unless it started and ended."""
        if self.started_at is None or self.ended_at is None:
            return None
        return (self.ended_at - self.started_at).total_seconds() * 1000

    @property
    def label(self) -> str:
        """``environment-setup hook 'connect' of 'my-env'`` / ``effect 'send' of 'my-env'``."""
        what = f"{self.event} hook" if self.kind == "hook" else "effect"
        return f"{what} '{self.name}' of '{self.env_id}'"


@dataclass(frozen=True)
class OutputRecord:
    """One line of output from a script (``send_output``) or a hook (``log``).

    ``prefix`` is ``Global:`` or ``<Force-Name>:`` for effects (the original's prefixes) and
    ``<hook event>:`` for hooks.
    """

    time: datetime
    env_id: str
    target_id: str | None
    prefix: str
    message: str
    source: OutputSource = "effect"

    def __str__(self) -> str:
        return f"{self.prefix} {self.message}"


@dataclass
class SessionResult:
    """How a session went: overall status, every task, every output, and why it failed."""

    status: SessionStatus
    tasks: list[TaskRecord]
    outputs: list[OutputRecord]
    error: str | None = None
    #: Errors from closing clients the session tracked (never raised).
    cleanup_errors: list[str] = field(default_factory=list)
    #: Problems found while loading the environment (warnings, or errors elsewhere).
    problems: list[Problem] = field(default_factory=list)
    #: ``{"url": ..., **ws.stats()}`` of every `WebSocketApi` created in the session, in
    #: creation order, taken after teardown (what ``metis-env run --stats`` prints).
    client_stats: list[dict[str, Any]] = field(default_factory=list)
    #: Every change scripts made to the mission, in METIS's spelling (``method``,
    #: ``componentType``, ``_id``, ``field``, ``old``, ``new`` …), in order.
    mission_changes: list[dict[str, Any]] = field(default_factory=list)
    #: The mission's state after the session, shaped as ``context.mission`` exposes it
    #: (``None`` when the session ran on a mission without a model).
    mission: dict[str, Any] | None = None

    @property
    def ok(self) -> bool:
        """True when every task succeeded."""
        return self.status == "success"

    @classmethod
    def derive(
        cls,
        tasks: Sequence[TaskRecord],
        outputs: Sequence[OutputRecord],
        *,
        error: str | None,
        setup_failed: bool,
        cleanup_errors: Sequence[str] = (),
        client_stats: Sequence[dict[str, Any]] = (),
        mission_changes: Sequence[dict[str, Any]] = (),
        mission: dict[str, Any] | None = None,
    ) -> SessionResult:
        """The result of a session: ``cancelled`` when ``error`` is given (a timeout, an
        interrupt), else ``failure`` when a task failed or setup did, else ``success``."""
        failed = [t for t in tasks if t.status == "failure"]
        status: SessionStatus = "success"
        if error is not None:
            status = "cancelled"
        elif failed or setup_failed:
            status = "failure"
            error = f"{failed[0].label} failed: {failed[0].error}" if failed else "setup failed"
        return cls(
            status,
            list(tasks),
            list(outputs),
            error,
            list(cleanup_errors),
            client_stats=list(client_stats),
            mission_changes=list(mission_changes),
            mission=mission,
        )
