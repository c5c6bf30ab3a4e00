"""Seed §Bidirectional Command System with ``ws.request`` (correlated by ``id``).

The literal port of the seed, with its 100 ms polling loop, is ``interactive-command``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from metis_env.api import RequestTimeoutError, WebSocketApi
from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    command = context.effect.args["command"]
    ws = WebSocketApi.from_config(context.config.target_env_config.data)
    await ws.connect()
    try:
        reply = await ws.request(
            {"type": "command", "id": f"cmd_{time.time_ns()}", "command": command},
            correlation="id",
            timeout=30000,
        )
        context.send_output(f"📤 Command sent: {command}")
        context.send_output("📥 Response received:")
        context.send_output(json.dumps(reply.get("data"), indent=2, ensure_ascii=False))
        if reply.get("success"):
            context.send_output("✅ Command executed successfully")
        else:
            context.send_output(f"❌ Command failed: {reply.get('error')}")
    except RequestTimeoutError:
        context.send_output("⚠️ Response timeout (30s)")
    finally:
        await ws.disconnect()


target = TargetSchema(
    id="interactive-command-awaited",
    name="Interactive Command, awaited",
    description="The command pattern with ws.request() instead of a polling loop.",
    parameters=[
        {
            "_id": "command",
            "name": "Command",
            "type": "text",
            "required": True,
            "default": "status",
        },
    ],
    script=script,
)
