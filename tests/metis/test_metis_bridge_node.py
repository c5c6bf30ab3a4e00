"""The exported TypeScript, run by Node with stand-ins for METIS, against a real bridge."""

from __future__ import annotations

from typing import Any

from conftest import BridgeEnv, Harness, of


def steps(*items: dict[str, Any], config: str = "local") -> dict[str, Any]:
    return {"configId": config, "steps": list(items)}


def setup(session: str = "s1", realm: str = "r1") -> dict[str, Any]:
    return {"do": "setup", "session": session, "realm": realm}


def teardown(session: str = "s1", realm: str = "r1") -> dict[str, Any]:
    return {"do": "teardown", "session": session, "realm": realm}


def run(target: str, session: str = "s1", realm: str = "r1", **extra: Any) -> dict[str, Any]:
    return {"do": "run", "session": session, "realm": realm, "target": target, **extra}


async def test_outputs_arrive_in_order(bridge_env: BridgeEnv, harness: Harness) -> None:
    """A target's outputs reach sendOutput in the order Python sent them, to the right force."""
    events = await harness(
        bridge_env.folder,
        steps(setup(), run("echo", args={"count": 5, "word": "tock", "loud": True}), teardown()),
    )
    assert [e["ok"] for e in of(events, "step")] == [True, True, True]
    outputs = [(e["message"], e["to"]) for e in of(events, "output")]
    assert outputs == [
        ("config=local key-resolved=True", ["Global"]),
        *[(f"tock {i}", ["Global"]) for i in range(1, 6)],
        ("mode=None loud=True run=1", ["Red Team"]),
    ]
