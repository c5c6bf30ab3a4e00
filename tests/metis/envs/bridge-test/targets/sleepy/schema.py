"""Sleep for a minute (the tests end it by teardown or by dropping the connection)."""

from __future__ import annotations

from typing import Any

from metis_env.schema import TargetSchema


async def script(context: Any) -> None:
    context.send_output("sleeping")
    await context.sleep(60_000)
    context.send_output("woke up")


target = TargetSchema(id="sleepy", name="Sleepy", script=script)
