"""Seed §Message Patterns, Request-Response: send a request, poll for its response."""

from __future__ import annotations

import time
from typing import Any

from metis_env.api import MessageEvent, WebSocketApi
from metis_env.api.codec import encode
from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    ws = WebSocketApi.from_config(context.config.target_env_config.data)

    response_received = False
    response: Any = None

    # Set up response listener
    def on_message(event: MessageEvent) -> None:
        nonlocal response, response_received
        if isinstance(event.data, dict) and event.data.get("type") == "response":
            response = event.data
            response_received = True

    ws.add_event_listener("message", on_message)

    await ws.connect()

    # Send request
    await ws.send_message({"type": "request", "requestId": "123", "data": {"action": "getData"}})

    # Wait for response (with timeout)
    timeout = 5000
    start_time = time.monotonic() * 1000

    while not response_received and time.monotonic() * 1000 - start_time < timeout:
        await context.sleep(100)

    if response_received:
        context.send_output(f"Received: {encode(response)}")
    else:
        context.send_output("⚠️ Response timeout")

    ws.disconnect()


target = TargetSchema(id="request-response", name="Request-Response Pattern", script=script)
