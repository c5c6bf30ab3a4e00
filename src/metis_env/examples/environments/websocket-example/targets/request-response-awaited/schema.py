"""Seed §Request-Response, without the polling loop: ``ws.request`` matches the reply.

The literal port of the seed is ``request-response``; this is the same exchange in one call.
"""

from __future__ import annotations

from typing import Any

from metis_env.api import RequestTimeoutError, WebSocketApi
from metis_env.api.codec import encode
from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    ws = WebSocketApi.from_config(context.config.target_env_config.data)
    await ws.connect()
    try:
        response = await ws.request(
            {"type": "request", "requestId": "123", "data": {"action": "getData"}},
            correlation="requestId",
            timeout=5000,
        )
        context.send_output(f"Received: {encode(response)}")
    except RequestTimeoutError:
        context.send_output("⚠️ Response timeout")
    finally:
        await ws.disconnect()


target = TargetSchema(
    id="request-response-awaited",
    name="Request-Response, awaited",
    description="The request-response pattern with ws.request() instead of a polling loop.",
    script=script,
)
