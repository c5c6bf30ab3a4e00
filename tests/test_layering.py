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
    """Above the seam nothing imports websockets/picows (the simulator and the METIS bridge are
    servers, allowed)."""
    offenders = []
    for path in SRC.rglob("*.py"):
        rel = path.relative_to(SRC).as_posix()
        if rel.startswith(("api/transport/", "simulator/")) and not rel.endswith("base.py"):
            continue
        if rel == "metis/bridge.py":
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


def _module_name(path: Path) -> str:
    rel = path.relative_to(SRC.parent).with_suffix("")
    parts = list(rel.parts)
    if parts[-1] == "__init__":
        parts.pop()
    return ".".join(parts)


def api_import_graph() -> dict[str, set[str]]:
    """Module -> the modules of ``metis_env.api`` it imports, anywhere in the file.

    Imports under ``if TYPE_CHECKING:`` and inside functions count: a cycle hidden there is
    still a cycle of knowledge between the modules.
    """
    modules = {_module_name(p): p for p in (SRC / "api").rglob("*.py")}
    graph: dict[str, set[str]] = {name: set() for name in modules}
    for name, path in modules.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for node in ast.walk(tree):
            targets: list[str] = []
            if isinstance(node, ast.Import):
                targets = [alias.name for alias in node.names]
            elif isinstance(node, ast.ImportFrom) and node.module and node.level == 0:
                for alias in node.names:
                    full = f"{node.module}.{alias.name}"
                    targets.append(full if full in modules else node.module)
            for target in targets:
                if target in modules and target != name:
                    graph[name].add(target)
    return graph


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import cycle of ``graph`` (as a path that returns to its start), or None."""
    colour: dict[str, int] = dict.fromkeys(graph, 0)  # 0 new, 1 on the path, 2 done
    path: list[str] = []

    def visit(node: str) -> list[str] | None:
        colour[node] = 1
        path.append(node)
        for nxt in sorted(graph[node]):
            if colour[nxt] == 1:
                return [*path[path.index(nxt) :], nxt]
            if colour[nxt] == 0:
                found = visit(nxt)
                if found:
                    return found
        path.pop()
        colour[node] = 2
        return None

    for start in sorted(graph):
        if colour[start] == 0:
            found = visit(start)
            if found:
                return found
    return None


def test_find_cycle_finds_a_planted_cycle() -> None:
    """The checker itself can fail: a planted cycle is reported."""
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}}) == ["a", "b", "c", "a"]
    assert find_cycle({"a": {"b"}, "b": set()}) is None


def test_no_import_cycle_inside_api() -> None:
    """Inside api no module imports another in a circle (TYPE_CHECKING imports included)."""
    assert find_cycle(api_import_graph()) is None


def test_api_features_never_import_the_client() -> None:
    """Features attach through the port: none imports the client, its driver or its core."""
    graph = api_import_graph()
    client_side = {"metis_env.api.websocket", "metis_env.api.driver"}
    for feature in ("requests", "waiting", "subscriptions", "features", "outbox", "keepalive"):
        assert not graph[f"metis_env.api.{feature}"] & client_side, feature


def test_nothing_below_imports_the_pytest_plugin() -> None:
    """testing -> runtime, simulator; nothing points back at testing (or at pytest)."""
    offenders = []
    for layer in ("api", "schema", "runtime", "simulator"):
        for path in (SRC / layer).rglob("*.py"):
            for name in imports_of(path):
                if name.startswith(("metis_env.testing", "pytest")):
                    offenders.append(f"{path.relative_to(SRC)}: {name}")
    assert offenders == []
