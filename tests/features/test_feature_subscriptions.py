"""Subscriptions and open hooks across reconnects: order and exactly-once, against a server."""

from __future__ import annotations

import asyncio
import json
from typing import Any

from feature_servers import LIMIT, Peer, Server, client, ignore, opened, ws_server

from metis_env.api import WebSocketApi


def kinds(peer: Peer) -> list[str]:
    """A compact view of what a connection received: type plus its name/id/token."""
    out = []
    for m in peer.received:
        tag = m.get("channel") or m.get("id") or m.get("token") or m.get("n")
        out.append(f"{m['type']}:{tag}")
    return out


async def test_subscribe_sends_now_and_replays_after_a_reconnect() -> None:
    """Sent at once when open; after a drop, replayed in subscription order."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port)
        wait_open = opened(ws)
        await ws.connect()
        a = ws.subscribe({"type": "subscribe", "channel": "a"})
        ws.subscribe({"type": "subscribe", "channel": "b"})
        await srv.until(lambda: len(srv.received) == 2)
        srv.drop()
        await wait_open(2)
        await srv.until(lambda: len(srv.peers) == 2 and len(srv.peers[1].received) == 2)
        assert kinds(srv.peers[0]) == ["subscribe:a", "subscribe:b"]
        assert kinds(srv.peers[1]) == ["subscribe:a", "subscribe:b"]
        assert ws.subscriptions[0] is a and ws.stats()["subscriptions"] == 2
        await ws.disconnect()


async def test_subscribe_while_disconnected_goes_out_once_on_open() -> None:
    """Not queued as well: with queueWhileDisconnected the server still sees it once."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port, queue_while_disconnected=True)
        ws.subscribe({"type": "subscribe", "channel": "early"})
        await ws.connect()
        ws.send({"type": "marker", "n": 1})
        await srv.until(lambda: len(srv.received) >= 2)
        await ws.disconnect()
        assert kinds(srv.peers[0]) == ["subscribe:early", "marker:1"]


async def test_cancel_sends_unsubscribe_and_stops_the_replay() -> None:
    """await sub.cancel() sends the unsubscribe message; the next open no longer replays it."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port)
        wait_open = opened(ws)
        await ws.connect()
        sub = ws.subscribe(
            {"type": "subscribe", "channel": "x"},
            unsubscribe={"type": "unsubscribe", "channel": "x"},
        )
        ws.subscribe({"type": "subscribe", "channel": "y"})
        await asyncio.wait_for(sub.cancel(), LIMIT)
        assert not sub.active and await sub.cancel() is None
        await srv.until(lambda: len(srv.received) == 3)
        srv.drop()
        await wait_open(2)
        await srv.until(lambda: len(srv.peers) == 2 and len(srv.peers[1].received) == 1)
        assert kinds(srv.peers[0]) == ["subscribe:x", "subscribe:y", "unsubscribe:x"]
        assert kinds(srv.peers[1]) == ["subscribe:y"]
        await ws.disconnect()


async def test_cancel_while_disconnected_sends_nothing() -> None:
    """No connection: nothing is in force, so cancelling sends nothing and stops the replay."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port)
        sub = ws.subscribe({"type": "subscribe", "channel": "z"}, unsubscribe={"type": "u"})
        await asyncio.wait_for(sub.cancel(), LIMIT)
        await ws.connect()
        ws.send({"type": "marker", "n": 1})
        await srv.until(lambda: len(srv.received) == 1)
        assert kinds(srv.peers[0]) == ["marker:1"]
        assert "active" not in repr(sub) and "cancelled" in repr(sub)
        await ws.disconnect()


async def test_reconnect_mid_everything_keeps_order_and_exactly_once() -> None:
    """After a drop the server sees: auth (fresh token), subscriptions, resent request, queue."""
    tokens = iter(f"tok-{n}" for n in range(1, 10))
    current: dict[str, str] = {}

    def headers() -> dict[str, str]:
        current["token"] = next(tokens)
        return {"Authorization": f"Bearer {current['token']}"}

    async def server_logic(server: Server, peer: Peer, msg: Any) -> None:
        if msg.get("type") == "request" and len(server.peers) == 2:
            await peer.conn.send(json.dumps({"type": "response", "id": msg["id"]}))

    async with ws_server(server_logic) as srv:
        ws = client(srv.port, queue_while_disconnected=True, headers=headers)

        async def authenticate(api: WebSocketApi) -> None:
            await api.send({"type": "auth", "token": current["token"]})

        ws.subscribe({"type": "subscribe", "channel": "s1"})
        ws.subscribe({"type": "subscribe", "channel": "s2"})
        ws.add_open_hook(authenticate)  # added after the subscriptions, still runs first
        wait_open = opened(ws)

        def while_down(_e: object) -> None:
            if ws.stats()["disconnects"] == 1:
                ws.send({"type": "queued", "n": 1})
                ws.subscribe({"type": "subscribe", "channel": "s3"})
                ws.send({"type": "queued", "n": 2})

        ws.add_event_listener("close", while_down)
        await ws.connect()
        reply = ws.request({"type": "request", "id": "r1"}, resend_on_reconnect=True)
        await srv.until(lambda: len(srv.received) == 4)
        srv.drop()
        await wait_open(2)
        assert await asyncio.wait_for(reply, LIMIT) == {"type": "response", "id": "r1"}
        await srv.until(lambda: len(srv.peers) == 2 and len(srv.peers[1].received) >= 7)
        await ws.disconnect()
        assert kinds(srv.peers[0]) == ["auth:tok-1", "subscribe:s1", "subscribe:s2", "request:r1"]
        assert kinds(srv.peers[1]) == [
            "auth:tok-2",
            "subscribe:s1",
            "subscribe:s2",
            "subscribe:s3",
            "request:r1",
            "queued:1",
            "queued:2",
        ]
        assert [p.headers["Authorization"] for p in srv.peers] == ["Bearer tok-1", "Bearer tok-2"]


async def test_subscriptions_survive_disconnect_and_connect() -> None:
    """A later connect() after disconnect() replays what is still subscribed."""
    async with ws_server(ignore) as srv:
        ws = client(srv.port)
        ws.subscribe({"type": "subscribe", "channel": "keep"})
        await ws.connect()
        await ws.disconnect()
        await ws.connect()
        await srv.until(lambda: len(srv.peers) == 2 and len(srv.peers[1].received) == 1)
        assert kinds(srv.peers[1]) == ["subscribe:keep"]
        await ws.disconnect()
