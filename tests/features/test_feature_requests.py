"""ws.request(): correlation, timeouts, drops, re-sending after reconnect, disconnect()."""

from __future__ import annotations

import asyncio
import json
from typing import Any

import pytest
from feature_servers import LIMIT, Peer, Server, client, ignore, opened, ws_server

from metis_env.api import (
    ClosedError,
    ConfigError,
    ConnectionClosedError,
    EncodeError,
    RequestTimeoutError,
)


async def test_reply_with_the_same_id_resolves_the_request() -> None:
    """The handle resolves with the reply's data; the request kept its id."""
    async with ws_server() as srv:
        ws = client(srv.port)
        await ws.connect()
        reply = await asyncio.wait_for(ws.request({"type": "request", "id": "a1"}), LIMIT)
        assert reply == {"type": "response", "id": "a1", "ok": True}
        assert srv.received == [{"type": "request", "id": "a1"}]
        await ws.disconnect()


async def test_missing_id_is_generated_on_a_copy() -> None:
    """A dict without the key gets a fresh id; the caller's dict is not changed."""
    async with ws_server() as srv:
        ws = client(srv.port)
        await ws.connect()
        message = {"type": "request"}
        reply = await asyncio.wait_for(ws.request(message), LIMIT)
        assert message == {"type": "request"}
        sent_id = srv.received[0]["id"]
        assert isinstance(sent_id, str) and len(sent_id) == 32
        assert reply["id"] == sent_id
        await ws.disconnect()


async def test_request_id_key_and_function_correlation() -> None:
    """correlation='requestId' and correlation=<function> both match their replies."""
    async with ws_server() as srv:
        ws = client(srv.port)
        await ws.connect()
        by_key = ws.request({"type": "request", "requestId": "r7"}, correlation="requestId")
        by_fn = ws.request(
            {"type": "request", "meta": {"ref": 9}},
            correlation=lambda m: m.get("meta", {}).get("ref") if isinstance(m, dict) else None,
        )
        assert (await asyncio.wait_for(by_key, LIMIT))["requestId"] == "r7"
        assert (await asyncio.wait_for(by_fn, LIMIT))["meta"] == {"ref": 9}
        await ws.disconnect()


async def test_replies_out_of_order_reach_their_own_requests() -> None:
    """Two requests answered in reverse order each get their own reply."""

    async def reverse(server: Server, peer: Peer, msg: Any) -> None:
        if len(peer.received) == 2:
            for m in reversed(peer.received):
                await peer.conn.send(json.dumps({"id": m["id"], "n": m["n"]}))

    async with ws_server(reverse) as srv:
        ws = client(srv.port)
        await ws.connect()
        first = ws.request({"id": 1, "n": "first"})
        second = ws.request({"id": 2, "n": "second"})
        results = await asyncio.wait_for(asyncio.gather(first, second), LIMIT)
        assert results == [{"id": 1, "n": "first"}, {"id": 2, "n": "second"}]
        await ws.disconnect()


async def test_matched_and_unmatched_replies_reach_message_listeners() -> None:
    """Listeners see the matched reply too, and a reply nobody asked for."""

    async def two_replies(server: Server, peer: Peer, msg: Any) -> None:
        await peer.conn.send(json.dumps({"id": "nobody"}))
        await peer.conn.send(json.dumps({"id": msg["id"]}))

    async with ws_server(two_replies) as srv:
        ws = client(srv.port)
        seen: list[Any] = []
        ws.add_event_listener("message", lambda e: seen.append(e.data))
        await ws.connect()
        assert await asyncio.wait_for(ws.request({"id": "mine"}), LIMIT) == {"id": "mine"}
        assert seen == [{"id": "nobody"}, {"id": "mine"}]
        assert ws.stats()["requests_completed"] == 1
        await ws.disconnect()


