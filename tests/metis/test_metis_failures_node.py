"""Failure behaviour and security seen from METIS's side: bridge down, bridge restarted, token,
TLS, and the bundled example end to end."""

from __future__ import annotations

import json
import os
import shutil
import socket
from pathlib import Path

import pytest
import trustme
from metis_helpers import ENVS, BridgeEnv, Event, Harness, of, run, setup, steps, teardown

from metis_env.api.errors import ConfigError
from metis_env.cli import find_examples_root
from metis_env.metis import export, tls_context
from metis_env.metis.bridge import BridgeServer
from metis_env.simulator import Simulator


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
    return port


async def test_bridge_down_at_setup_says_how_to_start_it(tmp_path: Path, harness: Harness) -> None:
    """With no bridge listening, setup fails naming the address and the command to start it."""
    port = free_port()
    export(ENVS, tmp_path, ["bridge-test"], bridge_port=port)
    events = await harness(tmp_path / "bridge-test", steps(setup(), run("echo"), teardown()))
    setup_step, run_step, teardown_step = of(events, "step")
    assert setup_step["ok"] is False
    assert f"Cannot reach the metis-env bridge at ws://127.0.0.1:{port}" in setup_step["error"]
    assert "ECONNREFUSED" in setup_step["error"]
    assert f"metis-env bridge ROOT --host 127.0.0.1 --port {port}" in setup_step["error"]
    assert run_step["ok"] is False and "is not set up" in run_step["error"]
    assert teardown_step["ok"] is True  # nothing was set up: nothing to tear down


async def test_bridge_restart_fails_the_running_target_cleanly(
    bridge_env: BridgeEnv, harness: Harness
) -> None:
    """The bridge stopping under a running target fails that run (no hang); the next request
    reconnects to the restarted bridge, which says the session is unknown to it."""

    async def restart_when_sleeping(event: Event) -> str | None:
        if event.get("event") == "output" and event.get("message") == "sleeping":
            await bridge_env.server.stop()
            await bridge_env.server.start()  # same port
        return "go" if event.get("event") == "paused" else None

    events = await harness(
        bridge_env.folder,
        steps(
            setup(),
            run("sleepy"),
            {"do": "pause"},
            {"do": "parallel", "steps": [run("echo"), run("whoami")]},  # both reconnect at once
            teardown(),
        ),
        on_event=restart_when_sleeping,
    )
    setup_step, sleepy, echo, whoami, teardown_step = of(events, "step")
    assert whoami["pythonType"] == "UnknownSessionError", whoami["error"]
    assert setup_step["ok"] is True
    assert sleepy["ok"] is False
    assert (
        sleepy["pythonType"] == "TargetCancelledError"
        or "closed the connection" in (sleepy["error"])
    )
    assert echo["ok"] is False
    assert echo["pythonType"] == "UnknownSessionError", echo["error"]  # it reconnected
    assert "was the bridge restarted?" in echo["error"]
    assert teardown_step["ok"] is True
    assert "woke up" not in [e["message"] for e in of(events, "output")]


async def test_token_is_required_when_set(tmp_path: Path, harness: Harness) -> None:
    """A bridge started with a token refuses requests without it, and serves those with it."""
    async with BridgeServer(ENVS, port=0, token="let-me-in") as server:
        export(ENVS, tmp_path, ["bridge-test"], bridge_port=server.port)
        folder = tmp_path / "bridge-test"
        scenario = steps(setup(), teardown(), config="other")
        refused = await harness(folder, scenario, env=dict(os.environ))
        assert of(refused, "step")[0]["pythonType"] == "PermissionError"
        allowed = await harness(
            folder, scenario, env={**os.environ, "METIS_ENV_BRIDGE_TOKEN": "let-me-in"}
        )
        assert [e["ok"] for e in of(allowed, "step")] == [True, True]


async def test_bundled_example_end_to_end(tmp_path: Path, harness: Harness) -> None:
    """The bundled websocket-example, exported and run through the bridge against the
    simulator: the setup hook's shared connection is used by a target, outputs arrive."""
    root = tmp_path / "root"
    shutil.copytree(find_examples_root() / "websocket-example", root / "websocket-example")
    async with Simulator("127.0.0.1", 0) as simulator:
        configs_file = root / "websocket-example" / "configs.json"
        configs = json.loads(configs_file.read_text())
        configs[0]["data"]["port"] = simulator.port
        configs_file.write_text(json.dumps(configs))
        async with BridgeServer(root, port=0) as server:
            export(root, tmp_path / "out", bridge_port=server.port)
            events = await harness(
                tmp_path / "out" / "websocket-example",
                steps(
                    setup(),
                    run("send-websocket-message"),
                    run("request-response-awaited"),
                    teardown(),
                    config="simulator",
                ),
            )
        # Every connection the Python side opened was closed (the hook's and the target's).
        await simulator.wait_for_disconnects(simulator.total_connections, timeout=5)
    assert [e["ok"] for e in of(events, "step")] == [True, True, True, True], of(events, "step")
    messages = [e["message"] for e in of(events, "output")]
    assert messages[0] == "✅ Message sent via WebSocket"
    assert messages[1].startswith("Received: {"), messages
    console = [e["message"] for e in of(events, "console")]
    assert "[websocket-example] WebSocket ready for use" in console
    assert "[websocket-example] ✅ WebSocket disconnected" in console


@pytest.fixture(autouse=True)
def _no_token_in_env(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.delenv("METIS_ENV_BRIDGE_TOKEN", raising=False)


async def test_wss_bridge_with_a_certificate(tmp_path: Path, harness: Harness) -> None:
    """A bridge serving wss (its own certificate, trusted by METIS's Node through
    NODE_EXTRA_CA_CERTS) and an export with --bridge-tls: the session runs as over ws."""
    ca = trustme.CA()
    cert = ca.issue_cert("127.0.0.1")
    cert.private_key_and_cert_chain_pem.write_to_path(tmp_path / "bridge.pem")
    ca.cert_pem.write_to_path(tmp_path / "ca.pem")
    context = tls_context(tmp_path / "bridge.pem", tmp_path / "bridge.pem")
    async with BridgeServer(ENVS, port=0, ssl=context) as server:
        assert server.url.startswith("wss://127.0.0.1:")
        export(ENVS, tmp_path / "out", ["bridge-test"], bridge_port=server.port, bridge_tls=True)
        events = await harness(
            tmp_path / "out" / "bridge-test",
            steps(setup(), run("echo", args={"count": 2}), teardown(), config="other"),
            env={**os.environ, "NODE_EXTRA_CA_CERTS": str(tmp_path / "ca.pem")},
        )
    assert [e["ok"] for e in of(events, "step")] == [True, True, True], of(events, "step")
    assert [e["message"] for e in of(events, "output")][1:3] == ["tick 1", "tick 2"]


def test_tls_needs_both_files(tmp_path: Path) -> None:
    """A certificate without its key (or one that does not load) is a usage error."""
    with pytest.raises(ConfigError, match="give both"):
        tls_context(tmp_path / "cert.pem", None)
    (tmp_path / "cert.pem").write_text("not a certificate")
    with pytest.raises(ConfigError, match="does not load"):
        tls_context(tmp_path / "cert.pem", tmp_path / "cert.pem")
