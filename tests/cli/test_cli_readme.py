"""The README's first example runs as written, against the simulator."""

from __future__ import annotations

import subprocess
import sys

from cli_helpers import REPO, simulator_in_thread


def readme_example() -> str:
    text = (REPO / "README.md").read_text(encoding="utf-8")
    section = text.split("## A first example", 1)[1]
    return section.split("```python", 1)[1].split("```", 1)[0]


def test_readme_first_example_connects_sends_and_prints_the_reply() -> None:
    """Only the port changes (the simulator listens on a free one)."""
    code = readme_example()
    assert '"port": 8765' in code
    with simulator_in_thread() as sim:
        code = code.replace('"port": 8765', f'"port": {sim.port}')
        done = subprocess.run(
            [sys.executable, "-c", code], capture_output=True, text=True, timeout=30, check=False
        )
        hello = [m.data for m in sim.received if isinstance(m.data, dict)]
    assert done.returncode == 0, done.stderr
    assert done.stdout.splitlines() == [
        "connected",
        "received {'type': 'welcome', 'server': 'metis-env simulator', 'version': '1.0'}",
    ]
    assert hello == [{"type": "hello", "data": "Hello from METIS!"}]
