"""The public face: every exported name exists, and the api's names are all re-exported."""

from __future__ import annotations

import builtins
import importlib

import pytest

import metis_env
import metis_env.api


@pytest.mark.parametrize("module", [metis_env, metis_env.api])
def test_every_exported_name_is_importable(module: object) -> None:
    """__all__ lists only names the package really has."""
    names = module.__all__  # type: ignore[attr-defined]
    assert len(names) == len(set(names))
    assert [n for n in names if not hasattr(module, n)] == []


@pytest.mark.parametrize("module", [metis_env, metis_env.api])
def test_no_exported_name_shadows_a_builtin(module: object) -> None:
    """`from metis_env.api import *` never hides a builtin (ConnectionRefusedError was one)."""
    names = module.__all__  # type: ignore[attr-defined]
    assert [n for n in names if hasattr(builtins, n)] == []


def test_api_reexports_the_public_modules_in_full() -> None:
    """Errors, events (payloads), states and the client are all reachable from metis_env.api."""
    for sub in ("errors", "state"):
        mod = importlib.import_module(f"metis_env.api.{sub}")
        assert set(mod.__all__) <= set(metis_env.api.__all__), sub


def test_version_matches_the_distribution() -> None:
    """One version string: the package's matches the installed metadata."""
    from importlib.metadata import version

    assert metis_env.__version__ == version("metis-env")
