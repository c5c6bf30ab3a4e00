"""A secret in the query, the headers and the config never appears in any output."""

from __future__ import annotations

import asyncio

import pytest
from feature_servers import LIMIT, client, ignore, ws_server

from log_capture import LogCapture
from metis_env.api import ErrorEvent, WebSocketApi, WebSocketApiOptions
from metis_env.api.logs import redacted_url

SECRET = "s3cr3t-Value-7781"


def test_redacted_url_hides_secret_query_values_and_passwords() -> None:
    """token/api_key values and URL passwords read ***; other parameters stay."""
    url = f"ws://u:{SECRET}@h:80/ws?token={SECRET}&room=1&api_key={SECRET}&flag"
    assert redacted_url(url) == "ws://u:***@h:80/ws?token=***&room=1&api_key=***&flag"


async def refuse_401(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    await reader.readuntil(b"\r\n\r\n")
    writer.write(b"HTTP/1.1 401 Unauthorized\r\nContent-Length: 0\r\n\r\n")
    await writer.drain()
    writer.close()


async def test_a_secret_never_appears_in_logs_errors_or_reprs(
    all_logs: LogCapture, transport_name: str
) -> None:
    """DEBUG logs of every logger, error texts and reprs, stats: the secret is never shown."""
    outputs: list[str] = []
    config = {
        "query": {"token": SECRET, "room": "1"},
        "headers": {"Authorization": f"Bearer {SECRET}", "X-Trace": "t"},
        "apiKey": SECRET,
        "autoReconnect": False,
    }
    errors: list[BaseException] = []

    # 1. A server that refuses the upgrade with 401.
    refusing = await asyncio.start_server(refuse_401, "127.0.0.1", 0)
    port = refusing.sockets[0].getsockname()[1]
    ws = WebSocketApi.from_config(
        {**config, "host": "127.0.0.1", "port": port}, keep_alive_interval=0
    )
    ws.add_event_listener("error", lambda e: errors.append(e.error))
    with pytest.raises(Exception) as refused:
        await asyncio.wait_for(ws.connect(), LIMIT)
    errors.append(refused.value)
    refusing.close()
    await refusing.wait_closed()

    # 2. A real server: connect, time out a request, lose the connection.
    async with ws_server(ignore) as srv:
        ws2 = client(srv.port, **config)
        ws2.add_event_listener("error", lambda e: errors.append(e.error))
        closed = asyncio.Event()
        ws2.add_event_listener("close", lambda _e: closed.set())
        await ws2.connect()
        assert SECRET in srv.peers[0].path  # the secret really was used...
        assert srv.peers[0].headers["Authorization"] == f"Bearer {SECRET}"
        try:
            await ws2.request({"id": 1}, timeout=20)
        except Exception as exc:
            errors.append(exc)
        pending = ws2.request({"id": 2})
        srv.drop()
        await asyncio.wait_for(closed.wait(), LIMIT)
        try:
            await pending
        except Exception as exc:
            errors.append(exc)
        ws2.send("late").add_done_callback(lambda f: errors.append(f.exception()))  # type: ignore[arg-type]
        await asyncio.sleep(0)
        outputs += [repr(ws2), repr(ws2.options), str(ws2.options.redacted()), str(ws2.stats())]
        outputs += [ws2.redacted_url, repr(ws2.subscribe({"type": "s", "token": SECRET}))]

    outputs += [repr(ws), repr(WebSocketApiOptions.parse(config))]
    for error in errors:
        assert isinstance(error, BaseException)
        outputs += [str(error), repr(error), str(getattr(error, "url", ""))]
    assert len(errors) >= 4
    assert any("401" in str(e) for e in errors)
    assert any(isinstance(e, TimeoutError) for e in errors)
    log_text = all_logs.text()
    assert "token=***" in log_text  # the URL is logged, redacted
    if transport_name == "websockets":  # it logs the upgrade request at DEBUG, redacted
        assert "Authorization: ***" in log_text
    everything = log_text + "\n".join(outputs)
    assert SECRET not in everything
    assert "token=***" in repr(ws2)


async def test_error_event_and_close_texts_use_the_redacted_url(all_logs: LogCapture) -> None:
    """A connection lost in use reports the URL with the token hidden."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port, query=f"token={SECRET}&x=1", auto_reconnect=True)
        seen: list[ErrorEvent] = []
        ws.add_event_listener("error", seen.append)
        got = asyncio.Event()
        ws.add_event_listener("error", lambda _e: got.set())
        await ws.connect()
        srv.drop()
        await asyncio.wait_for(got.wait(), LIMIT)
        await ws.disconnect()
        texts = [str(e.error) for e in seen]
        assert texts and all(SECRET not in t for t in texts)
        assert SECRET not in all_logs.text()
