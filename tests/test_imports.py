"""Start-up: what each entry point imports, checked in a fresh interpreter (issue 10).

`import metis_env.api` loads no runtime, simulator, CLI, Rich or Typer (nor pydantic: the
names are imported on first access); importing the client builds no pydantic schema;
`metis-env --help` and `metis-env run` load only what their verb needs. Behaviour, not
timing: the times are `make bench`'s business (benchmarks/startup.py).
"""

from __future__ import annotations

import json
import subprocess
import sys
import textwrap

import pytest

LAYERS = ("metis_env.runtime", "metis_env.simulator", "metis_env.cli", "metis_env.schema")
UI_LIBRARIES = ("rich", "typer", "click")
WIRE_LIBRARIES = ("websockets", "picows", "aiohttp")


def modules_after(code: str) -> set[str]:
    """Run ``code`` in a fresh interpreter; the names in its ``sys.modules`` afterwards."""
    script = textwrap.dedent(code) + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))\n"
    done = subprocess.run(
        [sys.executable, "-c", script], capture_output=True, text=True, timeout=60, check=False
    )
    assert done.returncode == 0, done.stderr
    loaded: list[str] = json.loads(done.stdout.strip().splitlines()[-1])
    return set(loaded)


def cli_modules_after(*argv: str) -> set[str]:
    """What the ``metis-env`` console script has imported once ``argv`` has run."""
    return modules_after(
        f"""
        import sys
        sys.argv = ["metis-env", *{list(argv)!r}]
        from metis_env.cli import main
        try:
            main()
        except SystemExit:
            pass
        """
    )


def under(modules: set[str], *packages: str) -> list[str]:
    """The loaded modules that are one of ``packages`` or inside one."""
    return sorted(m for m in modules if m.split(".")[0] in packages or m.startswith(packages))


def test_import_api_loads_only_the_api() -> None:
    """`import metis_env.api` loads no other layer, no UI library, no pydantic, no asyncio."""
    loaded = modules_after("import metis_env.api")
    assert under(loaded, *LAYERS, *UI_LIBRARIES, *WIRE_LIBRARIES) == []
    assert under(loaded, "pydantic", "asyncio") == []


def test_import_client_loads_no_other_layer_and_builds_no_schema() -> None:
    """Importing WebSocketApi loads no other layer or wire library; options build no schema."""
    loaded = modules_after(
        """
        from metis_env.api import WebSocketApi, WebSocketApiOptions
        assert not WebSocketApiOptions.__pydantic_complete__, "schema built at import"
        WebSocketApi(host="127.0.0.1", port=9)  # options are validated without the schema
        assert not WebSocketApiOptions.__pydantic_complete__, "schema built by __init__"
        """
    )
    assert "metis_env.api.websocket" in loaded
    assert under(loaded, *LAYERS, *UI_LIBRARIES, *WIRE_LIBRARIES) == []


def test_top_level_package_is_lazy_but_complete() -> None:
    """`import metis_env` loads nothing else, and every exported name still resolves."""
    loaded = modules_after("import metis_env")
    assert under(loaded, *LAYERS, "metis_env.api.websocket", *UI_LIBRARIES, "pydantic") == []
    loaded = modules_after(
        """
        import metis_env
        missing = [n for n in metis_env.__all__ if getattr(metis_env, n, None) is None]
        assert missing == [], missing
        assert metis_env.api.WebSocketApi is metis_env.WebSocketApi  # subpackages as before
        assert metis_env.runtime.run_target is metis_env.run_target
        assert "WebSocketApi" in dir(metis_env) and "importlib" not in dir(metis_env)
        """
    )
    assert "metis_env.simulator" in loaded


def test_help_loads_no_runtime_simulator_or_client() -> None:
    """`metis-env --help` imports the CLI and Typer only: no runtime, simulator, asyncio."""
    loaded = cli_modules_after("--help")
    assert "metis_env.cli.app" in loaded
    layers = ("metis_env.runtime", "metis_env.simulator", "metis_env.schema")
    assert under(loaded, *layers, "metis_env.api.websocket", *WIRE_LIBRARIES) == []
    assert under(loaded, "pydantic", "asyncio") == []
    assert under(loaded, "metis_env.cli.catalog", "metis_env.cli.demo") == []


@pytest.mark.parametrize(
    ("argv", "needs", "not_needed"),
    [
        (
            ("run", "/nonexistent-root", "env", "target"),
            "metis_env.runtime",
            ("metis_env.simulator", "metis_env.cli.demo", "metis_env.cli.catalog"),
        ),
        (
            ("list", "/nonexistent-root"),
            "metis_env.cli.catalog",
            ("metis_env.simulator", "metis_env.cli.demo"),
        ),
    ],
)
def test_each_verb_imports_what_it_needs(
    argv: tuple[str, ...], needs: str, not_needed: tuple[str, ...]
) -> None:
    """A verb loads its own modules and none of another verb's (run: no simulator)."""
    loaded = cli_modules_after(*argv)
    assert needs in loaded
    assert under(loaded, *not_needed, *WIRE_LIBRARIES) == []
