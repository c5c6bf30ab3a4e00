"""A real WebSocketApi left open by a script is closed (1001) at session teardown."""

from __future__ import annotations

import asyncio
import json
from pathlib import Path

import pytest
from runtime_envfiles import WriteEnv
from websockets.asyncio.server import ServerConnection, serve

from metis_env.runtime import run_target

LEAKY_TARGET = """
from metis_env.api.websocket import WebSocketApi
from metis_env.schema import TargetSchema

async def script(context):
    ws = WebSocketApi.from_config(context.config.target_env_config.data)
    await ws.connect()
    context.send_output("connected " + str(ws.is_connected))

target = TargetSchema(id="leaky", name="Leaky", script=script)
"""


async def test_open_client_closed_at_teardown(write_env: WriteEnv, tmp_path: Path) -> None:
    """The session disconnects a client the script forgot, with 1001 'Session teardown'."""
    closed: asyncio.Future[tuple[int | None, str | None]] = (
        asyncio.get_running_loop().create_future()
    )

    async def handler(connection: ServerConnection) -> None:
        await connection.wait_closed()
        if not closed.done():
            closed.set_result((connection.close_code, connection.close_reason))

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        env_dir = write_env(
            "ws-env",
            {
                "schema.py": "from metis_env.schema import TargetEnvSchema\n"
                "environment = TargetEnvSchema(name='WS')\n",
                "targets/leaky/schema.py": LEAKY_TARGET,
            },
        )
        config = {"host": "127.0.0.1", "port": port, "autoReconnect": False}
        (env_dir / "configs.json").write_text(
            json.dumps([{"_id": "local", "name": "Local", "data": config}]), encoding="utf-8"
        )
        result = await run_target(tmp_path, "ws-env", "leaky", config_id="local", timeout_ms=5000)
        assert (result.status, result.cleanup_errors) == ("success", [])
        assert [str(o) for o in result.outputs] == ["Global: connected True"]
        assert await asyncio.wait_for(closed, 5) == (1001, "Session teardown")


HOOKED_ENV = """
import asyncio
from metis_env.api.websocket import WebSocketApi
from metis_env.schema import TargetEnvSchema

environment = TargetEnvSchema(name="Hooked")
clients = []

async def connect(context):
    ws = WebSocketApi.from_config(context.config.target_env_config.data)
    await ws.connect()
    clients.append(ws)
    context.local_store.use("ws", None).value = ws

async def slow_teardown(context):
    await asyncio.sleep(60)

environment.on("environment-setup", connect)
environment.on("environment-teardown", slow_teardown)
"""

NOOP_TARGET = """
from metis_env.schema import TargetSchema

async def script(context):
    pass

target = TargetSchema(id="noop", name="Noop", script=script)
"""


async def test_session_cancelled_in_teardown_closes_real_clients(
    write_env: WriteEnv, tmp_path: Path
) -> None:
    """A timeout around Session.run that lands in a slow teardown hook still closes the
    hook's (auto-reconnecting) client: the server sees 1001, the client ends CLOSED."""
    import sys

    from metis_env.api import CLOSED
    from metis_env.runtime import EffectRequest, Session, load_environment

    closed: asyncio.Future[int | None] = asyncio.get_running_loop().create_future()

    async def handler(connection: ServerConnection) -> None:
        await connection.wait_closed()
        if not closed.done():
            closed.set_result(connection.close_code)

    async with serve(handler, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        env_dir = write_env(
            "hooked-env", {"schema.py": HOOKED_ENV, "targets/noop/schema.py": NOOP_TARGET}
        )
        config = {"host": "127.0.0.1", "port": port, "autoReconnect": True}
        (env_dir / "configs.json").write_text(
            json.dumps([{"_id": "local", "name": "Local", "data": config}]), encoding="utf-8"
        )
        env = load_environment(env_dir).environments["hooked-env"]
        session = Session([env], config_ids={"hooked-env": "local"}, cancel_grace_ms=200)
        with pytest.raises(TimeoutError):
            await asyncio.wait_for(session.run([EffectRequest("hooked-env", "noop")]), 0.5)
        assert session.state == "ended"
        assert await asyncio.wait_for(closed, 5) == 1001
        [ws] = sys.modules[f"{env.package}.schema"].clients
        for _ in range(500):  # the client processes the server's close reply (≤ 5 s)
            if ws.state == CLOSED:
                break
            await asyncio.sleep(0.01)
        assert ws.state == CLOSED and not ws.is_connected
        assert session.stores.local("default", "hooked-env").keys() == []
