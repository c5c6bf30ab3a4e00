"""Seed §Complete Examples, Environment Hook Integration: use the hooks' shared connection.

The ``environment-setup`` hook in the environment's ``schema.py`` connects; this target sends
over that connection; the ``environment-teardown`` hook disconnects.
"""

from __future__ import annotations

from typing import Any

from metis_env.schema import TargetSchema

from ... import schema as environment_module


async def script(context: Any) -> None:
    ws_connection = environment_module.ws_connection  # read now: the hook set it
    if not ws_connection or not ws_connection.is_connected:
        raise RuntimeError("WebSocket not connected")

    await ws_connection.send_message({"type": "command", "payload": context.effect.args})

    context.send_output("✅ Message sent via WebSocket")


target = TargetSchema(id="send-websocket-message", name="Send WebSocket Message", script=script)
