"""What every ``metis-env`` command shares: the Typer app, exit codes, common options.

Only Typer and the standard library are imported here: each command module imports what it
needs inside its command, so ``metis-env --help`` and each verb load only their own modules.
"""

from __future__ import annotations

import json
from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Annotated, Any

import typer

from metis_env import __version__
from metis_env.api.errors import ConfigError

if TYPE_CHECKING:
    from .ui import Ui

__all__ = [
    "EXIT_FAILED",
    "EXIT_INTERRUPTED",
    "EXIT_OK",
    "EXIT_USAGE",
    "SHUTDOWN_MS",
    "ExamplesOpt",
    "JsonOpt",
    "RootArg",
    "app",
    "fail",
    "parse_overrides",
    "root_or_examples",
]

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


def root_or_examples(root: Path | None, examples: bool) -> Path:
    """ROOT as given, the bundled examples' folder with ``--examples``, else the cwd.

    Raises:
        ConfigError: both ROOT and ``--examples`` were given.
    """
    if examples:
        if root is not None:
            raise ConfigError("--examples", rule="names the root itself: leave ROOT out")
        from .demo import find_examples_root

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


def fail(ui: Ui, message: str, code: int) -> typer.Exit:
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
