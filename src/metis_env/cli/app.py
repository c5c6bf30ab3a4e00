"""The ``metis-env`` command: Typer parses, the commands build results, `Ui` shows them.

Exit codes: 0 success; 1 the target or a hook failed (``run``), an example failed
(``demo``), or the simulator could not listen (``serve``); 2 bad usage or config (unknown
environment, target or config, a bad argument, a ``check`` error); 130 interrupted.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metis_env import __version__
from metis_env.api.errors import ConfigError

# Each command imports what it needs inside its body (the runtime, the simulator, Rich, even
# asyncio), so `metis-env --help` and each verb load only their own modules (issue 10).
if TYPE_CHECKING:
    from .ui import Ui

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

RootArg = Annotated[
    Path,
    typer.Argument(
        help="Folder holding environment folders (<root>/<env-id>/schema.py).",
        envvar="METIS_ENV_ROOT",
        show_default=True,
    ),
]
JsonOpt = Annotated[
    bool, typer.Option("--json", help="Print one JSON object per line instead of text.")
]


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


def _fail(ui: Ui, message: str, code: int) -> typer.Exit:
    ui.error(message, exit_code=code)
    return typer.Exit(code)


def _version(value: bool) -> None:
    if value:
        from .ui import Ui

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
    root: Annotated[Path, typer.Argument(help="Folder holding environment folders.")],
    env: Annotated[str, typer.Argument(help="Environment id (its folder name).")],
    target: Annotated[str, typer.Argument(help="Target id.")],
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
) -> None:
    """Run one target: setup hooks, the target's script, teardown hooks; outputs live."""
    import asyncio
    import time

    from metis_env.runtime import run_target

    from .results import RunReport
    from .ui import Ui

    ui = Ui.create(json_mode)
    started = time.perf_counter()
    try:
        overrides = parse_overrides(set_ or [])
        result = asyncio.run(
            run_target(
                root,
                env,
                target,
                config_id=config,
                arg_texts=arg or [],
                config_overrides=overrides,
                output=ui.output,
                timeout_ms=timeout,
            )
        )
    except ConfigError as exc:
        raise _fail(ui, str(exc), EXIT_USAGE) from None
    except KeyboardInterrupt:
        raise _fail(ui, "interrupted; the session was torn down", EXIT_INTERRUPTED) from None
    elapsed = (time.perf_counter() - started) * 1000
    report = RunReport(env, target, config, result, elapsed, root.resolve(), stats, traceback)
    ui.show(report)
    raise typer.Exit(report.exit_code)


@app.command("list")
def list_(root: RootArg = Path("."), json_mode: JsonOpt = False) -> None:
    """List environments, their targets (with parameters), configs and hooks."""
    from .catalog import build_list
    from .ui import Ui

    ui = Ui.create(json_mode)
    try:
        report = build_list(root)
    except ConfigError as exc:
        raise _fail(ui, str(exc), EXIT_USAGE) from None
    ui.show(report)


@app.command()
def check(root: RootArg = Path("."), json_mode: JsonOpt = False) -> None:
    """Validate environments, targets and configs; every problem with its file (exit 2 on
    any error)."""
    from .catalog import build_check
    from .ui import Ui

    ui = Ui.create(json_mode)
    try:
        report = build_check(root)
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
) -> None:
    """Run the simulator (the seed's message protocol) until Ctrl-C; prints its URL."""
    import asyncio

    from metis_env.simulator import serve as serve_simulator

    from .ui import Ui

    ui = Ui.create()

    def ready(url: str) -> None:
        ui.out.print(f"metis-env simulator listening on {url} (Ctrl-C to stop)", soft_wrap=True)

    try:
        asyncio.run(
            serve_simulator(
                host,
                port,
                ready=ready,
                stream_interval_ms=interval,
                valid_tokens=token or None,
                require_auth=require_auth,
            )
        )
    except KeyboardInterrupt:
        ui.out.print("simulator stopped")
    except ConfigError as exc:
        raise _fail(ui, str(exc), EXIT_USAGE) from None
    except OSError as exc:
        raise _fail(ui, f"cannot listen on {host}:{port}: {exc}", EXIT_FAILED) from None


@app.command()
def demo(
    root: Annotated[
        Path | None,
        typer.Option(help="Examples folder (default: the source tree's examples/environments)."),
    ] = None,
    json_mode: JsonOpt = False,
) -> None:
    """Start the simulator in-process and run every bundled example against it."""
    import asyncio

    from .demo import run_demo
    from .ui import Ui

    ui = Ui.create(json_mode)
    try:
        report = asyncio.run(run_demo(ui, root))
    except ConfigError as exc:
        raise _fail(ui, str(exc), EXIT_USAGE) from None
    except KeyboardInterrupt:
        raise _fail(ui, "interrupted", EXIT_INTERRUPTED) from None
    ui.show(report)
    raise typer.Exit(report.exit_code)


def main(argv: Sequence[str] | None = None) -> None:
    """The ``metis-env`` console script (exits with the command's code)."""
    app(args=None if argv is None else list(argv), prog_name="metis-env")
