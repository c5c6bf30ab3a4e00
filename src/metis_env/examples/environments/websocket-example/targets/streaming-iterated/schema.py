"""Seed §Streaming Data, as an ``async for`` over ``ws.messages()`` instead of a listener.

The literal port of the seed is ``streaming-data``. Here the stream is requested with a
``count``, so the server ends it with ``stream-end`` and the loop needs no timer.
"""

from __future__ import annotations

from typing import Any

from metis_env.api import WebSocketApi
from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    ws = WebSocketApi.from_config(context.config.target_env_config.data)
    count = int(context.effect.args["count"])
    await ws.connect()
    received = 0
    try:
        stream = ws.messages(
            match=lambda d: isinstance(d, dict) and d.get("channel") == "sensor-data"
        )
        await ws.send_message(
            {"type": "subscribe", "channel": "sensor-data", "interval": 50, "count": count}
        )
        async for data in stream:
            if data.get("type") == "stream-data":
                received += 1
                context.send_output(f"Stream update #{received}: {data.get('value')}")
            elif data.get("type") == "stream-end":
                context.send_output(f"✅ Stream complete. Received {received} updates")
                break
    finally:
        await ws.disconnect()


target = TargetSchema(
    id="streaming-iterated",
    name="Streaming Data, iterated",
    description="The streaming pattern as an async for over ws.messages().",
    parameters=[
        {
            "_id": "count",
            "name": "Updates",
            "type": "number",
            "required": True,
            "default": 5,
            "min": 1,
            "integersOnly": True,
        },
    ],
    script=script,
)
