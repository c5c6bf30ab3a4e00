"""Files: grant or revoke forces' access to mission files (updateFileAccess)."""

from __future__ import annotations

from typing import Any

from metis_env.schema import BooleanParameter, MissionComponentParameter, TargetSchema


async def script(context: Any, args: dict[str, Any]) -> None:
    changes = context.update_file_access(args["forces"], args["files"], args["granted"])
    verb = "granted" if args["granted"] else "revoked"
    context.send_output(f"access {verb}: {len(changes)} change(s)")


target = TargetSchema(
    id="file-access",
    name="File access",
    description="Grant or revoke forces' access to mission files.",
    script=script,
    parameters=[
        MissionComponentParameter(
            id="forces", name="Forces", valid_component_types=["force", "mission"], required=True
        ),
        MissionComponentParameter(
            id="files", name="Files", valid_component_types=["missionFile"], required=True
        ),
        BooleanParameter(id="granted", name="Grant (else revoke)", default=True),
    ],
)
