"""Choosing a transport: what ``auto`` resolves to, and per-connect work done only once."""

from __future__ import annotations

from collections.abc import Iterator

import pytest

import metis_env.api.transport as transport_module
from metis_env.api.errors import ConfigError
from metis_env.api.transport import get_connector
from metis_env.api.transport._tls import default_context


@pytest.fixture(autouse=True)
def no_preference() -> Iterator[None]:
    """'auto' as users get it (the client suite pins it per transport)."""
    previous = transport_module.AUTO_PREFERENCE
    transport_module.AUTO_PREFERENCE = None
    try:
        yield
    finally:
        transport_module.AUTO_PREFERENCE = previous


def test_auto_prefers_picows_unless_an_option_needs_websockets() -> None:
    """picows when installed; websockets for compression or a proxy."""
    pytest.importorskip("picows", reason="picows is not installed (extra 'fast')")
    assert get_connector("auto").name == "picows"
    assert get_connector("auto", compression=True).name == "websockets"
    assert get_connector("auto", proxy=True).name == "websockets"


def test_connectors_are_shared() -> None:
    """Connectors hold no state: every client gets the same one, built once."""
    assert get_connector("websockets") is get_connector("websockets")


def test_unknown_transport_is_a_config_error() -> None:
    """A name that is no transport says which names are."""
    with pytest.raises(ConfigError) as info:
        get_connector("carrier-pigeon")
    assert info.value.key == "transport"
    assert "'auto', 'websockets' or 'picows'" in str(info.value)


def test_default_tls_context_is_built_once() -> None:
    """wss:// without a caller's context shares one verifying context (no CA load per connect)."""
    context = default_context()
    assert context is default_context()
    assert context.check_hostname and context.verify_mode.name == "CERT_REQUIRED"
