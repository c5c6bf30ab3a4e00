"""Fast by default (issue 10): `pip install metis-env` brings picows where it has wheels.

The marker on the picows dependency is checked against the platforms picows 2.3 publishes
wheels for (CPython 3.11–3.14 on Linux x86_64/aarch64, macOS arm64 and x86_64 up to 3.13,
Windows), and `transport: auto` is checked to pick it where it is installed.
"""

from __future__ import annotations

import importlib.util
import tomllib
from pathlib import Path

import pytest
from packaging.requirements import Requirement

from metis_env.api.transport import get_connector

PYPROJECT = Path(__file__).resolve().parents[1] / "pyproject.toml"


def picows_requirement() -> Requirement:
    """The picows entry of the default dependencies."""
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    found = [Requirement(d) for d in data["project"]["dependencies"]]
    (picows,) = [r for r in found if r.name == "picows"]
    return picows


def environment(system: str, machine: str, python: str, impl: str = "CPython") -> dict[str, str]:
    """A marker environment for one platform."""
    return {
        "platform_python_implementation": impl,
        "implementation_name": impl.lower(),
        "sys_platform": system,
        "platform_machine": machine,
        "python_version": python,
        "python_full_version": f"{python}.0",
        "platform_system": {"linux": "Linux", "darwin": "Darwin", "win32": "Windows"}[system],
        "os_name": "nt" if system == "win32" else "posix",
    }


@pytest.mark.parametrize(
    ("system", "machine", "python", "impl", "expected"),
    [
        ("linux", "x86_64", "3.11", "CPython", True),
        ("linux", "aarch64", "3.14", "CPython", True),
        ("darwin", "arm64", "3.14", "CPython", True),
        ("darwin", "x86_64", "3.13", "CPython", True),
        ("darwin", "x86_64", "3.14", "CPython", False),  # no picows wheel there
        ("win32", "AMD64", "3.12", "CPython", True),
        ("win32", "ARM64", "3.13", "CPython", True),
        ("win32", "x86", "3.11", "CPython", True),
        ("linux", "ppc64le", "3.12", "CPython", False),  # would build from source
        ("linux", "x86_64", "3.11", "PyPy", False),
    ],
)
def test_picows_is_a_default_dependency_where_it_has_wheels(
    system: str, machine: str, python: str, impl: str, expected: bool
) -> None:
    """The marker selects exactly the platforms with picows wheels."""
    marker = picows_requirement().marker
    assert marker is not None
    assert marker.evaluate(environment(system, machine, python, impl)) is expected


def test_fast_extra_is_kept_as_an_alias() -> None:
    """`pip install 'metis-env[fast]'` still asks for picows (everywhere)."""
    data = tomllib.loads(PYPROJECT.read_text(encoding="utf-8"))
    fast = [Requirement(r) for r in data["project"]["optional-dependencies"]["fast"]]
    assert [r.name for r in fast] == ["picows"] and fast[0].marker is None


@pytest.mark.skipif(importlib.util.find_spec("picows") is None, reason="picows not installed")
def test_auto_picks_picows_unless_an_option_needs_websockets() -> None:
    """auto -> picows where installed; compression or a proxy -> websockets."""
    assert type(get_connector("auto")).__name__ == "PicowsConnector"
    assert type(get_connector("auto", compression=True)).__name__ == "WebsocketsConnector"
    assert type(get_connector("auto", proxy=True)).__name__ == "WebsocketsConnector"
