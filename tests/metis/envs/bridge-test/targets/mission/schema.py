"""Change the mission through METIS: block a node, then try one that does not exist."""

from __future__ import annotations

from typing import Any

from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    await context.block_nodes({"componentType": "node", "_id": "node-1"})
    context.send_output("blocked node-1")
    try:
        await context.block_nodes([{"componentType": "node", "_id": "nowhere"}])
    except Exception as exc:
        context.send_output(f"refused: {type(exc).__name__}: {exc}")


target = TargetSchema(id="mission", name="Mission", script=script)
