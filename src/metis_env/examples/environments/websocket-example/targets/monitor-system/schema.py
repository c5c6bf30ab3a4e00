"""Seed §Complete Examples, Real-Time Monitoring System: watch three channels, summarise.

The seed's default duration is 60 s; here it is 1.5 s (pass ``duration=60`` for the seed's).
"""

from __future__ import annotations

from typing import Any

from metis_env.api import ErrorEvent, MessageEvent, WebSocketApi
from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    if not context.config.target_env_config:
        raise RuntimeError("No configuration selected.")

    duration = context.effect.args["duration"]
    ws = WebSocketApi.from_config(context.config.target_env_config.data)

    # Track metrics
    metrics: dict[str, Any] = {"messagesReceived": 0, "errorsEncountered": 0, "alerts": []}

    # Set up listeners
    ws.add_event_listener("open", lambda event: context.send_output("🟢 Monitoring started"))

    def on_message(event: MessageEvent) -> None:
        metrics["messagesReceived"] += 1

        message = event.data if isinstance(event.data, dict) else {}
        data = message.get("data") if isinstance(message.get("data"), dict) else {}

        match message.get("type"):
            case "status-update":
                context.send_output(f"Status: {data.get('status')}")
            case "metric":
                context.send_output(f"Metric {data.get('name')}: {data.get('value')}")
            case "alert":
                metrics["alerts"].append(data.get("message"))
                context.send_output(f"⚠️ ALERT: {data.get('message')}")

    ws.add_event_listener("message", on_message)

    def on_error(event: ErrorEvent) -> None:
        metrics["errorsEncountered"] += 1
        context.send_output(f"❌ Error: {event.error}")

    ws.add_event_listener("error", on_error)

    ws.add_event_listener("close", lambda event: context.send_output("🔴 Monitoring stopped"))

    try:
        # Connect and start monitoring
        await ws.connect()

        # Subscribe to monitoring feed
        await ws.send_message({"type": "subscribe", "channels": ["status", "metrics", "alerts"]})

        # Monitor for specified duration
        await context.sleep(duration * 1000)

        # Unsubscribe
        await ws.send_message({"type": "unsubscribe"})

        # Report summary
        context.send_output("\n📊 Monitoring Summary:")
        context.send_output(f"Messages received: {metrics['messagesReceived']}")
        context.send_output(f"Errors encountered: {metrics['errorsEncountered']}")
        context.send_output(f"Alerts triggered: {len(metrics['alerts'])}")

        if len(metrics["alerts"]) > 0:
            context.send_output("\nAlerts:")
            for i, alert in enumerate(metrics["alerts"]):
                context.send_output(f"  {i + 1}. {alert}")
    finally:
        # Awaited (the seed fires and forgets) so "Monitoring stopped" is reported.
        await ws.disconnect()


target = TargetSchema(
    id="monitor-system",
    name="Monitor System Status",
    parameters=[
        {
            "_id": "duration",
            "name": "Monitor Duration (seconds)",
            "type": "number",
            "required": True,
            "default": 1.5,
            "min": 0,
        }
    ],
    script=script,
)
