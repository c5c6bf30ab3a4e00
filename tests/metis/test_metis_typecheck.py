"""The exported TypeScript type-checks (tsc --strict) against the documented interfaces."""

from __future__ import annotations

import json
import subprocess
from pathlib import Path

from metis_helpers import ENVS

from metis_env.cli import find_examples_root
from metis_env.metis import export


def test_exported_folders_type_check(tmp_path: Path, node_dir: Path) -> None:
    """tsc --noEmit --strict finds no error in the exported example and test environments,
    with `@metis/api/WebSocketApi` typed from the seed's documented interface."""
    out = tmp_path / "target-env"
    export(find_examples_root(), out)
    export(ENVS, out)
    files = sorted(str(p) for p in out.rglob("*.ts"))
    config = {
        "compilerOptions": {
            "strict": True,
            "noEmit": True,
            "target": "es2022",
            "module": "commonjs",
            "moduleResolution": "node",
            "types": ["node"],
            "typeRoots": [str(node_dir / "node_modules" / "@types")],
            "skipLibCheck": True,
        },
        "files": [str(node_dir / "stand-ins" / "metis.d.ts"), *files],
    }
    (tmp_path / "tsconfig.json").write_text(json.dumps(config))
    tsc = node_dir / "node_modules" / "typescript" / "bin" / "tsc"
    result = subprocess.run(
        ["node", str(tsc), "-p", str(tmp_path / "tsconfig.json")],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    # bridge.ts, schema.ts and the targets of each: websocket-example, mission-example, test
    assert len(files) == (2 + 10) + (2 + 5) + (2 + 6)
