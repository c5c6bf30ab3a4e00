"""Fault-suite summary; client tests opt in to both transports via the root `transport_name`."""

from __future__ import annotations

import pytest


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the fault suite exercised (faults survived, inputs tried, messages)."""
    from fault_helpers import COUNTS

    if COUNTS:
        terminalreporter.write_sep("-", "fault suite counts")
        for kind, n in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{kind}: {n}")
