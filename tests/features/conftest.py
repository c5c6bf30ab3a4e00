"""Every feature test runs once per transport: the features sit above the seam."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import metis_env.api.transport as transport_module


@pytest.fixture(params=["websockets", "picows"], autouse=True)
def transport_name(request: pytest.FixtureRequest) -> Iterator[str]:
    """Make transport 'auto' resolve to each transport in turn."""
    previous = transport_module.AUTO_PREFERENCE
    transport_module.AUTO_PREFERENCE = request.param
    try:
        yield request.param
    finally:
        transport_module.AUTO_PREFERENCE = previous
