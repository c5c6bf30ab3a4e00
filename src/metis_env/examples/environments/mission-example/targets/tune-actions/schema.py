"""Actions: shift success chance and process time (modifySuccessChance, modifyProcessTime).

The success chance is a fraction (0.1 = ten points), clamped to 0-1; the process time is in
milliseconds, clamped to 0-7,199,000 (METIS's code, not its docs: see docs/missions.md).
"""

from __future__ import annotations

from typing import Any

from metis_env.schema import MissionComponentParameter, NumberParameter, TargetSchema


async def script(context: Any, args: dict[str, Any]) -> None:
    apply_to = args["applyTo"]  # actions, or nodes/forces/the mission (their actions)
    chance = context.modify_success_chance(apply_to, args["chance"])
    time = context.modify_process_time(apply_to, args["processTime"])
    context.send_output(f"{len(chance)} success chance(s), {len(time)} process time(s) changed")


target = TargetSchema(
    id="tune-actions",
    name="Tune actions",
    description="Change actions' success chance and process time.",
    script=script,
    parameters=[
        MissionComponentParameter(
            id="applyTo",
            name="Apply to",
            valid_component_types=["action", "node", "force", "mission"],
            required=True,
        ),
        NumberParameter(id="chance", name="Success chance change", required=True, default=-0.2),
        NumberParameter(
            id="processTime",
            name="Process time change",
            required=True,
            default=30000,
            unit="ms",
            integers_only=True,
        ),
    ],
)
