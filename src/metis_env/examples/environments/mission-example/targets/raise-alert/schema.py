"""Alerts: raise an alert on nodes (METIS's addNodeAlert)."""

from __future__ import annotations

from typing import Any

from metis_env.schema import (
    DropdownOption,
    DropdownParameter,
    MissionComponentParameter,
    StringParameter,
    TargetSchema,
)


async def script(context: Any, args: dict[str, Any]) -> None:
    changes = context.add_node_alert(args["nodes"], args["message"], args["severity"])
    context.send_output(f"{len(changes)} alert(s) raised ({args['severity']})")


target = TargetSchema(
    id="raise-alert",
    name="Raise an alert",
    description="Raise an alert on nodes.",
    script=script,
    parameters=[
        MissionComponentParameter(
            id="nodes", name="Nodes", valid_component_types=["node", "force"], required=True
        ),
        StringParameter(
            id="message", name="Message", required=True, default="Suspicious traffic seen"
        ),
        DropdownParameter(
            id="severity",
            name="Severity",
            required=True,
            default="warning",
            options=[
                DropdownOption(id=level, name=level.title(), value=level)
                for level in ("info", "suspicious", "warning", "danger")
            ],
        ),
    ],
)
