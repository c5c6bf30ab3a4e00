"""``metis-env list``, ``check``, ``demo`` and ``init``."""

from __future__ import annotations

from pathlib import Path
from typing import Annotated

import typer

from metis_env.api.errors import ConfigError

from .base import (
    EXIT_INTERRUPTED,
    EXIT_USAGE,
    ExamplesOpt,
    JsonOpt,
    RootArg,
    app,
    fail,
    root_or_examples,
)

__all__ = ["check", "demo", "init", "list_"]


@app.command("list")
def list_(root: RootArg = None, examples: ExamplesOpt = False, json_mode: JsonOpt = False) -> None:
    """List environments, their targets (with parameters), configs and hooks."""
    from .catalog import build_list
    from .ui import Ui

    ui = Ui.create(json_mode)
    try:
        report = build_list(root_or_examples(root, examples))
    except ConfigError as exc:
        raise fail(ui, str(exc), EXIT_USAGE) from None
    ui.show(report)


@app.command()
def check(root: RootArg = None, examples: ExamplesOpt = False, json_mode: JsonOpt = False) -> None:
    """Validate environments, targets and configs: each problem with its file (exit 2 on errors)."""
    from .catalog import build_check
    from .ui import Ui

    ui = Ui.create(json_mode)
    try:
        report = build_check(root_or_examples(root, examples))
    except ConfigError as exc:
        raise fail(ui, str(exc), EXIT_USAGE) from None
    ui.show(report)
    raise typer.Exit(report.exit_code)


@app.command()
def demo(
    root: Annotated[
        Path | None,
        typer.Option(help="Examples folder (default: the examples bundled with metis-env)."),
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
        raise fail(ui, str(exc), EXIT_USAGE) from None
    except KeyboardInterrupt:
        raise fail(ui, "interrupted", EXIT_INTERRUPTED) from None
    ui.show(report)
    raise typer.Exit(report.exit_code)


@app.command()
def init(
    root: Annotated[Path, typer.Argument(help="Folder to create the environment in.")],
    env: Annotated[str, typer.Argument(metavar="ENV", help="The new environment's id.")],
    json_mode: JsonOpt = False,
) -> None:
    """Scaffold an environment: schema, a target, configs.json, a simulator script, a test."""
    from .scaffold import scaffold
    from .ui import Ui

    ui = Ui.create(json_mode)
    try:
        report = scaffold(root, env)
    except ConfigError as exc:
        raise fail(ui, str(exc), EXIT_USAGE) from None
    ui.show(report)
