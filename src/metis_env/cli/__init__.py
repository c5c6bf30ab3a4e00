"""``metis-env``: the command line (Typer parses, commands return results, Rich renders).

Only `app` (the Typer app) is imported with the package; every other name is imported on
first access (PEP 562 ``__getattr__``), so the console script, which imports this package
first, does not load the runtime, the simulator or Rich before a verb needs them.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from metis_env.cli.app import app, main, parse_overrides

if TYPE_CHECKING:
    from metis_env.cli.catalog import build_check, build_list, config_problems
    from metis_env.cli.demo import DEMO_EXAMPLES, find_examples_root, run_demo
    from metis_env.cli.results import (
        CheckReport,
        DemoReport,
        DemoRow,
        ListReport,
        RunReport,
    )
    from metis_env.cli.ui import Ui, output_json, output_line

__all__ = [
    "DEMO_EXAMPLES",
    "CheckReport",
    "DemoReport",
    "DemoRow",
    "ListReport",
    "RunReport",
    "Ui",
    "app",
    "build_check",
    "build_list",
    "config_problems",
    "find_examples_root",
    "main",
    "output_json",
    "output_line",
    "parse_overrides",
    "run_demo",
]

#: The module each lazily imported name comes from (relative to this package).
_SOURCES = {
    **dict.fromkeys(("build_check", "build_list", "config_problems"), "catalog"),
    **dict.fromkeys(("DEMO_EXAMPLES", "find_examples_root", "run_demo"), "demo"),
    **dict.fromkeys(("CheckReport", "DemoReport", "DemoRow", "ListReport", "RunReport"), "results"),
    **dict.fromkeys(("Ui", "output_json", "output_line"), "ui"),
}


def __getattr__(name: str) -> Any:
    """Import ``name`` from its module on first access, then keep it in this namespace."""
    module = _SOURCES.get(name)
    if module is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(f"{__name__}.{module}"), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, loaded or not, and the module's own dunders."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
