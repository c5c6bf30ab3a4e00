"""Fixtures of the transport conformance suite: connectors, servers, a recording listener.

Every test that takes ``connector`` runs once per transport (STYLE.md §14). A transport whose
module is not importable on this branch, or whose library is missing, is skipped with the
reason, never silently dropped.
"""

from __future__ import annotations

import ssl
from collections.abc import AsyncIterator
from typing import Any

import pytest
import trustme
from servers import TestServer, run_server
from transport_helpers import CONNECTORS, WAIT, Opener, Recorder, make_connector

from metis_env.api.transport.base import Connector, OpenRequest, Transport


@pytest.fixture(params=sorted(CONNECTORS))
def connector(request: pytest.FixtureRequest) -> Connector:
    """Each transport in turn."""
    return make_connector(request.param)


@pytest.fixture
async def server() -> AsyncIterator[TestServer]:
    """A plain ws:// test server."""
    async with run_server() as running:
        yield running


@pytest.fixture(scope="session")
def ca() -> trustme.CA:
    """A throwaway certificate authority."""
    return trustme.CA()


@pytest.fixture
async def tls_server(ca: trustme.CA) -> AsyncIterator[TestServer]:
    """A wss:// test server whose certificate ``ca`` signed (for 127.0.0.1 and localhost)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    ca.issue_cert("127.0.0.1", "localhost").configure_cert(context)
    async with run_server(context) as running:
        yield running


@pytest.fixture
async def open_ws(connector: Connector) -> AsyncIterator[Opener]:
    """Open connections with the transport under test; abort leftovers at teardown."""
    opened: list[Transport] = []

    async def opener(url: str, **options: Any) -> tuple[Transport, Recorder]:
        options.setdefault("open_timeout", WAIT)
        options.setdefault("close_timeout", 0.5)
        recorder = Recorder()
        transport = await connector.open(OpenRequest(url=url, **options), recorder)
        opened.append(transport)
        return transport, recorder

    yield opener
    for transport in opened:
        transport.abort()
