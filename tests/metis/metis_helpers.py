"""What the METIS integration tests share besides fixtures (unique module name)."""

from __future__ import annotations

import sys
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from metis_env.metis.bridge import BridgeServer

HERE = Path(__file__).parent
NODE_DIR = HERE / "node"
ENVS = HERE / "envs"
#: Upper bound for one harness run (seconds): a hang fails the test instead of stalling.
HARNESS_TIMEOUT = 30

Event = dict[str, Any]
Harness = Callable[..., Awaitable[list[Event]]]


@dataclass
class BridgeEnv:
    """A running bridge over ``tests/metis/envs`` and the exported folder pointing at it."""

    server: BridgeServer
    folder: Path

    def events(self) -> list[str]:
        """What the test environment's hooks recorded."""
        env = self.server.environments["bridge-test"]
        return list(sys.modules[f"{env.package}.schema"].EVENTS)


def of(events: list[Event], kind: str, **match: Any) -> list[Event]:
    """The events of ``kind`` whose fields equal ``match``."""
    return [
        e for e in events if e["event"] == kind and all(e.get(k) == v for k, v in match.items())
    ]


# Scenario steps for the harness.


def steps(*items: dict[str, Any], config: str = "local") -> dict[str, Any]:
    return {"configId": config, "steps": list(items)}


def setup(session: str = "s1", realm: str = "r1") -> dict[str, Any]:
    return {"do": "setup", "session": session, "realm": realm}


def teardown(session: str = "s1", realm: str = "r1") -> dict[str, Any]:
    return {"do": "teardown", "session": session, "realm": realm}


def run(target: str, session: str = "s1", realm: str = "r1", **extra: Any) -> dict[str, Any]:
    return {"do": "run", "session": session, "realm": realm, "target": target, **extra}
