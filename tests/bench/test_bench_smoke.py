"""Smoke test of the benchmark harness: its tiniest run, end to end, in a subprocess."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path
from typing import Any

import pytest

ROOT = Path(__file__).resolve().parents[2]
RUN = ROOT / "benchmarks" / "run.py"
CLIENTS = ("raw_tcp", "websockets")
SCENARIOS = ("sequential", "pipelined")


def _run_tiny(tmp_path: Path) -> tuple[subprocess.CompletedProcess[str], dict[str, Any], str]:
    results, raw = tmp_path / "RESULTS.md", tmp_path / "results.json"
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [
            sys.executable,
            str(RUN),
            "--quick",
            "--n-scale",
            "0.01",
            "--clients",
            ",".join(CLIENTS),
            "--scenarios",
            ",".join(SCENARIOS),
            "--budget",
            "12",
            "--results",
            str(results),
            "--json",
            str(raw),
        ],
        capture_output=True,
        text=True,
        timeout=15,
        env=env,
        cwd=tmp_path,
    )
    return done, json.loads(raw.read_text(encoding="utf-8")), results.read_text(encoding="utf-8")


def test_tiny_run_prints_tables_and_writes_json(tmp_path: Path) -> None:
    """A --quick run at 1% N succeeds, prints one table per scenario and consistent JSON."""
    done, data, markdown = _run_tiny(tmp_path)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == markdown.strip()
    assert "Sequential round trips (msg/s" in markdown
    assert "Pipelined text echo (msg/s" in markdown
    assert "| raw_tcp (floor) |" in markdown and "| websockets |" in markdown
    assert "× raw websockets" in markdown and "1.00×" in markdown
    assert data["machine"]["cores"] >= 1 and data["machine"]["python"].startswith("CPython")
    assert len(data["cells"]) == len(CLIENTS) * len(SCENARIOS)
    for cell in data["cells"]:
        assert cell["ok"] is True and cell["value"] > 0 and cell["elapsed_s"] > 0
    for scenario in SCENARIOS:
        rows = data["summary"][scenario]
        assert set(rows) == set(CLIENTS)
        for row in rows.values():
            assert row["min"] <= row["median"] <= row["max"] and row["median"] > 0
            ref = rows["websockets"]["median"]
            assert abs(row["ratios"]["websockets"] - row["median"] / ref) < 1e-9
            assert row["ratios"]["raw_tcp"] > 0
    seq = data["summary"]["sequential"]["websockets"]["extra"]
    assert 0 < seq["p50_us"] <= seq["p99_us"]
    # One progress line per cell on stderr.
    assert done.stderr.count("] sequential ") == len(CLIENTS)


def test_connect_cost_counts_calls_per_layer(tmp_path: Path) -> None:
    """connect_cost.py counts each client's Python calls per cycle, by layer, for real."""
    pytest.importorskip("picows", reason="raw picows is the reference (extra 'fast')")
    env = {
        **os.environ,
        "PYTHONPATH": os.pathsep.join([str(ROOT / "src"), os.environ.get("PYTHONPATH", "")]),
    }
    done = subprocess.run(
        [
            sys.executable,
            str(ROOT / "benchmarks" / "connect_cost.py"),
            "--n",
            "20",
            "--no-instructions",
        ],
        capture_output=True,
        text=True,
        timeout=60,
        env=env,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    rows = {
        line.split(" | ")[0].strip("| *"): line
        for line in done.stdout.splitlines()
        if line.startswith("| ")
    }
    ours = rows["metis-env client (options, core, driver, events, handles)"]
    cells = [float(c) for c in ours.strip("| ").split(" | ")[1:]]
    assert cells[0] == 0 and cells[1] == 0 and cells[2] > 0  # only metis runs our code
    total = [float(c) for c in rows["all"].strip("| ").split(" | ")[1:]]
    assert total[2] > total[0] > 0 and total[3] == round(total[2] - total[0], 1)
