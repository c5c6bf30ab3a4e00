"""Shared test settings and fixtures.

* `MS`: one tick of test time, scaled by ``METIS_TEST_MS`` on slow machines.
* `transport_name`: parametrises a test over both transports (modules opt in with
  ``pytestmark = pytest.mark.usefixtures("transport_name")``).
* `all_logs`: every log record of every logger at DEBUG, rendered in full (message,
  traceback, args and the structured ``metis`` fields), for "no secret in any output" tests.
* `write_env`: writes a small environment folder into ``tmp_path``; modules imported from
  environment folders are forgotten after every test.
"""

from __future__ import annotations

import logging
import os
import sys
import textwrap
from collections.abc import Callable, Iterator
from pathlib import Path

import pytest

import metis_env.api.transport as transport_module
from log_capture import LogCapture
from metis_env.runtime import PACKAGE_ROOT

#: One "tick" of test time in seconds; raise METIS_TEST_MS on slow machines.
MS = float(os.environ.get("METIS_TEST_MS", "1")) / 1000


@pytest.fixture(params=["websockets", "picows"])
def transport_name(request: pytest.FixtureRequest) -> Iterator[str]:
    """Make transport 'auto' resolve to each transport in turn: the seam, checked."""
    previous = transport_module.AUTO_PREFERENCE
    transport_module.AUTO_PREFERENCE = request.param
    try:
        yield request.param
    finally:
        transport_module.AUTO_PREFERENCE = previous


@pytest.fixture
def write_env(tmp_path: Path) -> Callable[[str, dict[str, str]], Path]:
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


@pytest.fixture
def all_logs() -> Iterator[LogCapture]:
    """Capture every log record at DEBUG for the duration of the test."""
    handler = LogCapture()
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.DEBUG)
    try:
        yield handler
    finally:
        root.removeHandler(handler)
        root.setLevel(level)