async def test_timeout_names_the_id_and_the_milliseconds() -> None:
    """No reply: RequestTimeoutError with the id and the timeout in ms; counted in stats."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port)
        await ws.connect()
        with pytest.raises(RequestTimeoutError) as info:
            await asyncio.wait_for(ws.request({"id": "slow-1"}, timeout=60), LIMIT)
        text = str(info.value)
        assert "id='slow-1'" in text and "60 ms" in text
        assert isinstance(info.value, TimeoutError)
        stats = ws.stats()
        assert stats["requests_timed_out"] == 1 and stats["requests_in_flight"] == 0
        await ws.disconnect()


async def test_a_drop_fails_in_flight_requests_at_once() -> None:
    """The connection breaks: the request fails with ConnectionClosedError long before timeout."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port, auto_reconnect=False)
        await ws.connect()
        pending = ws.request({"id": "x"}, timeout=30000)
        await srv.until(lambda: len(srv.received) == 1)
        srv.drop()
        with pytest.raises(ConnectionClosedError, match="id='x'"):
            await asyncio.wait_for(pending, LIMIT)


async def test_resend_on_reconnect_sends_again_and_resolves() -> None:
    """resend_on_reconnect=True: after a drop the request goes out again and gets its reply."""

    async def drop_first_time(server: Server, peer: Peer, msg: Any) -> None:
        if len(server.peers) == 1:
            server.drop(0)
        else:
            await peer.conn.send(json.dumps({"id": msg["id"], "attempt": len(server.peers)}))

    async with ws_server(drop_first_time) as srv:
        ws = client(srv.port)
        await ws.connect()
        kept = ws.request({"id": "k"}, resend_on_reconnect=True)
        lost = ws.request({"id": "l"})
        with pytest.raises(ConnectionClosedError):
            await asyncio.wait_for(lost, LIMIT)
        assert await asyncio.wait_for(kept, LIMIT) == {"id": "k", "attempt": 2}
        assert [m["id"] for m in srv.peers[1].received] == ["k"]
        await ws.disconnect()


async def test_disconnect_fails_pending_requests_with_closed_error() -> None:
    """disconnect() abandons every pending request at once."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port)
        await ws.connect()
        pending = ws.request({"id": "p"}, resend_on_reconnect=True)
        await ws.disconnect()
        with pytest.raises(ClosedError, match="disconnect"):
            await asyncio.wait_for(pending, LIMIT)
        assert ws.stats()["requests_in_flight"] == 0


async def test_a_queued_request_goes_out_on_connect() -> None:
    """Made while disconnected (queue on): sent when the connection opens, then resolved."""
    async with ws_server() as srv:
        ws = client(srv.port, queue_while_disconnected=True)
        pending = ws.request({"type": "request", "id": "q"})
        wait_open = opened(ws)
        await ws.connect()
        await wait_open(1)
        assert (await asyncio.wait_for(pending, LIMIT))["id"] == "q"
        await ws.disconnect()


async def test_send_failure_fails_the_request() -> None:
    """Not connected and no queue: the request fails like its send would."""
    async with ws_server() as srv:
        ws = client(srv.port)
        with pytest.raises(Exception, match="WebSocket is not connected"):
            await asyncio.wait_for(ws.request({"id": 1}), LIMIT)


async def test_bad_arguments_raise_config_errors() -> None:
    """Duplicate ids, non-dict messages, bad timeouts, unserialisable data are refused."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port)
        await ws.connect()
        first = ws.request({"id": "dup"})
        with pytest.raises(ConfigError, match="already used"):
            ws.request({"id": "dup"})
        with pytest.raises(ConfigError, match="must be a dict"):
            ws.request("text")
        with pytest.raises(ConfigError, match="positive"):
            ws.request({"id": 2}, timeout=0)
        with pytest.raises(EncodeError):
            ws.request({"id": 3, "bad": object()})
        assert ws.stats()["requests_in_flight"] == 1
        await ws.disconnect()
        with pytest.raises(ClosedError):
            await first
