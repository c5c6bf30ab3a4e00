"""Send numbered outputs, one to a force; count the runs in the realm's store."""

from __future__ import annotations

from typing import Any

from metis_env.schema import TargetDependency, TargetSchema


async def script(context: Any, args: dict[str, Any]) -> None:
    runs = context.local_store.use("runs", 0)
    runs.value += 1
    config = context.config.target_env_config
    secret = config.data.get("apiKey") if config else None
    context.send_output(f"config={config.id if config else None} key-resolved={secret == 's3cr3t'}")
    for i in range(args["count"]):
        context.send_output(f"{args['word']} {i + 1}")
        await context.sleep(1)
    context.send_output(f"mode={args['mode']} loud={args['loud']} run={runs.value}", to="red")


target = TargetSchema(
    id="echo",
    name="Echo",
    description="Outputs a word COUNT times.",
    parameters=[
        {
            "_id": "count",
            "name": "Count",
            "type": "number",
            "required": True,
            "default": 3,
            "min": 1,
            "max": 50,
            "integersOnly": True,
            "unit": "times",
        },
        {
            "_id": "word",
            "name": "Word",
            "type": "string",
            "required": True,
            "default": "tick",
            "pattern": r"^[a-z/]+$",
            "tooltipDescription": "Lowercase letters only.",
        },
        {"_id": "loud", "name": "Loud", "type": "boolean", "default": False},
        {
            "_id": "mode",
            "name": "Mode",
            "type": "dropdown",
            "required": False,
            "options": [
                {"_id": "fast", "name": "Fast", "value": "F"},
                {"_id": "slow", "name": "Slow", "value": {"delay": 5}},
            ],
            "dependencies": [TargetDependency.TRUTHY("loud"), TargetDependency.REGEX("word", "^t")],
        },
        {"_id": "note", "name": "Note", "type": "large-string", "groupingId": "extra"},
    ],
    script=script,
)
