"""metis sits beside runtime: it imports no cli and no simulator, and only the bridge a server."""

from __future__ import annotations

import ast
from pathlib import Path

METIS = Path(__file__).resolve().parents[2] / "src" / "metis_env" / "metis"


def imports_of(path: Path) -> set[str]:
    found: set[str] = set()
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
            found.add(node.module)
    return found


def test_metis_points_one_way() -> None:
    """cli -> metis -> runtime, schema, api: never back to cli, never into the simulator, and
    the WebSocket server library only in bridge.py."""
    offenders = []
    for path in sorted(METIS.rglob("*.py")):
        for name in imports_of(path):
            if name.startswith(("metis_env.cli", "metis_env.simulator")):
                offenders.append(f"{path.name}: {name}")
            if name.split(".")[0] in {"websockets", "picows"} and path.name != "bridge.py":
                offenders.append(f"{path.name}: {name}")
    assert offenders == []
    assert "websockets.asyncio.server" in imports_of(METIS / "bridge.py")
