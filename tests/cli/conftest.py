"""Fixtures for the CLI tests: a fixed-width CliRunner, a threaded simulator, env folders."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest
from cli_helpers import simulator_in_thread
from typer.testing import CliRunner

from metis_env.runtime import PACKAGE_ROOT
from metis_env.simulator import Simulator


@pytest.fixture
def cli() -> CliRunner:
    """A runner at a fixed width, without colours."""
    return CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1", "METIS_ENV_ROOT": None})


@pytest.fixture(scope="module")
def threaded_simulator() -> Iterator[Simulator]:
    """One simulator per test module, in a thread of its own."""
    with simulator_in_thread() as simulator:
        yield simulator


@pytest.fixture
def write_env(tmp_path: Path) -> Callable[[str, dict[str, str]], Path]:
    """``write_env("my-env", {"schema.py": "...", ...})`` → the environment's folder."""

    def write(env_id: str, files: dict[str, str]) -> Path:
        for relative, text in files.items():
            path = tmp_path / env_id / relative
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")
        return tmp_path / env_id

    return write


@pytest.fixture(autouse=True)
def _forget_loaded_modules() -> Iterator[None]:
    """Remove every module the test imported from environment folders."""
    yield
    for name in [n for n in sys.modules if n == PACKAGE_ROOT or n.startswith(PACKAGE_ROOT + ".")]:
        del sys.modules[name]
