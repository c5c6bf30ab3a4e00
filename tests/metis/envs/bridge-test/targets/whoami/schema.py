"""Report what the context says about the effect, the session and the mission."""

from __future__ import annotations

from typing import Any

from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    forces = ",".join(f.name for f in context.mission.forces)
    who = context.triggered_by["username"] if context.triggered_by else None
    context.send_output(
        f"type={context.type} by={who} effect={context.effect.id} ({context.effect.name}) "
        f"session={context.session.name} mission={context.mission.name} forces={forces}"
    )


target = TargetSchema(id="whoami", name="Who am I", script=script)
