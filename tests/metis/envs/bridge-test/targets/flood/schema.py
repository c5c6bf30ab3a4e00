"""Send outputs in a loop that never yields: faster than any METIS can read them."""

from __future__ import annotations

from typing import Any

from metis_env.schema import TargetSchema


async def script(context: Any, args: dict[str, Any]) -> None:
    for i in range(args["count"]):
        context.send_output(f"line {i}")


target = TargetSchema(
    id="flood",
    name="Flood",
    parameters=[
        {"_id": "count", "name": "Count", "type": "number", "required": True, "default": 1}
    ],
    script=script,
)
