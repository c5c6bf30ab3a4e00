"""The schema and runtime packages re-export exactly their submodules' public names."""

from __future__ import annotations

import importlib
import pkgutil

import pytest


@pytest.mark.parametrize("package_name", ["metis_env.schema", "metis_env.runtime"])
def test_package_all_is_union_of_submodules(package_name: str) -> None:
    """__all__ of the package equals the union of its submodules' __all__."""
    package = importlib.import_module(package_name)
    names: set[str] = set()
    for info in pkgutil.iter_modules(package.__path__):
        names |= set(importlib.import_module(f"{package_name}.{info.name}").__all__)
    assert set(package.__all__) == names
    assert all(hasattr(package, name) for name in package.__all__)
