"""``metis-env run``: one session (setup hooks, the target's script, teardown hooks)."""

from __future__ import annotations

import json
import logging
from pathlib import Path
from typing import Annotated, Any

import typer

from metis_env.api.errors import ConfigError

from .base import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    SHUTDOWN_MS,
    JsonOpt,
    app,
    fail,
    parse_overrides,
)

__all__ = ["interrupted_result", "report_only_once", "run", "write_mission_state"]


def interrupted_result(
    env: str, target: str, config: str | None, message: str, elapsed_ms: float
) -> dict[str, Any]:
    """The ``result`` object of a run stopped by Ctrl-C (status ``interrupted``)."""
    return {
        "type": "result",
        "env": env,
        "target": target,
        "config": config,
        "status": "interrupted",
        "ok": False,
        "error": message,
        "exit_code": EXIT_INTERRUPTED,
        "duration_ms": elapsed_ms,
    }


def report_only_once() -> None:
    """Say each failure once: in ``run``'s report. The runtime also logs task failures at
    WARNING for library users; with no logging configured, Python would print those on
    stderr as well. Configure logging (a handler on the root logger) to see them anyway."""
    runtime = logging.getLogger("metis_env.runtime")
    if not logging.getLogger().handlers and not runtime.handlers:
        runtime.addHandler(logging.NullHandler())
        runtime.propagate = False


def write_mission_state(path: Path, state: Any) -> None:
    """``--mission-out``: the mission's state after the run, as ``context.mission`` shows it."""
    text = json.dumps(state, indent=2, ensure_ascii=False, default=str) + "\n"
    path.write_text(text, encoding="utf-8")


def run_place(first: str, second: str, third: str | None, examples: bool) -> tuple[Path, str, str]:
    """``(root, env, target)`` of ``run``: ``ROOT ENV TARGET``, or ``--examples ENV TARGET``.

    Raises:
        ConfigError: a positional argument is missing or one too many.
    """
    if examples:
        if third is not None:
            raise ConfigError("--examples", rule="names the root itself: give ENV TARGET only")
        from .demo import find_examples_root

        return find_examples_root(), first, second
    if third is None:
        raise ConfigError("TARGET", rule="missing: give ROOT ENV TARGET (or --examples ENV TARGET)")
    return Path(first), second, third


@app.command()
def run(
    root: Annotated[
        str,
        typer.Argument(
            metavar="ROOT",
            help="Folder holding environment folders (left out with --examples).",
        ),
    ],
    env: Annotated[str, typer.Argument(metavar="ENV", help="Environment id (its folder name).")],
    target: Annotated[str | None, typer.Argument(metavar="TARGET", help="Target id.")] = None,
    examples: Annotated[
        bool,
        typer.Option(
            "--examples",
            help="Run a bundled example: metis-env run --examples ENV TARGET.",
        ),
    ] = False,
    config: Annotated[
        str | None, typer.Option("--config", "-c", help="configs.json entry (_id) to select.")
    ] = None,
    arg: Annotated[
        list[str] | None,
        typer.Option("--arg", "-a", metavar="NAME=VALUE", help="A target argument (repeatable)."),
    ] = None,
    set_: Annotated[
        list[str] | None,
        typer.Option(
            "--set",
            "-s",
            metavar="KEY=VALUE",
            help="Override a key of the config's data, e.g. port=9000 (repeatable; JSON values).",
        ),
    ] = None,
    json_mode: JsonOpt = False,
    timeout: Annotated[
        int | None,
        typer.Option("--timeout", min=1, metavar="MS", help="Cancel the session after MS ms."),
    ] = None,
    stats: Annotated[
        bool, typer.Option("--stats", help="Print ws.stats() of every WebSocketApi created.")
    ] = False,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="Print the traceback of what failed.")
    ] = False,
    mission: Annotated[
        Path | None,
        typer.Option(
            "--mission",
            metavar="FILE",
            help="Mission to run on (.metis, .metis.zip or data.json; default: built-in).",
        ),
    ] = None,
    mission_out: Annotated[
        Path | None,
        typer.Option(
            "--mission-out", metavar="FILE", help="Write the mission's state after the run."
        ),
    ] = None,
    trigger: Annotated[
        str, typer.Option("--trigger", help="The effect's trigger (decides context.type).")
    ] = "session-start",
    member: Annotated[
        str | None,
        typer.Option("--member", metavar="USERNAME", help="Who triggered it (execution-*)."),
    ] = None,
    action: Annotated[
        str | None,
        typer.Option("--action", metavar="SPEC", help="Host action of an execution trigger."),
    ] = None,
    record: Annotated[
        Path | None,
        typer.Option(
            "--record", metavar="FILE", help="Write the clients' traffic as a transcript."
        ),
    ] = None,
) -> None:
    """Run one target: setup hooks, the target's script, teardown hooks; outputs live."""
    import time

    from metis_env.runtime import run_bounded, run_target

    from .results import RunReport
    from .ui import LiveEvents, Ui

    ui = Ui.create(json_mode)
    started = time.perf_counter()
    report_only_once()
    recording = None
    if record is not None:
        from .record import Recording

        try:
            recording = Recording(record)
        except OSError as exc:
            raise fail(ui, f"--record {record}: {exc.strerror or exc}", EXIT_USAGE) from None
    try:
        root_path, env, target = run_place(root, env, target, examples)
        overrides = parse_overrides(set_ or [])
        result = run_bounded(
            run_target(
                root_path,
                env,
                target,
                config_id=config,
                arg_texts=arg or [],
                config_overrides=overrides,
                events=LiveEvents(ui),
                timeout_ms=timeout,
                mission=mission,
                trigger=trigger,
                member=member,
                action=action,
                on_client=recording.on_client if recording is not None else None,
            ),
            shutdown_ms=SHUTDOWN_MS,
        )
    except ConfigError as exc:
        raise fail(ui, str(exc), EXIT_USAGE) from None
    except KeyboardInterrupt:
        message = "interrupted; the session was torn down"
        error = fail(ui, message, EXIT_INTERRUPTED)
        if json_mode:  # --json always ends with a result line
            elapsed = round((time.perf_counter() - started) * 1000, 3)
            ui.emit(interrupted_result(env, target or "", config, message, elapsed))
        raise error from None
    finally:
        if recording is not None:
            recording.close()
    elapsed = (time.perf_counter() - started) * 1000
    report = RunReport(env, target, config, result, elapsed, root_path.resolve(), stats, traceback)
    ui.show(report)
    if mission_out is not None:
        try:
            write_mission_state(mission_out, result.mission)
        except OSError as exc:
            why = f"--mission-out {mission_out}: {exc.strerror or exc}"
            raise fail(ui, why, EXIT_USAGE) from None
    raise typer.Exit(report.exit_code)
