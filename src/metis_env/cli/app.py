"""The ``metis-env`` command: Typer parses, the commands build results, `Ui` shows them.

Exit codes: 0 success; 1 the target or a hook failed (``run``), an example failed
(``demo``), or the simulator could not listen (``serve``); 2 bad usage or config (unknown
environment, target or config, a bad argument, a ``check`` error); 130 interrupted.

``run`` drives its event loop with `run_bounded`, whose shutdown is bounded: a script task
that ignores cancellation cannot keep the command from printing its result and exiting
(the console script then ends the process with ``os._exit``, see `main`).
"""

from __future__ import annotations

import asyncio
import contextlib
import json
import logging
import os
import signal
import sys
import time
from collections.abc import Coroutine, Sequence
from pathlib import Path
from typing import Annotated, Any

import typer

from metis_env import __version__
from metis_env.api.errors import ConfigError
from metis_env.runtime import abandoned_at_exit, run_bounded, run_target
from metis_env.simulator import serve as serve_simulator

from .catalog import build_check, build_list
from .demo import find_examples_root, run_demo
from .results import RunReport
from .ui import LiveEvents, Ui

__all__ = ["app", "main", "parse_overrides"]

app = typer.Typer(
    name="metis-env",
    help="Run METIS target environments offline, check them, and serve the simulator.",
    no_args_is_help=True,
    add_completion=False,
    pretty_exceptions_show_locals=False,  # locals may hold an apiKey (STYLE.md §3.8)
)

#: Exit codes.
EXIT_OK, EXIT_FAILED, EXIT_USAGE, EXIT_INTERRUPTED = 0, 1, 2, 130
#: How long tasks left when ``run``'s session is over may take to stop once cancelled.
SHUTDOWN_MS = 1_000

