"""Fail after one output: raise, or call sys.exit() (which must not stop the bridge)."""

from __future__ import annotations

import sys
from typing import Any

from metis_env.schema import TargetSchema


async def script(context: Any, args: dict[str, Any]) -> None:
    context.send_output("about to fail")
    if args["exit"]:
        sys.exit(3)
    raise ValueError("boom from Python")


target = TargetSchema(
    id="fail",
    name="Fail",
    parameters=[{"_id": "exit", "name": "Call sys.exit", "type": "boolean"}],
    script=script,
)
