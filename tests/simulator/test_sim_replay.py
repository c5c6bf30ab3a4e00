"""Issue 13 item 3, the replay: record a real exchange with `serve(record=...)`, replay it with
`serve(replay=...)`, and a real `WebSocketApi` gets the same answers; timing, `fast`,
server closes, mismatches (4400) and extra connections (4404)."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path
from typing import Any

import pytest
from sim_helpers import Peer, serving
from typer.testing import CliRunner

from metis_env.cli import app, find_examples_root
from metis_env.simulator import (
    REPLAY_MISMATCH_CODE,
    REPLAY_NO_CONNECTION_CODE,
    Replay,
    is_generated_key,
    match,
    read_transcript,
)

HEADER = '{"transcript":"metis-env","version":1,"started":"2026-11-30T00:00:00Z"}'


async def exchange(url: str, command_id: str, timestamp: int, token: str) -> list[Any]:
    """The session both runs play: hello, login, a correlated command, a stream, a heartbeat."""
    peer = Peer(url)
    await peer.ws.connect()
    await peer.ask({"type": "hello"})
    await peer.ask({"type": "authenticate", "token": token})
    await peer.ask({"type": "command", "id": command_id, "command": "echo hi"})
    await peer.ws.send({"type": "subscribe", "channel": "status", "interval": 10, "count": 3})
    await peer.wait_messages(8)  # subscribed, three items, stream-end
    await peer.ask({"type": "heartbeat", "timestamp": timestamp})
    await peer.ws.disconnect()
    return peer.messages


async def test_a_recorded_session_replays_with_the_same_answers(tmp_path: Path) -> None:
    """Recorded against the seed protocol, replayed offline: same answers, this run's ids."""
    path = tmp_path / "session.jsonl"
    async with serving(record=path) as url:
        recorded = await exchange(url, "cmd-A-1", 1_700_000_000_001, "tok-aaaa")
    text = path.read_text(encoding="utf-8")
    assert "tok-aaaa" not in text and '"token":"***"' in text
    assert [e.event for e in read_transcript(path)][-1] == "close"

    reports: list[str] = []
    async with serving(replay=path, report=reports.append) as url:
        replayed = await exchange(url, "cmd-B-7", 1_800_000_000_002, "tok-bbbb")
    expected = json.loads(
        json.dumps(recorded).replace("cmd-A-1", "cmd-B-7").replace("1700000000001", "1800000000002")
    )
    assert replayed == expected and reports == []
    assert replayed[2]["id"] == "cmd-B-7" and replayed[-1]["timestamp"] == 1_800_000_000_002


