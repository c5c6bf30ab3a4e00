"""The bridge's protocol from a plain WebSocket client: every malformed request is answered."""

from __future__ import annotations

import json
from typing import Any

import pytest
from websockets.asyncio.client import ClientConnection, connect

from conftest import ENVS
from metis_env.metis.bridge import BridgeServer

SESSION = {"sessionId": "s1", "realmId": "r1", "envId": "bridge-test"}


async def ask(ws: ClientConnection, message: dict[str, Any]) -> list[dict[str, Any]]:
    """Send a request; every message answering it, up to its done/error."""
    await ws.send(json.dumps(message))
    answers = []
    while True:
        answer = json.loads(await ws.recv())
        answers.append(answer)
        if answer["type"] in ("done", "error"):
            return answers


@pytest.fixture
async def ws() -> Any:
    async with BridgeServer(ENVS, port=0) as server, connect(server.url) as client:
        yield client


async def test_malformed_requests_get_errors(ws: ClientConnection) -> None:
    """Unknown type, missing fields, unknown environment, unknown session: each an error."""
    cases = [
        ({"type": "launch", "id": "1"}, "BridgeProtocolError", "unknown request type 'launch'"),
        ({"type": "run", "id": "2", **SESSION}, "BridgeProtocolError", "'targetId'"),
        (
            {"type": "setup", "id": "3", **SESSION, "envId": "elsewhere"},
            "ConfigError",
            "is not served by this bridge (serving: bridge-test)",
        ),
        (
            {"type": "run", "id": "4", **SESSION, "targetId": "echo"},
            "UnknownSessionError",
            "has no session 's1'",
        ),
    ]
    for message, error_type, text in cases:
        [answer] = await ask(ws, message)
        assert (answer["type"], answer["id"], answer["errorType"]) == (
            "error",
            message["id"],
            error_type,
        )
        assert text in answer["message"]
    await ws.send("not json")
    assert json.loads(await ws.recv())["errorType"] == "BridgeProtocolError"


async def test_setup_twice_and_unknown_target(ws: ClientConnection) -> None:
    """A session is set up once; a run of an unknown target names the ones there are."""
    *logs, done = await ask(ws, {"type": "setup", "id": "a", **SESSION, "configId": "other"})
    assert logs == [{"type": "log", "id": "a", "message": "set up s1"}]
    assert done == {"type": "done", "id": "a"}
    [again] = await ask(ws, {"type": "setup", "id": "b", **SESSION})
    assert again["errorType"] == "BridgeProtocolError" and "already set up" in again["message"]
    [unknown] = await ask(ws, {"type": "run", "id": "c", **SESSION, "targetId": "nope"})
    assert unknown["errorType"] == "TargetNotFoundError"
    assert "echo, fail, mission, sleepy, whoami" in unknown["message"]
    assert (await ask(ws, {"type": "teardown", "id": "d", **SESSION}))[-1]["type"] == "done"
