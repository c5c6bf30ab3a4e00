"""Fixtures: write small environment folders into tmp_path, and forget their modules after."""

from __future__ import annotations

import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from runtime_envfiles import WriteEnv

from metis_env.runtime import PACKAGE_ROOT


@pytest.fixture
def write_env(tmp_path: Path) -> WriteEnv:
    """``write_env("my-env", {"schema.py": "...", "targets/a/schema.py": "..."})`` → env dir."""

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
