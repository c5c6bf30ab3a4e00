"""The arrows of DESIGN.md's layout, checked on the source: nothing reaches across layers."""

from __future__ import annotations

import ast
from pathlib import Path

SRC = Path(__file__).resolve().parents[1] / "src" / "metis_env"
WIRE_LIBRARIES = {"websockets", "picows", "aiohttp"}


def imports_of(path: Path) -> set[str]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_only_transport_modules_import_a_websocket_library() -> None:
    """Above the seam nothing imports websockets/picows (the simulator is a server, allowed)."""
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(("api/transport/", "simulator/")) and not rel.endswith("base.py"):
            continue
        libs = {name.split(".")[0] for name in imports_of(path)} & WIRE_LIBRARIES
        if libs:
            offenders.append(f"{rel}: {sorted(libs)}")
    assert offenders == []


def test_api_imports_nothing_of_ours_outside_api() -> None:
    """api is the bottom layer (apart from the package's version string)."""
    assert (SRC / "_version.py").exists()
    offenders = []
    for path in (SRC / "api").rglob("*.py"):
        for name in imports_of(path):
            if name.startswith("metis_env.") and not name.startswith(
                ("metis_env.api", "metis_env._version")
            ):
                offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert offenders == []


def test_simulator_uses_only_the_codec_errors_and_secrets_of_ours() -> None:
    """simulator -> api.codec (and api.errors, api.secrets for transcripts) only."""
    offenders = []
    for path in (SRC / "simulator").rglob("*.py"):
        for name in imports_of(path):
            if (
                name.startswith("metis_env.")
                and name
                not in {
                    "metis_env.api.codec",
                    "metis_env.api.errors",
                    "metis_env.api.secrets",
                }
                and not name.startswith("metis_env.simulator")
            ):
                offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert offenders == []


def test_schema_and_runtime_never_import_cli_or_simulator() -> None:
    """cli -> runtime -> schema, api: nothing points back up."""
    offenders = []
    for layer in ("schema", "runtime"):
        for path in (SRC / layer).rglob("*.py"):
            for name in imports_of(path):
                if name.startswith(("metis_env.cli", "metis_env.simulator")):
                    offenders.append(f"{path.relative_to(SRC)}: {name}")
                if layer == "schema" and name.startswith("metis_env.runtime"):
                    offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert offenders == []
