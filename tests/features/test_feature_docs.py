"""Every Python example in docs/patterns.md runs against a local server speaking its protocol."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from feature_servers import Peer, Server, ws_server

PATTERNS = Path(__file__).resolve().parents[2] / "docs" / "patterns.md"
BLOCKS = re.findall(r"```python\n(.*?)```", PATTERNS.read_text(encoding="utf-8"), re.S)


async def protocol(server: Server, peer: Peer, msg: Any) -> None:
    """The message protocol of the seed's examples, just enough for the docs."""
    if not isinstance(msg, dict):
        return
    kind = msg.get("type")
    send = peer.conn.send
    if kind == "request":
        await send(json.dumps({"type": "response", "requestId": msg["requestId"], "data": [1]}))
    elif kind == "command":
        reply = {"type": "command-response", "id": msg["id"], "success": True, "data": "ok"}
        await send(json.dumps(reply))
    elif kind == "auth":
        await send(json.dumps({"type": "auth-ok"}))
    elif kind == "subscribe":
        for value in range(3):
            data = {"type": "stream-data", "channel": msg["channel"], "value": value}
            await send(json.dumps(data))
        await send(json.dumps({"type": "stream-end", "channel": msg["channel"]}))


def test_the_page_has_examples() -> None:
    """The page keeps its runnable examples (a rename would otherwise skip them all)."""
    assert len(BLOCKS) >= 5


@pytest.mark.parametrize("index", range(len(BLOCKS)))
async def test_example_runs(index: int, capsys: pytest.CaptureFixture[str]) -> None:
    """Run main(config) of example ``index``; it prints and the server saw its messages."""
    namespace: dict[str, Any] = {"__name__": "docs_example"}
    exec(compile(BLOCKS[index], f"{PATTERNS.name}[{index}]", "exec"), namespace)
    async with ws_server(protocol) as srv:
        config = {"host": "127.0.0.1", "port": srv.port, "keepAliveInterval": 0}
        await asyncio.wait_for(namespace["main"](config), 5)
    out = capsys.readouterr().out
    assert out.strip(), "an example must print what it got"
    assert "timeout" not in out.lower() and "failed" not in out.lower()
    assert srv.received
