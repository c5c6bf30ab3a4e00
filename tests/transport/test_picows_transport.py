"""What only the picows transport does: refusals, lazy import, listener failures, repr."""

from __future__ import annotations

import asyncio
import gc
import subprocess
import sys
from typing import Any

import pytest
from servers import TestServer, frame
from transport_helpers import WAIT, Opener, Recorder, make_connector

from metis_env.api.errors import ConfigError
from metis_env.api.transport.base import Connector, OpenRequest
from silent_peer import silent_peer

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


@pytest.mark.parametrize("closer", ["client", "client-start", "server"])
async def test_picows_late_parser_error_is_retrieved(connector: Connector, closer: str) -> None:
    """Garbage after the closing handshake: picows keeps a parser error for
    wait_disconnected(); it is retrieved (by close() itself, or, after start_close() or when
    the peer closed first, by a callback on the future wait_disconnected() awaits), so
    asyncio never reports 'exception was never retrieved'."""
    loop = asyncio.get_running_loop()
    reports: list[dict[str, Any]] = []
    loop.set_exception_handler(lambda _loop, context: reports.append(context))
    try:
        close = frame(0x8, (1000).to_bytes(2, "big"))
        first = close if closer == "server" else b""
        async with silent_peer(first, answer=close + frame(0x3, b"")) as peer:  # + reserved op
            rec = Recorder()
            transport = await connector.open(OpenRequest(url=peer.url(), close_timeout=1.0), rec)
            if closer == "client":
                await asyncio.wait_for(transport.close(), WAIT)
            elif closer == "client-start":
                transport.start_close()
            assert (await rec.wait_closed())[0] == 1000
        del transport, rec
        # picows keeps the connection alive for its delayed disconnect after a parser error
        # (_DISCONNECT_AFTER_ERROR_DELAY, 10 ms); a leaked exception is reported when the
        # connection is collected after that. Bounded: 20 rounds of 10 ms.
        for _ in range(20):
            await asyncio.sleep(0.01)
            gc.collect()
            if reports:
                break
        assert [c.get("message") for c in reports] == []
    finally:
        loop.set_exception_handler(None)
