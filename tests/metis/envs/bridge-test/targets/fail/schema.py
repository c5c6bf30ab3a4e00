"""Fail after one output."""

from __future__ import annotations

from typing import Any

from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    context.send_output("about to fail")
    raise ValueError("boom from Python")


target = TargetSchema(id="fail", name="Fail", script=script)
