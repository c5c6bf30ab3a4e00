"""Seed §Message Patterns, Heartbeat/Keep-Alive: a heartbeat loop beside other work.

The seed beats every 30 s for 2 minutes; here both are arguments with small defaults.
"""

from __future__ import annotations

import asyncio
import contextlib
import time
from typing import Any

from metis_env.api import WebSocketApi
from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    ws = WebSocketApi.from_config(context.config.target_env_config.data)

    await ws.connect()

    # Send periodic heartbeat
    heartbeat_interval = context.effect.args["interval"]
    keep_running = True

    # Heartbeat loop
    async def send_heartbeat() -> None:
        while keep_running and ws.is_connected:
            await ws.send_message({"type": "heartbeat", "timestamp": int(time.time() * 1000)})
            context.send_output("💓 Heartbeat sent")
            await context.sleep(heartbeat_interval)

    # Start heartbeat (a task we keep, where the seed leaves a promise running)
    heartbeat = asyncio.create_task(send_heartbeat())

    try:
        # Do other operations...
        await context.sleep(context.effect.args["duration"] * 1000)
    finally:
        # Stop heartbeat and disconnect
        keep_running = False
        heartbeat.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await heartbeat
        ws.disconnect()


target = TargetSchema(
    id="heartbeat",
    name="Heartbeat/Keep-Alive Pattern",
    description="Send a heartbeat every interval while the connection is open.",
    parameters=[
        {
            "_id": "interval",
            "name": "Heartbeat Interval (ms)",
            "type": "number",
            "required": True,
            "default": 400,
            "min": 10,
            "integersOnly": True,
        },
        {
            "_id": "duration",
            "name": "Run Duration (seconds)",
            "type": "number",
            "required": True,
            "default": 1.5,
            "min": 0,
        },
    ],
    script=script,
)