def write_transcript(path: Path, *lines: dict[str, Any]) -> Path:
    path.write_text("\n".join([HEADER, *map(json.dumps, lines)]) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def scripted(tmp_path: Path) -> Path:
    """A greeting, a correlated answer, a message 600 ms later, then a close by the server."""
    return write_transcript(
        tmp_path / "t.jsonl",
        {"t": 0, "conn": 1, "event": "open", "path": "/", "headers": {}},
        {"t": 1, "conn": 1, "event": "server", "json": {"type": "greet"}},
        {"t": 10, "conn": 1, "event": "client", "json": {"type": "go", "requestId": "r1"}},
        {"t": 11, "conn": 1, "event": "server", "json": {"type": "went", "requestId": "r1"}},
        {"t": 610, "conn": 1, "event": "server", "json": {"type": "later"}},
        {"t": 620, "conn": 1, "event": "close", "code": 4003, "reason": "done", "by": "server"},
    )


@pytest.mark.parametrize("fast", [False, True])
async def test_recorded_timing_is_kept_unless_fast(scripted: Path, fast: bool) -> None:
    """'later' comes ~600 ms after 'go' as recorded; with fast at once; then close 4003."""
    async with serving(replay=scripted, fast=fast) as url:
        peer = Peer(url)
        await peer.ws.connect()
        assert await peer.wait_messages(1) == [{"type": "greet"}]
        loop = asyncio.get_running_loop()
        start = loop.time()
        await peer.ws.send({"type": "go", "requestId": "mine"})
        got = await peer.wait_messages(3)
        took = loop.time() - start
        assert got[1:] == [{"type": "went", "requestId": "mine"}, {"type": "later"}]
        assert (took < 0.4) if fast else (took >= 0.58)
        assert await peer.wait_closed() == (4003, "done")


async def test_a_mismatch_is_reported_and_closes_with_4400(scripted: Path) -> None:
    """A different message: the report says what was expected, what came, and where."""
    replay = Replay(read_transcript(scripted))
    async with replay.simulator() as sim:
        peer = Peer(sim.url)
        await peer.ws.connect()
        await peer.wait_messages(1)
        await peer.ws.send({"type": "stop", "requestId": "mine"})
        code, reason = await peer.wait_closed()
    assert (code, reason) == (REPLAY_MISMATCH_CODE, "replay: mismatch at message 1")
    [report] = replay.mismatches
    assert report == (
        "replay: connection 1 (recorded 1), message 1: "
        'expected {"type":"go","requestId":"r1"}, got {"type":"stop","requestId":"mine"}: '
        "at $.type: expected 'go', got 'stop'; closing with 4400"
    )


async def test_extra_messages_and_connections_are_reported(tmp_path: Path) -> None:
    """A message after the recorded last one: 4400; a connection beyond those recorded: 4404."""
    path = write_transcript(
        tmp_path / "short.jsonl",
        {"t": 0, "conn": "a", "event": "open", "path": "/", "headers": {}},
        {"t": 5, "conn": "a", "event": "client", "text": "ping"},
        {"t": 6, "conn": "a", "event": "server", "text": "pong"},
    )
    reports: list[str] = []
    async with serving(replay=path, report=reports.append) as url:
        peer = Peer(url)
        await peer.ws.connect()
        assert await peer.ask("ping") == "pong"
        await peer.ws.send("ping")
        assert (await peer.wait_closed())[0] == REPLAY_MISMATCH_CODE
        second = Peer(url)
        await second.ws.connect()
        assert (await second.wait_closed())[0] == REPLAY_NO_CONNECTION_CODE
    assert "the recording has no more client messages, got 'ping'" in reports[0]
    assert "connection 2 has no recording (the transcript holds 1" in reports[1]


def test_loose_matching_rules() -> None:
    """Generated keys match any scalar and bind; *** matches anything; the rest is exact."""
    bindings: dict[Any, Any] = {}
    recorded = {"id": "c1", "sentAt": 5, "auth": "Bearer ***", "n": [1, True]}
    assert (
        match(recorded, {"id": "c9", "sentAt": 7, "auth": "Bearer xyz", "n": [1, True]}, bindings)
        is None
    )
    assert bindings == {"c1": "c9", 5: 7}
    assert match({"n": True}, {"n": 1}, {}) == "at $.n: expected true, got 1"
    assert (
        match({"a": 1}, {"a": 1, "b": 2}, {}) == "at $: keys differ (missing [], unexpected ['b'])"
    )
    assert [is_generated_key(k) for k in ("requestId", "valid", "created_at", "ts", "kind")] == [
        True,
        False,
        True,
        True,
        False,
    ]


def test_serve_replay_of_a_missing_file_exits_2(tmp_path: Path) -> None:
    """metis-env serve --replay on a missing file is a usage error naming it."""
    result = CliRunner().invoke(app, ["serve", "--port", "0", "--replay", str(tmp_path / "no")])
    assert result.exit_code == 2 and "replay: must be a readable transcript file" in result.output


EXAMPLES = find_examples_root()


@pytest.mark.parametrize("target", ["interactive-command-awaited", "request-response"])
async def test_a_recorded_target_runs_the_same_offline(tmp_path: Path, target: str) -> None:
    """A bundled target against the simulator with record, then against the replay: the same
    outputs, success both times (the command's id is made up anew on each run)."""
    from metis_env.runtime import run_target

    path = tmp_path / "target.jsonl"
    results = []
    for options in ({"record": path}, {"replay": path}):
        async with serving(**options) as url:
            port = int(url.rpartition(":")[2])
            results.append(
                await run_target(
                    EXAMPLES,
                    "websocket-example",
                    target,
                    config_id="simulator",
                    config_overrides={"port": port},
                    timeout_ms=10_000,
                )
            )
    recorded, replayed = ([(o.prefix, o.message) for o in r.outputs] for r in results)
    assert [r.status for r in results] == ["success", "success"]
    assert replayed == recorded and len(recorded) >= 3
