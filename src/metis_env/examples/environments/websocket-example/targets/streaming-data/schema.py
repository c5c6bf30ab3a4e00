"""Seed §Message Patterns, Streaming Data: subscribe, count the updates, unsubscribe.

The seed streams every 1000 ms for 30 s; here both are arguments with small defaults.
"""

from __future__ import annotations

from typing import Any

from metis_env.api import MessageEvent, WebSocketApi
from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    ws = WebSocketApi.from_config(context.config.target_env_config.data)
    duration = context.effect.args["duration"]
    interval = context.effect.args["interval"]

    received_count = 0
    stream_ended = False  # not in the seed: see below

    def on_message(event: MessageEvent) -> None:
        nonlocal received_count
        if not isinstance(event.data, dict):
            return
        if event.data.get("type") == "stream-data":
            received_count += 1
            context.send_output(f"Stream update #{received_count}: {event.data.get('value')}")
        elif event.data.get("type") == "stream-end":
            nonlocal stream_ended
            stream_ended = True
            context.send_output(f"✅ Stream complete. Received {received_count} updates")

    ws.add_event_listener("message", on_message)

    await ws.connect()

    # Request streaming data
    await ws.send_message({"type": "subscribe", "channel": "sensor-data", "interval": interval})

    # Keep connection open for streaming
    await context.sleep(duration * 1000)

    # Unsubscribe
    await ws.send_message({"type": "unsubscribe", "channel": "sensor-data"})

    # Not in the seed: wait up to 2 s for the stream-end the unsubscribe triggers.
    # Disconnecting at once races it (the server answers our close frame first).
    waited = 0
    while not stream_ended and waited < 2000:
        await context.sleep(20)
        waited += 20

    ws.disconnect()


target = TargetSchema(
    id="streaming-data",
    name="Streaming Data Pattern",
    description="Subscribe to the sensor-data channel and report every update.",
    parameters=[
        {
            "_id": "duration",
            "name": "Stream Duration (seconds)",
            "type": "number",
            "required": True,
            "default": 1.5,
            "min": 0,
        },
        {
            "_id": "interval",
            "name": "Update Interval (ms)",
            "type": "number",
            "required": True,
            "default": 150,
            "min": 5,
            "integersOnly": True,
        },
    ],
    script=script,
)
