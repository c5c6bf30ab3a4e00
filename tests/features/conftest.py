"""Every feature test runs once per transport: the features sit above the seam."""

from __future__ import annotations

import pytest


@pytest.fixture(autouse=True)
def _each_transport(transport_name: str) -> str:
    """Use the shared `transport_name` fixture for every test in this folder."""
    return transport_name
