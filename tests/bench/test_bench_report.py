"""The benchmark harness's pure parts: slice medians, summaries, ratios and target checks."""

from __future__ import annotations

import sys
from pathlib import Path
from typing import Any

BENCH = Path(__file__).resolve().parents[2] / "benchmarks"
if str(BENCH) not in sys.path:
    sys.path.insert(0, str(BENCH))

from report import (  # type: ignore[import-not-found,unused-ignore]  # noqa: E402
    check_issue10,
    check_targets,
    render_markdown,
    summarise,
)
from scenarios import _sliced_rate  # type: ignore[import-not-found,unused-ignore]  # noqa: E402


def _cell(client: str, scenario: str, value: float, **extra: float) -> dict[str, Any]:
    return {
        "ok": True,
        "client": client,
        "scenario": scenario,
        "value": value,
        "unit": "msg/s",
        "extra": extra,
    }


def test_sliced_rate_ignores_one_slow_slice() -> None:
    """A burst that slows one of five slices does not move the reported rate."""
    times = [1_000] * 400 + [50_000] * 100  # the last slice is 50x slower
    assert _sliced_rate(times) == 1e6


def test_summary_medians_ranges_and_ratios() -> None:
    """Medians, min-max and ratios to each reference client come out of raw cells."""
    cells = (
        [_cell("picows", "pipelined", v) for v in (100.0, 300.0, 200.0)]
        + [_cell("websockets", "pipelined", v) for v in (50.0, 40.0, 60.0)]
        + [{"ok": False, "client": "metis", "scenario": "pipelined", "error": "x"}]
    )
    rows = summarise(cells)["pipelined"]
    assert rows["picows"]["median"] == 200.0 and rows["picows"]["min"] == 100.0
    assert rows["picows"]["max"] == 300.0 and rows["picows"]["runs"] == 3
    assert rows["picows"]["ratios"] == {"picows": 1.0, "websockets": 4.0}
    assert "metis" not in rows


def test_targets_and_markdown_report_met_and_missed() -> None:
    """A client at 0.95x picows meets the pipelined 0.9x target and misses the 1.5x one."""
    cells = [
        _cell("picows", "pipelined", 100.0),
        _cell("websockets", "pipelined", 80.0),
        _cell("metis", "pipelined", 95.0),
    ]
    summary = summarise(cells)
    checks = {c["target"]: c for c in check_targets(summary, ["metis"])}
    assert checks["pipelined ≥ 0.9× raw picows"]["met"] is True
    assert checks["pipelined ≥ 1.5× raw websockets"]["met"] is False
    assert checks["memory ≤ 1× raw websockets"]["ratio"] is None
    machine = {
        "platform": "p",
        "cpu": "c",
        "cores": 2,
        "cores_usable": 2,
        "load_average": [0.0],
        "python": "CPython",
        "versions": {},
        "date": "d",
        "command": "cmd",
    }
    text = render_markdown(
        machine,
        summary,
        ["pipelined"],
        ["picows", "metis", "aiohttp"],
        {("pipelined", "aiohttp"): "skipped: not installed"},
        list(checks.values()),
    )
    assert "| metis | 95.0 | 95.0–95.0 | 0.95× | 1.19× | — | — | 1 |" in text
    assert "| aiohttp | — | skipped: not installed |" in text
    assert "0.95× met" in text and "1.19× MISSED" in text


def test_issue10_table_against_node_and_startup() -> None:
    """Issue 10's rows divide by METIS on Node, raw picows or the asyncio floor, and judge."""
    cells = [
        _cell("node-metis", "pipelined", 100.0),
        {**_cell("metis", "pipelined", 120.0), "transport": "picows"},
        _cell("metis-websockets", "pipelined", 70.0),
        _cell("picows", "handshakes", 1000.0),
        _cell("node-metis", "handshakes", 500.0),
        _cell("metis", "handshakes", 850.0),
    ]
    startup = {
        "asyncio": {
            "label": "asyncio",
            "median_ms": 60.0,
            "min_ms": 50.0,
            "max_ms": 70.0,
            "ratio": 1.0,
            "runs": 3,
        },
        "api": {
            "label": "import api",
            "median_ms": 66.0,
            "min_ms": 60.0,
            "max_ms": 80.0,
            "ratio": 1.1,
            "runs": 3,
        },
        "help": {"label": "metis-env --help", "error": "not found"},
    }
    rows = check_issue10(summarise(cells), startup)
    by = {(r["measure"], r["reference"]): r for r in rows}
    default = by["pipelined msg/s, default install", "node-metis"]
    assert default["ratio"] == 1.2 and default["met"] is True and default["transport"] == "picows"
    fallback = by["pipelined msg/s, without picows", "node-metis"]
    assert fallback["ratio"] == 0.7 and fallback["met"] is None  # information only
    assert by["handshakes/s, sequential", "picows"]["met"] is False  # 0.85 < 0.9
    assert by["handshakes/s, sequential", "node-metis"]["met"] is True  # 1.7 >= 1.5
    assert by["idle KiB/conn at N=1,000", "node-metis"]["met"] is None  # no data
    assert by["start-up: import api", "asyncio"]["met"] is True
    assert by["start-up: metis-env --help", "asyncio"]["met"] is None  # it could not run
    machine = {
        "platform": "p",
        "cpu": "c",
        "cores": 2,
        "cores_usable": 2,
        "load_average": [0.0],
        "python": "CPython",
        "versions": {},
        "date": "d",
        "command": "cmd",
    }
    text = render_markdown(machine, summarise(cells), [], [], {}, [], startup, rows)
    assert "| pipelined msg/s, default install | 120 msg/s (`metis`, picows) | " in text
    assert "1.20× METIS on Node | ≥ 1× METIS on Node | met |" in text
    assert "| — (information) | info |" in text
    assert "| metis-env --help | — | not found | — | 0 |" in text
