"""What only the picows transport does: refusals, lazy import, listener failures, repr."""

from __future__ import annotations

import subprocess
import sys
from typing import Any

import pytest
from servers import TestServer
from transport_helpers import WAIT, Opener, Recorder, make_connector

from metis_env.api.errors import ConfigError
from metis_env.api.transport.base import Connector, OpenRequest

pytest.importorskip("picows", reason="picows is not installed (extra 'fast')")


@pytest.fixture
def connector() -> Connector:
    """Only picows here."""
    return make_connector("picows")


async def test_compression_is_refused(connector: Connector) -> None:
    """compression=True is a ConfigError that points at the websockets transport."""
    with pytest.raises(ConfigError) as info:
        await connector.open(OpenRequest(url="ws://127.0.0.1:9/", compression=True), Recorder())
    assert info.value.key == "compression"
    assert "use transport 'websockets'" in str(info.value)


async def test_proxy_is_refused(connector: Connector) -> None:
    """A proxy is a ConfigError that points at the websockets transport."""
    request = OpenRequest(url="ws://127.0.0.1:9/", proxy="http://127.0.0.1:3128")
    with pytest.raises(ConfigError) as info:
        await connector.open(request, Recorder())
    assert info.value.key == "proxy"
    assert "use transport 'websockets'" in str(info.value)


async def test_missing_picows_names_the_extra(
    connector: Connector, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Without picows installed, open() raises ConfigError naming metis-env[fast]."""
    import metis_env.api.transport.picows_transport as module

    monkeypatch.setattr(module, "_listener_cls", None)
    monkeypatch.setitem(sys.modules, "picows", None)  # makes `import picows` fail
    with pytest.raises(ConfigError) as info:
        await connector.open(OpenRequest(url="ws://127.0.0.1:9/"), Recorder())
    assert info.value.key == "transport"
    assert "metis-env[fast]" in str(info.value)


def test_module_import_does_not_import_picows() -> None:
    """Importing the transport module leaves picows unimported (it is an optional extra)."""
    code = (
        "import sys, metis_env.api.transport.picows_transport as m; "
        "assert 'picows' not in sys.modules, 'picows imported eagerly'; "
        "assert m.PicowsConnector.name == 'picows'"
    )
    done = subprocess.run(
        [sys.executable, "-c", code], capture_output=True, text=True, timeout=20, check=False
    )
    assert done.returncode == 0, done.stderr


async def test_repr_shows_url_and_state(server: TestServer, open_ws: Opener) -> None:
    """repr names the URL and the state, before and after closing."""
    transport, rec = await open_ws(server.url("/echo"))
    assert repr(transport) == f"<PicowsTransport {server.url('/echo')} OPEN>"
    await transport.close()
    assert repr(transport) == f"<PicowsTransport {server.url('/echo')} CLOSED>"
    assert rec.close_events() == [("close", 1000, "", None)]


async def test_listener_error_fails_with_1011(server: TestServer, open_ws: Opener) -> None:
    """A listener that raises fails the connection with 1011; on_close carries the error."""
    transport, rec = await open_ws(server.url("/echo"))
    boom = RuntimeError("listener bug")

    def broken(data: Any) -> None:
        raise boom

    rec.on_message = broken  # type: ignore[method-assign]
    await transport.send_text("trigger")
    code, _, error = await rec.wait_closed()
    assert error is boom
    assert code == 1011
    assert (await server.next_close()).code == 1011


async def test_bad_close_arguments_are_config_errors(server: TestServer, open_ws: Opener) -> None:
    """Unsendable close codes, long reasons and long pings are refused before the wire."""
    transport, rec = await open_ws(server.url("/echo"))
    with pytest.raises(ConfigError):
        await transport.close(1006)
    with pytest.raises(ConfigError):
        await transport.close(1000, "x" * 124)
    with pytest.raises(ConfigError):
        await transport.ping(bytes(126))
    await transport.send_text("still open")
    assert await rec.next_message(WAIT) == "still open"
