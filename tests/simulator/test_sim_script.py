"""Issue 13 item 2: simulator scripts. docs/simulator.md's complete example is served by
`serve(script=...)` and a real `WebSocketApi` talks to it; loading failures; the context."""

from __future__ import annotations

import asyncio
import json
import re
from pathlib import Path
from typing import Any

import pytest
from sim_helpers import LIMIT, Peer, serving
from typer.testing import CliRunner
from websockets.asyncio.client import connect

from metis_env.api.errors import ConfigError
from metis_env.cli import app
from metis_env.simulator import HandlerContext, Simulator, load_script

DOCS = Path(__file__).resolve().parents[2] / "docs" / "simulator.md"
HEADERS = {"X-Api-Key": "demo-key"}


def doc_example() -> str:
    """The python block after the ``example: drone_fleet.py`` marker, as written."""
    text = DOCS.read_text(encoding="utf-8")
    found = re.search(r"<!-- example: drone_fleet\.py.*?-->\n```python\n(.*?)```", text, re.S)
    assert found, "docs/simulator.md lost its example block"
    return found.group(1)


@pytest.fixture
def script(tmp_path: Path) -> Path:
    path = tmp_path / "drone_fleet.py"
    path.write_text(doc_example(), encoding="utf-8")
    return path


async def test_the_documented_example_behaves_as_documented(script: Path) -> None:
    """ready, login, a 3-item stream, correlated commands, a one-shot pong, close and drop."""
    async with serving(script=script) as url:
        peer = Peer(url, headers=HEADERS)
        await peer.ws.connect()
        assert (await peer.wait_messages(1))[0] == {"type": "ready", "fleet": "demo"}
        early = await peer.ask({"type": "command", "id": "c0", "action": "status"})
        assert early == {"type": "command-result", "id": "c0", "ok": False, "error": "log in first"}
        login = await peer.ask({"type": "login", "id": "l1", "user": "ana"})
        assert login == {"type": "login-ok", "id": "l1", "user": "ana"}
        await peer.ws.send({"type": "subscribe", "topic": "telemetry", "drone": "d7"})
        got = (await peer.wait_messages(7))[3:]
        assert got[0] == {"type": "subscribed", "topic": "telemetry", "drone": "d7"}
        assert [(m["seq"], m["altitude"]) for m in got[1:]] == [(1, 101), (2, 102), (3, 103)]
        done = await peer.ask({"type": "command", "id": "c1", "action": "status"})
        assert done == {"type": "command-result", "id": "c1", "ok": True, "action": "status"}
        assert (await peer.ask({"type": "ping"}))["first"] is True
        assert (await peer.ask({"type": "ping"}))["first"] is False
        await peer.ws.send({"type": "command", "id": "c2", "action": "self-destruct"})
        assert await peer.wait_closed() == (4403, "self-destruct is not allowed")

        crasher = Peer(url, headers=HEADERS)
        await crasher.ws.connect()
        await crasher.wait_messages(1)
        await crasher.ask({"type": "login", "id": "l2", "user": "bo"})
        await crasher.ws.send({"type": "command", "id": "c3", "action": "crash"})
        assert (await crasher.wait_closed())[0] == 1006


async def test_the_example_refuses_a_client_without_the_api_key(script: Path) -> None:
    """No X-Api-Key header: closed with 4401 right after the handshake."""
    async with serving(script=script) as url:
        peer = Peer(url)
        await peer.ws.connect()
        assert await peer.wait_closed() == (4401, "missing or wrong X-Api-Key header")
        assert peer.messages == []


async def test_a_script_simulator_keeps_its_faults_and_recorder(script: Path) -> None:
    """load_script gives a Simulator: faults (reply delay, close_all) and the recorder work."""
    sim = load_script(script)
    sim.set_reply_delay(30)
    async with sim:
        peer = Peer(sim.url, headers=HEADERS)
        loop = asyncio.get_running_loop()
        start = loop.time()  # before the handshake: the delay counts from its end
        await peer.ws.connect()
        await peer.wait_messages(1)
        assert loop.time() - start >= 0.029  # the ready message waited for the 30 ms delay
        assert sim.handshake_headers[0]["x-api-key"] == "demo-key"
        await sim.close_all(4000, "fault")
        assert await peer.wait_closed() == (4000, "fault")
    with pytest.raises(AssertionError, match="first_ping"):
        sim.check_assertions()  # the one-shot ping handler was never used


