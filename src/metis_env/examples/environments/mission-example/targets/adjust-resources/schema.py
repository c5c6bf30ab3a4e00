"""Resources: deduct from pools and make actions dearer (modifyResourcePool, …Cost)."""

from __future__ import annotations

from typing import Any

from metis_env.schema import MissionComponentParameter, NumberParameter, TargetSchema


async def script(context: Any, args: dict[str, Any]) -> None:
    force = args["force"]
    pools = context.modify_resource_pool(force, args["amount"])
    costs = context.modify_resource_cost(force, context.mission.resources, args["costChange"])
    context.send_output(f"{len(pools)} pool(s) and {len(costs)} cost(s) changed", to=force)


target = TargetSchema(
    id="adjust-resources",
    name="Adjust resources",
    description="Award or deduct resources, and change what actions cost.",
    script=script,
    parameters=[
        MissionComponentParameter(
            id="force", name="Force", valid_component_types=["force"], required=True
        ),
        NumberParameter(id="amount", name="Pool change", required=True, default=-10),
        NumberParameter(id="costChange", name="Cost change", required=True, default=5),
    ],
)
