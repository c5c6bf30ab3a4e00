"""Seed §Getting Started, Basic Setup: connect, say hello, print what comes back."""

from __future__ import annotations

import asyncio
import contextlib
from typing import Any

from metis_env.api import MessageEvent, WebSocketApi
from metis_env.api.codec import encode
from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    # Verify configuration is selected
    if not context.config.target_env_config:
        raise RuntimeError("No configuration selected.")

    # Create WebSocket instance from config
    ws = WebSocketApi.from_config(context.config.target_env_config.data)

    # Add event listeners
    ws.add_event_listener("open", lambda event: context.send_output("✅ Connected to WebSocket"))

    replied = asyncio.Event()  # not in the seed: see below

    def on_message(event: MessageEvent) -> None:
        context.send_output(f"Received: {encode(event.data)}")
        replied.set()

    ws.add_event_listener("message", on_message)

    # Connect
    await ws.connect()

    # Send a message
    await ws.send_message({"type": "hello", "data": "Hello from METIS!"})

    # Not in the seed: give the reply up to 2 s to arrive. Disconnecting at once races it:
    # the server answers our close frame before its reply to the hello goes out.
    with contextlib.suppress(TimeoutError):
        await asyncio.wait_for(replied.wait(), 2)

    # Cleanup
    ws.disconnect()


target = TargetSchema(id="basic-setup", name="WebSocket Example", script=script)
