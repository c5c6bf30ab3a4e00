"""Fault tests that drive a client run once per transport (modules opt in with usefixtures)."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import metis_env.api.transport as transport_module


@pytest.fixture(params=["websockets", "picows"])
def transport_name(request: pytest.FixtureRequest) -> Iterator[str]:
    """Make transport 'auto' resolve to each transport in turn."""
    previous = transport_module.AUTO_PREFERENCE
    transport_module.AUTO_PREFERENCE = request.param
    try:
        yield request.param
    finally:
        transport_module.AUTO_PREFERENCE = previous


def pytest_terminal_summary(terminalreporter: pytest.TerminalReporter) -> None:
    """Print what the fault suite exercised (faults survived, inputs tried, messages)."""
    from fault_helpers import COUNTS

    if COUNTS:
        terminalreporter.write_sep("-", "fault suite counts")
        for kind, n in sorted(COUNTS.items()):
            terminalreporter.write_line(f"{kind}: {n}")
