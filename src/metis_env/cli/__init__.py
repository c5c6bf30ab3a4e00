"""``metis-env``: the command line (Typer parses, commands return results, Rich renders)."""

from metis_env.cli.app import app, main, parse_overrides
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
