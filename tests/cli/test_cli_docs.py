"""docs/cli.md, the CLI reference, names every command and every option the CLI has."""

from __future__ import annotations

import typer
from cli_helpers import REPO

from metis_env.cli import app

CLI_PAGE = (REPO / "docs" / "cli.md").read_text(encoding="utf-8")


def test_every_command_and_option_is_in_the_cli_reference() -> None:
    """A new command or option without a line in docs/cli.md fails here."""
    commands = typer.main.get_command(app).commands  # type: ignore[attr-defined]
    missing: list[str] = []
    assert set(commands) >= {"run", "list", "check", "serve", "demo"}
    for name, command in commands.items():
        if f"## `metis-env {name}" not in CLI_PAGE:
            missing.append(f"section for {name}")
        for param in command.params:
            for option in param.opts:
                if option.startswith("--") and option != "--help" and option not in CLI_PAGE:
                    missing.append(f"{name} {option}")
    assert missing == []
