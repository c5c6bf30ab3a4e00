"""The package's public face, and its place in the layers (DESIGN.md: runtime → missions)."""

from __future__ import annotations

import ast
import importlib
from pathlib import Path

import metis_env.missions as missions

PACKAGE = Path(missions.__file__).parent
PUBLIC = ["applying", "changes", "commands", "errors", "loader", "mission", "model", "resolve"]
PUBLIC += ["snapshot", "triggers", "views"]


def test_all_is_the_union_of_the_public_modules() -> None:
    """metis_env.missions.__all__ == the union of its public submodules' __all__."""
    union: set[str] = set()
    for name in PUBLIC:
        union |= set(importlib.import_module(f"metis_env.missions.{name}").__all__)
    assert set(missions.__all__) == union
    assert len(missions.__all__) == len(set(missions.__all__))
    assert [n for n in missions.__all__ if not hasattr(missions, n)] == []


def test_missions_import_only_api_errors_from_outside() -> None:
    """A pure package: of ours, only metis_env.api.errors; no asyncio, no runtime."""
    offenders = []
    for path in PACKAGE.rglob("*.py"):
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            names: list[str] = []
            if isinstance(node, ast.Import):
                names = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                names = [node.module]
            for name in names:
                ours = name.startswith("metis_env.")
                if (
                    ours
                    and not name.startswith("metis_env.missions")
                    and name != "metis_env.api.errors"
                ) or name == "asyncio":
                    offenders.append(f"{path.name}: {name}")
    assert offenders == []


def test_every_module_stays_small() -> None:
    """One job per file: under ~400 lines each."""
    sizes = {p.name: len(p.read_text().splitlines()) for p in PACKAGE.glob("*.py")}
    assert {n: s for n, s in sizes.items() if s > 400} == {}


def test_the_builtin_mission_ships_as_package_data() -> None:
    """The default of `run --mission` is inside the package."""
    assert (PACKAGE / "data" / "builtin.metis.json").is_file()
