"""Seed §Complete Examples, Bidirectional Command System: send a command, await its answer.

The simulator knows ``status``, ``ping``, ``echo <text>``, ``help`` and ``fail``.
"""

from __future__ import annotations

import json
import time
from typing import Any

from metis_env.api import MessageEvent, WebSocketApi
from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    if not context.config.target_env_config:
        raise RuntimeError("No configuration selected.")

    command = context.effect.args["command"]
    wait_for_response = context.effect.args["waitForResponse"]
    ws = WebSocketApi.from_config(context.config.target_env_config.data)

    command_response: dict[str, Any] | None = None
    command_id = f"cmd_{int(time.time() * 1000)}"

    # Response handler
    def on_message(event: MessageEvent) -> None:
        nonlocal command_response
        if (
            isinstance(event.data, dict)
            and event.data.get("type") == "command-response"
            and event.data.get("id") == command_id
        ):
            command_response = event.data

    ws.add_event_listener("message", on_message)

    try:
        await ws.connect()

        # Send command
        await ws.send_message(
            {
                "type": "command",
                "id": command_id,
                "command": command,
                "timestamp": int(time.time() * 1000),
            }
        )

        context.send_output(f"📤 Command sent: {command}")

        if wait_for_response:
            # Wait for response (30 second timeout)
            timeout = 30000
            start_time = time.monotonic() * 1000

            while not command_response and time.monotonic() * 1000 - start_time < timeout:
                await context.sleep(100)

            if command_response:
                context.send_output("📥 Response received:")
                context.send_output(
                    json.dumps(command_response.get("data"), indent=2, ensure_ascii=False)
                )

                if command_response.get("success"):
                    context.send_output("✅ Command executed successfully")
                else:
                    context.send_output(f"❌ Command failed: {command_response.get('error')}")
            else:
                context.send_output("⚠️ Response timeout (30s)")
        else:
            context.send_output("✅ Command sent (no response expected)")
    finally:
        ws.disconnect()


target = TargetSchema(
    id="interactive-command",
    name="Interactive Command Session",
    parameters=[
        # The seed's command has no default; ours must (a required parameter's default is
        # the value used when it is left blank).
        {
            "_id": "command",
            "name": "Command",
            "type": "text",
            "required": True,
            "default": "status",
        },
        {"_id": "waitForResponse", "name": "Wait for Response", "type": "boolean", "default": True},
    ],
    script=script,
)