def test_each_load_runs_the_script_afresh(script: Path) -> None:
    """Two loads give two simulators with their own registries (fresh `times` counts)."""
    first, second = load_script(script), load_script(script)
    assert first is not second and first.handlers is not second.handlers
    assert first.handlers.types == ["login", "subscribe", "command", "ping"]


@pytest.mark.parametrize(
    ("source", "words"),
    [
        (None, "must be an existing Python file"),
        ("raise RuntimeError('no fleet')", "raised RuntimeError: no fleet"),
        ("import sys\nsys.exit(3)", "raised SystemExit: 3"),
        ("x = 1", "found none"),
        (
            "from metis_env.simulator import Simulator\na = Simulator()\nb = Simulator()",
            "found 2, none named 'sim' or 'simulator'",
        ),
    ],
)
def test_a_broken_script_is_a_config_error(tmp_path: Path, source: str | None, words: str) -> None:
    """Each way a script can fail names the file and the cause."""
    path = tmp_path / "sim.py"
    if source is not None:
        path.write_text(source, encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        load_script(path)
    assert str(path) in str(info.value) and words in str(info.value)


def test_several_simulators_pick_the_one_named_sim(tmp_path: Path) -> None:
    """With more than one Simulator at top level, `sim` wins."""
    path = tmp_path / "two.py"
    path.write_text(
        "from metis_env.simulator import Simulator\nother = Simulator()\nsim = Simulator(port=0)\n"
        "sim.tag = 'chosen'\n",
        encoding="utf-8",
    )
    assert getattr(load_script(path), "tag", None) == "chosen"


def test_serve_refuses_a_broken_script_with_exit_2(tmp_path: Path) -> None:
    """metis-env serve --script on a missing file: exit 2 and the reason on stderr."""
    result = CliRunner().invoke(app, ["serve", "--port", "0", "--script", str(tmp_path / "x.py")])
    assert result.exit_code == 2
    assert "script: must be an existing Python file" in result.output


def test_serve_refuses_options_that_do_not_go_together(tmp_path: Path, script: Path) -> None:
    """--token with --script, and --fast without --replay, are usage errors (exit 2)."""
    runner = CliRunner()
    args = ["serve", "--port", "0", "--script", str(script), "--token", "abcd"]
    assert runner.invoke(app, args).exit_code == 2
    assert runner.invoke(app, ["serve", "--port", "0", "--fast"]).exit_code == 2
    assert runner.invoke(app, ["serve", "--port", "0", "--history", "0"]).exit_code == 2


async def test_context_rules_are_handler_errors_not_crashes() -> None:
    """A bad close code, a negative delay or an unencodable reply: error replies, recorded."""
    sim = Simulator(seed_protocol=False)

    @sim.on("close")
    def bad_close(ctx: HandlerContext) -> None:
        ctx.close(1005)

    @sim.on("late")
    def bad_delay(ctx: HandlerContext) -> None:
        ctx.reply("x", delay_ms=-1)

    @sim.on("odd")
    def bad_reply(ctx: HandlerContext) -> None:
        ctx.reply({"value": object()})

    async with sim, connect(sim.url) as ws:
        errors = []
        for kind in ("close", "late", "odd"):
            await ws.send(json.dumps({"type": kind}))
            errors.append(json.loads(await asyncio.wait_for(ws.recv(), LIMIT))["error"])
    assert "ConfigError: code: must be a close code" in errors[0]
    assert "ConfigError: delay_ms: must be a finite number of milliseconds >= 0" in errors[1]
    assert "EncodeError" in errors[2]
    assert [e.event for e in sim.errors] == ["close", "late", "odd"]


async def test_catch_all_when_streams_and_close_handlers() -> None:
    """'*' takes untyped and binary payloads; a named stream is replaced; on_close sees 1000."""
    sim = Simulator(seed_protocol=False)
    closes: list[tuple[int | None, str]] = []
    done = asyncio.Event()

    @sim.on("*")
    def anything(ctx: HandlerContext) -> None:
        ctx.reply({"type": "caught", "what": type(ctx.message).__name__})

    @sim.on("watch", when=lambda m: isinstance(m.get("n"), int))
    def watch(ctx: HandlerContext) -> None:
        n = ctx.message["n"]
        ctx.stream(({"n": n, "i": i} for i in range(100)), interval_ms=5, name="w")

    @sim.on_close
    def closed(ctx: HandlerContext) -> None:
        closes.append((ctx.close_code, ctx.close_reason))
        done.set()

    async with sim, connect(sim.url) as ws:
        for payload in (b"\x00\x01", "not json", '{"type":"watch","n":"x"}'):
            await ws.send(payload)
            reply = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
            assert reply["type"] == "caught"
        await ws.send('{"type":"watch","n":1}')
        first: Any = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
        assert first == {"n": 1, "i": 0}
        await ws.send('{"type":"watch","n":2}')
        for _ in range(50):  # bounded: the old stream's in-flight items, then the new one
            item = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
            if item["n"] == 2:
                break
        assert item == {"n": 2, "i": 0}
        await ws.close(1000, "bye")
    await asyncio.wait_for(done.wait(), LIMIT)
    assert closes == [(1000, "bye")]


async def test_handlers_that_never_return_do_not_hold_up_stop() -> None:
    """A message handler stuck awaiting is cancelled when its connection ends; a stuck
    on_close handler when the simulator stops: stop() returns within its bound."""
    sim = Simulator(seed_protocol=False, close_timeout=0.2)
    started = asyncio.Event()

    @sim.on("hang")
    async def hang(ctx: HandlerContext) -> None:
        started.set()
        await asyncio.Event().wait()

    @sim.on_close
    async def linger(ctx: HandlerContext) -> None:
        await asyncio.Event().wait()

    await sim.start()
    async with connect(sim.url) as ws:
        await ws.send('{"type":"hang"}')
        await asyncio.wait_for(started.wait(), LIMIT)
        await asyncio.wait_for(sim.stop(), LIMIT)
    assert sim.errors == [] and sim.total_disconnects == 1


async def test_the_context_carries_path_conn_id_and_per_connection_state() -> None:
    """ctx.path (with query), ctx.conn_id and ctx.state (one dict per connection)."""
    sim = Simulator(seed_protocol=False)

    @sim.on("count")
    def count(ctx: HandlerContext) -> None:
        ctx.state["n"] = ctx.state.get("n", 0) + 1
        ctx.reply({"path": ctx.path, "conn": ctx.conn_id, "n": ctx.state["n"]})

    @sim.on("bad-when", when=lambda m: m["missing"])
    def never(ctx: HandlerContext) -> None:
        raise AssertionError("the predicate raised first")

    async with sim:
        async with connect(sim.url + "/fleet?zone=eu") as ws:
            for n in (1, 2):
                await ws.send('{"type":"count"}')
                reply = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
                assert reply == {"path": "/fleet?zone=eu", "conn": 1, "n": n}
            await ws.send('{"type":"bad-when"}')
            error = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
            assert error["error"] == "simulator handler for 'when' failed: KeyError: 'missing'"
        async with connect(sim.url) as ws:
            await ws.send('{"type":"count"}')
            reply = json.loads(await asyncio.wait_for(ws.recv(), LIMIT))
            assert reply == {"path": "/", "conn": 2, "n": 1}


def test_serve_record_to_an_unwritable_path_exits_2(tmp_path: Path) -> None:
    """--record into a missing folder: exit 2 naming the path, before listening."""
    target = tmp_path / "no-such-dir" / "t.jsonl"
    result = CliRunner().invoke(app, ["serve", "--port", "0", "--record", str(target)])
    assert (
        result.exit_code == 2 and "record: must be a file path that can be written" in result.output
    )
