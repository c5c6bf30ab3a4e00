"""Nodes: block the picked nodes (METIS's blockNodes), or unblock them."""

from __future__ import annotations

from typing import Any

from metis_env.schema import BooleanParameter, MissionComponentParameter, TargetSchema


async def script(context: Any, args: dict[str, Any]) -> None:
    nodes = args["nodes"]  # views of the picked nodes (a force or the mission fans out)
    if args["unblock"]:
        context.unblock_nodes(nodes)
    else:
        context.block_nodes(nodes)
    names = ", ".join(node.name for node in nodes)
    context.send_output(f"{'Unblocked' if args['unblock'] else 'Blocked'}: {names}")


target = TargetSchema(
    id="block-nodes",
    name="Block nodes",
    description="Block (or unblock) nodes of the mission.",
    script=script,
    parameters=[
        MissionComponentParameter(
            id="nodes",
            name="Nodes",
            valid_component_types=["node", "force"],
            required=True,
        ),
        BooleanParameter(id="unblock", name="Unblock instead", default=False),
    ],
)
