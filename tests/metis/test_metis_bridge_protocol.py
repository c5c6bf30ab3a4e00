"""The bridge's protocol from a plain WebSocket client: every malformed request is answered."""

from __future__ import annotations

import asyncio
import json
import re
import signal
import sys
from pathlib import Path
from typing import Any

import pytest
from metis_helpers import ENVS
from websockets.asyncio.client import ClientConnection, connect

from metis_env.metis.bridge import BridgeServer
from metis_env.runtime import OutdatedContextError

SESSION = {"sessionId": "s1", "realmId": "r1", "envId": "bridge-test"}


async def ask(ws: ClientConnection, message: dict[str, Any]) -> list[dict[str, Any]]:
    """Send a request; every message answering it, up to its done/error."""
    await ws.send(json.dumps(message))
    answers = []
    for _ in range(1000):  # bounded: a request never sends this many messages here
        answer = json.loads(await asyncio.wait_for(ws.recv(), 10))
        answers.append(answer)
        if answer["type"] in ("done", "error"):
            return answers
    raise AssertionError(f"no done/error after {len(answers)} messages")


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
    assert "echo, fail, flood, mission, sleepy, whoami" in unknown["message"]
    assert (await ask(ws, {"type": "teardown", "id": "d", **SESSION}))[-1]["type"] == "done"


async def test_failing_setup_hook_drops_the_session(ws: ClientConnection) -> None:
    """A setup hook's exception answers the setup with HookFailedError naming the hook; the
    session is not kept, so a run then finds no session."""
    [failed] = await ask(ws, {"type": "setup", "id": "a", **SESSION, "configId": "ghost"})
    assert failed["errorType"] == "HookFailedError"
    assert failed["message"] == (
        "environment-setup hook 'remember_setup' failed: RuntimeError: No configuration selected."
    )
    [run] = await ask(ws, {"type": "run", "id": "b", **SESSION, "targetId": "echo"})
    assert run["errorType"] == "UnknownSessionError"


async def test_cli_bridge_serves_until_interrupted(tmp_path: Path) -> None:
    """`metis-env bridge ROOT --port 0` prints its URL, serves, and exits 0 on Ctrl-C; a ROOT
    without environments exits 2."""
    process = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "metis_env.cli", "bridge", str(ENVS), "--port", "0",
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    try:
        assert process.stdout is not None
        line = (await asyncio.wait_for(process.stdout.readline(), 20)).decode()
        url = re.search(r"listening on (ws://\S+) serving bridge-test", line)
        assert url, line
        async with connect(url.group(1)) as client:
            setup = {"type": "setup", "id": "1", **SESSION, "configId": "other"}
            answers = await ask(client, setup)
            assert answers[-1]["type"] == "done"
        process.send_signal(signal.SIGINT)
        assert await asyncio.wait_for(process.wait(), 20) == 0
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()
    empty = await asyncio.create_subprocess_exec(
        sys.executable, "-m", "metis_env.cli", "bridge", str(tmp_path),
        stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.PIPE,
    )  # fmt: skip
    _, stderr = await asyncio.wait_for(empty.communicate(), 20)
    assert empty.returncode == 2
    assert b"holds no environment that loads" in stderr


async def test_dropped_connection_cancels_its_running_script() -> None:
    """When METIS's connection drops mid-run, the Python script is cancelled (nothing keeps
    running for nobody) and the session's state stays for the next connection."""
    async with BridgeServer(ENVS, port=0, cancel_grace_ms=500) as server:
        async with connect(server.url) as client:
            await ask(client, {"type": "setup", "id": "a", **SESSION, "configId": "other"})
            sleepy = {"type": "run", "id": "b", **SESSION, "targetId": "sleepy"}
            await client.send(json.dumps(sleepy))
            output = json.loads(await asyncio.wait_for(client.recv(), 5))
            assert output == {"type": "output", "id": "b", "message": "sleeping", "to": None}
            [host] = server.hosts.values()
            [task] = host.running
        done, _ = await asyncio.wait({task}, timeout=5)
        assert done == {task} and task.cancelled()
        async with connect(server.url) as client:
            whoami = await ask(client, {"type": "run", "id": "c", **SESSION, "targetId": "whoami"})
            assert whoami[-1] == {"type": "done", "id": "c"}
            assert (await ask(client, {"type": "teardown", "id": "d", **SESSION}))[-1]["type"] == (
                "done"
            )