RootArg = Annotated[
    Path | None,
    typer.Argument(
        help=(
            "Folder holding environment folders (<root>/<env-id>/schema.py); "
            "default: the current folder."
        ),
        envvar="METIS_ENV_ROOT",
        show_default=False,
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON object per line instead of text.")
]
ExamplesOpt = Annotated[
    bool,
    typer.Option(
        "--examples",
        help="Use the examples bundled with metis-env as ROOT (ROOT is then left out).",
    ),
]


def _root_or_examples(root: Path | None, examples: bool) -> Path:
    """ROOT as given, the bundled examples' folder with ``--examples``, else the cwd.

    Raises:
        ConfigError: both ROOT and ``--examples`` were given.
    """
    if examples:
        if root is not None:
            raise ConfigError("--examples", rule="names the root itself: leave ROOT out")
        return find_examples_root()
    return Path(".") if root is None else root


def parse_overrides(items: Sequence[str]) -> dict[str, Any]:
    """``["port=9000", "host=example.org"]`` → ``{"port": 9000, "host": "example.org"}``.

    A value that parses as JSON is used as parsed (numbers, ``true``/``false``, ``null``,
    quoted strings, objects); anything else is taken as text.

    Raises:
        ConfigError: an item is not ``KEY=VALUE`` with a non-empty key.
    """
    overrides: dict[str, Any] = {}
    for item in items:
        key, sep, text = item.partition("=")
        if not sep or not key.strip():
            raise ConfigError("--set", rule=f"{key!r} must look like KEY=VALUE (e.g. port=9000)")
        try:
            value: Any = json.loads(text)
        except ValueError:
            value = text
        overrides[key.strip()] = value
    return overrides


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


async def _until_sigterm(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work``; SIGTERM cancels it as Ctrl-C does, and counts as a clean stop.

    A service manager (systemd, Docker, CI) stops a process with SIGTERM: the simulator
    must then close its clients with 1001 and return, not die with the signal. Where the
    loop cannot take signal handlers (Windows), SIGTERM keeps its default action.
    """
    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    terminated = False

    def on_sigterm() -> None:
        nonlocal terminated
        terminated = True
        task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    except (NotImplementedError, RuntimeError):  # no signals here, or not the main thread
        pass
    try:
        await task
    except asyncio.CancelledError:
        if not terminated:
            raise
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


def _run_place(first: str, second: str, third: str | None, examples: bool) -> tuple[Path, str, str]:
    """``(root, env, target)`` of ``run``: ``ROOT ENV TARGET``, or ``--examples ENV TARGET``.

    Raises:
        ConfigError: a positional argument is missing or one too many.
    """
    if examples:
        if third is not None:
            raise ConfigError("--examples", rule="names the root itself: give ENV TARGET only")
        return find_examples_root(), first, second
    if third is None:
        raise ConfigError("TARGET", rule="missing: give ROOT ENV TARGET (or --examples ENV TARGET)")
    return Path(first), second, third


def _fail(ui: Ui, message: str, code: int) -> typer.Exit:
    ui.error(message, exit_code=code)
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        Ui.create().out.print(f"metis-env {__version__}")
        raise typer.Exit()


@app.callback()
def _root(
    version: Annotated[
        bool,
        typer.Option("--version", callback=_version, is_eager=True, help="Show the version."),
    ] = False,
) -> None:
    """Run METIS target environments offline, check them, and serve the simulator."""


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
    ui = Ui.create(json_mode)
    started = time.perf_counter()
    report_only_once()
    recording = None
    if record is not None:
        from .record import Recording

        try:
            recording = Recording(record)
        except OSError as exc:
            raise _fail(ui, f"--record {record}: {exc.strerror or exc}", EXIT_USAGE) from None
    try:
        root_path, env, target = _run_place(root, env, target, examples)
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
        raise _fail(ui, str(exc), EXIT_USAGE) from None
    except KeyboardInterrupt:
        message = "interrupted; the session was torn down"
        error = _fail(ui, message, EXIT_INTERRUPTED)
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
            raise _fail(ui, why, EXIT_USAGE) from None
    raise typer.Exit(report.exit_code)


@app.command("list")
def list_(root: RootArg = None, examples: ExamplesOpt = False, json_mode: JsonOpt = False) -> None:
    """List environments, their targets (with parameters), configs and hooks."""
    ui = Ui.create(json_mode)
    try:
        report = build_list(_root_or_examples(root, examples))
    except ConfigError as exc:
        raise _fail(ui, str(exc), EXIT_USAGE) from None
    ui.show(report)


@app.command()
def check(root: RootArg = None, examples: ExamplesOpt = False, json_mode: JsonOpt = False) -> None:
    """Validate environments, targets and configs; every problem with its file (exit 2 on
    any error)."""
    ui = Ui.create(json_mode)
    try:
        report = build_check(_root_or_examples(root, examples))
    except ConfigError as exc:
        raise _fail(ui, str(exc), EXIT_USAGE) from None
    ui.show(report)
    raise typer.Exit(report.exit_code)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: any free).")] = 8765,
    interval: Annotated[
        int, typer.Option(min=5, metavar="MS", help="Default stream interval in ms.")
    ] = 100,
    token: Annotated[
        list[str] | None,
        typer.Option("--token", help="Accept only this authenticate token (repeatable)."),
    ] = None,
    require_auth: Annotated[
        bool, typer.Option("--require-auth", help="Refuse work before authenticate.")
    ] = False,
    script: Annotated[
        Path | None, typer.Option(help="Serve this simulator script instead of the seed protocol.")
    ] = None,
    replay: Annotated[
        Path | None, typer.Option(help="Play the server's side of this transcript.")
    ] = None,
    fast: Annotated[
        bool, typer.Option("--fast", help="With --replay: send recorded messages at once.")
    ] = False,
    record: Annotated[
        Path | None, typer.Option(help="Write the traffic to this transcript (JSON lines).")
    ] = None,
    history: Annotated[
        int, typer.Option(metavar="N", help="Messages (and headers) kept in memory.")
    ] = 10_000,
) -> None:
    """Run the simulator (the seed protocol, a --script, or a --replay) until Ctrl-C or
    SIGTERM; prints its URL.

    Either signal closes every client with 1001 (going away), prints ``simulator stopped``
    and exits 0.
    """
    ui = Ui.create()

    def ready(url: str) -> None:
        ui.out.print(f"metis-env simulator listening on {url} (Ctrl-C to stop)", soft_wrap=True)

    try:
        asyncio.run(
            _until_sigterm(
                serve_simulator(
                    host,
                    port,
                    ready=ready,
                    stream_interval_ms=interval,
                    valid_tokens=token or None,
                    require_auth=require_auth,
                    history=history,
                    script=script,
                    replay=replay,
                    fast=fast,
                    record=record,
                    report=lambda text: ui.err.print(text, markup=False, soft_wrap=True),
                )
            )
        )
    except KeyboardInterrupt:
        pass
    except ConfigError as exc:
        raise _fail(ui, str(exc), EXIT_USAGE) from None
    except OSError as exc:
        raise _fail(ui, f"cannot listen on {host}:{port}: {exc}", EXIT_FAILED) from None
    ui.out.print("simulator stopped")


@app.command()
def demo(
    root: Annotated[
        Path | None,
        typer.Option(help="Examples folder (default: the examples bundled with metis-env)."),
    ] = None,
    json_mode: JsonOpt = False,
) -> None:
    """Start the simulator in-process and run every bundled example against it."""
    ui = Ui.create(json_mode)
    try:
        report = asyncio.run(run_demo(ui, root))
    except ConfigError as exc:
        raise _fail(ui, str(exc), EXIT_USAGE) from None
    except KeyboardInterrupt:
        raise _fail(ui, "interrupted", EXIT_INTERRUPTED) from None
    ui.show(report)
    raise typer.Exit(report.exit_code)


@app.command("export")
def export_(
    root: Annotated[Path, typer.Argument(help="Folder holding environment folders.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write METIS folders into.")],
    envs: Annotated[
        list[str] | None, typer.Argument(help="Environment ids to export (default: all).")
    ] = None,
    bridge_host: Annotated[
        str, typer.Option(help="Bridge host written into configs.json.")
    ] = "127.0.0.1",
    bridge_port: Annotated[
        int, typer.Option(min=1, max=65535, help="Bridge port written into configs.json.")
    ] = 8790,
    bridge_tls: Annotated[
        bool, typer.Option("--bridge-tls", help="METIS connects with wss (bridge has --tls-*).")
    ] = False,
    json_mode: JsonOpt = False,
) -> None:
    """Write a METIS environment folder (schema.ts, targets, configs.json) per environment."""
    from metis_env.metis.commands import export_command

    code = export_command(
        root,
        out,
        envs or [],
        bridge_host=bridge_host,
        bridge_port=bridge_port,
        bridge_tls=bridge_tls,
        json_mode=json_mode,
    )
    raise typer.Exit(code)


@app.command()
def bridge(
    root: Annotated[Path, typer.Argument(help="Folder holding environment folders.")],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: any free).")] = 8790,
    token: Annotated[
        str | None,
        typer.Option(help="Require this token (METIS sets METIS_ENV_BRIDGE_TOKEN)."),
    ] = None,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="Send Python tracebacks with errors.")
    ] = False,
    tls_cert: Annotated[
        Path | None, typer.Option(help="Serve wss with this certificate (PEM chain).")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option(help="The certificate's key (PEM).")] = None,
) -> None:
    """Serve the environments to their exported METIS folders until Ctrl-C."""
    from metis_env.metis.commands import bridge_command

    code = bridge_command(
        root,
        host=host,
        port=port,
        token=token,
        traceback=traceback,
        tls_cert=tls_cert,
        tls_key=tls_key,
    )
    raise typer.Exit(code)


@app.command()
def init(
    root: Annotated[Path, typer.Argument(help="Folder to create the environment in.")],
    env: Annotated[str, typer.Argument(metavar="ENV", help="The new environment's id.")],
    json_mode: JsonOpt = False,
) -> None:
    """Scaffold an environment: schema, a target, configs.json, a simulator script, a test."""
    from .scaffold import scaffold

    ui = Ui.create(json_mode)
    try:
        report = scaffold(root, env)
    except ConfigError as exc:
        raise _fail(ui, str(exc), EXIT_USAGE) from None
    ui.show(report)


def main(argv: Sequence[str] | None = None) -> None:
    """The ``metis-env`` console script (exits with the command's code).

    When a command had to leave tasks running that ignored cancellation (`run_bounded`),
    the process ends with ``os._exit`` after flushing its output: interpreter shutdown
    would otherwise finalize those tasks' coroutines, which can loop forever or print
    ``coroutine ignored GeneratorExit``.
    """
    try:
        app(args=None if argv is None else list(argv), prog_name="metis-env")
    except SystemExit as exc:
        if abandoned_at_exit():
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            os._exit(code)
        raise
