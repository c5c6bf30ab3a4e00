"""The seed's WebSocket examples as one target environment (seed §Complete Examples).

The environment hooks are the seed's "Environment Hook Integration": ``environment-setup``
opens one shared connection, the ``send-websocket-message`` target uses it, and
``environment-teardown`` closes it. Hooks have no ``send_output`` (there is no effect to
report on), so they write with ``context.log``.

Every other target opens a connection of its own from the selected config, as in the seed.
The ``simulator`` config in ``configs.json`` points at ``metis-env serve`` (port 8765);
``metis-env demo`` runs every target against an embedded simulator on a free port.
"""

from __future__ import annotations

from typing import Any

from metis_env.api import WebSocketApi
from metis_env.schema import TargetEnvSchema

environment = TargetEnvSchema(
    name="WebSocket Environment",
    description="The WebSocket API reference examples, runnable against the simulator.",
    version="1.0.0",
)

#: The connection the hooks share with the targets (targets read it at call time:
#: ``from ... import schema``; ``schema.ws_connection``).
ws_connection: WebSocketApi | None = None


# Establish connection during setup
@environment.on("environment-setup")
async def connect_websocket(context: Any) -> None:
    global ws_connection
    if not context.config.target_env_config:
        raise RuntimeError("No WebSocket configuration selected.")

    context.log("Establishing WebSocket connection...")

    try:
        ws_connection = WebSocketApi.from_config(context.config.target_env_config.data)

        # Configure event listeners
        ws_connection.add_event_listener(
            "open", lambda event: context.log("✅ WebSocket connected")
        )
        ws_connection.add_event_listener(
            "close", lambda event: context.log(f"⚠️ WebSocket disconnected: {event.reason}")
        )
        ws_connection.add_event_listener(
            "error", lambda event: context.log(f"❌ WebSocket error: {event.error}")
        )

        # Connect
        await ws_connection.connect()
        context.log("WebSocket ready for use")
    except Exception as error:
        ws_connection = None
        context.log(f"❌ WebSocket setup failed: {error}")
        raise


# Clean up during teardown
@environment.on("environment-teardown")
async def disconnect_websocket(context: Any) -> None:
    global ws_connection
    if ws_connection:
        context.log("Closing WebSocket connection...")
        try:
            # Awaited (the seed fires and forgets) so the close is logged before the session ends.
            await ws_connection.disconnect(1000, "Environment teardown")
            ws_connection = None
            context.log("✅ WebSocket disconnected")
        except Exception as error:
            context.log(f"⚠️ WebSocket disconnect error: {error}")