async def test_contexts_outlive_their_session_as_outdated() -> None:
    """A context kept past teardown (or a METIS reset, which is teardown + setup) raises
    OutdatedContextError on its guarded members: send_output, sleep, mission calls."""
    kept: list[Any] = []

    async with BridgeServer(ENVS, port=0) as server:
        env = server.environments["bridge-test"]
        target = env.targets["whoami"]
        original = target.script

        async def keep(context: Any) -> None:
            kept.append(context)

        target.script = keep
        try:
            async with connect(server.url) as client:
                await ask(client, {"type": "setup", "id": "a", **SESSION, "configId": "other"})
                run = {"type": "run", "id": "b", **SESSION, "targetId": "whoami"}
                assert (await ask(client, run))[-1]["type"] == "done"
                await ask(client, {"type": "teardown", "id": "c", **SESSION})
        finally:
            target.script = original
    [context] = kept
    with pytest.raises(OutdatedContextError, match='is not in "started" state'):
        context.send_output("late")
    with pytest.raises(OutdatedContextError):
        await context.sleep(1)
    with pytest.raises(OutdatedContextError):
        context.block_nodes({"componentType": "node", "_id": "node-1"})


@pytest.mark.parametrize("with_traceback", [False, True])
async def test_traceback_only_when_asked(with_traceback: bool) -> None:
    """An error carries the Python traceback only from a bridge started with --traceback."""
    async with BridgeServer(ENVS, port=0, traceback=with_traceback) as server:
        async with connect(server.url) as client:
            await ask(client, {"type": "setup", "id": "a", **SESSION, "configId": "other"})
            *_, error = await ask(client, {"type": "run", "id": "b", **SESSION, "targetId": "fail"})
            await ask(client, {"type": "teardown", "id": "c", **SESSION})
    assert (error["errorType"], error["message"]) == ("ValueError", "boom from Python")
    if with_traceback:
        assert 'raise ValueError("boom from Python")' in error["traceback"]
    else:
        assert "traceback" not in error


async def test_outputs_are_bounded_per_connection() -> None:
    """A script that outputs faster than METIS reads fails with BridgeBackpressureError at the
    bound, after the messages that fit; the answer ending the request still arrives."""
    async with BridgeServer(ENVS, port=0, max_queued_messages=5) as server:
        async with connect(server.url) as client:
            await ask(client, {"type": "setup", "id": "a", **SESSION, "configId": "other"})
            flood = {"type": "run", "id": "b", **SESSION, "targetId": "flood"}
            *outputs, error = await ask(client, {**flood, "args": {"count": 100}})
            assert [o["message"] for o in outputs] == [f"line {i}" for i in range(5)]
            assert error["errorType"] == "BridgeBackpressureError"
            *outputs, done = await ask(client, {**flood, "id": "c", "args": {"count": 5}})
            assert (len(outputs), done["type"]) == (5, "done")
            await ask(client, {"type": "teardown", "id": "d", **SESSION})


async def test_sys_exit_in_a_script_fails_the_run_not_the_bridge(ws: ClientConnection) -> None:
    """A script calling sys.exit() fails its run with ScriptExitError; the bridge serves on."""
    await ask(ws, {"type": "setup", "id": "a", **SESSION, "configId": "other"})
    run = {"type": "run", "id": "b", **SESSION, "targetId": "fail", "args": {"exit": True}}
    *_, error = await ask(ws, run)
    assert (error["errorType"], error["message"]) == (
        "ScriptExitError",
        "the script called sys.exit(3)",
    )
    assert (await ask(ws, {**run, "id": "c", "targetId": "whoami"}))[-1]["type"] == "done"
    await ask(ws, {"type": "teardown", "id": "d", **SESSION})
