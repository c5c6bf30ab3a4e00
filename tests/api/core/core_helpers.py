"""Drive a `ClientCore` into each phase with plain values: no event loop, no socket."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from metis_env.api.core import actions as act
from metis_env.api.core import inputs as inp
from metis_env.api.core.machine import ClientCore
from metis_env.api.core.policy import ReconnectPolicy

URL = "ws://example.test:80"


class Link:
    """A stand-in for a connection: the core only compares links by identity."""

    def __init__(self, name: str) -> None:
        self.name = name

    def __repr__(self) -> str:
        return f"<link {self.name}>"


@dataclass
class Rig:
    """A core, the clock reading fed with each input, and every action it returned."""

    core: ClientCore
    now: float = 0.0
    log: list[act.Action] = field(default_factory=list)

    def feed(self, event: inp.Input) -> list[act.Action]:
        out = self.core.handle(event, self.now)
        self.log.extend(out)
        return out

    def last_dial(self) -> int:
        return [a.dial for a in self.log if isinstance(a, act.Dial)][-1]

    def last_timer(self) -> int:
        return [a.timer for a in self.log if isinstance(a, act.ArmTimer)][-1]


def rig(**policy: Any) -> Rig:
    policy.setdefault("random", lambda: 0.5)
    return Rig(ClientCore(ReconnectPolicy(**policy), close_timeout=1.0, url=URL))


def settled(actions: list[act.Action]) -> dict[object, BaseException | None]:
    """Every handle settled in ``actions``, with its error (None: success)."""
    out: dict[object, BaseException | None] = {}
    for action in actions:
        if isinstance(action, act.Settle):
            for handle in action.handles:
                assert handle not in out, f"{handle} settled twice"
                out[handle] = action.error
    return out


def emitted(actions: list[act.Action]) -> list[str]:
    return [a.event.method for a in actions if isinstance(a, act.Emit)]


def kinds(actions: list[act.Action]) -> list[str]:
    return [type(a).__name__ for a in actions]


def to_phase(name: str, **policy: Any) -> tuple[Rig, Link]:
    """A rig in phase ``name`` (Idle, Connecting, Reconnecting, Opening, Open, Closing,
    ClosingThenConnect, ClosingAfterHook, Backoff) and its link."""
    r = rig(**policy)
    link = Link("a")
    if name == "Idle":
        return r, link
    if name == "Backoff":
        r.feed(inp.Connect("c0"))
        r.feed(inp.Dialed(r.last_dial(), link))
        r.feed(inp.OpeningDone(link))
        r.feed(inp.Closed(link, 1006, "", None))
        return r, link
    if name == "Reconnecting":
        r2, _ = to_phase("Backoff", **policy)
        r2.feed(inp.TimerFired(r2.last_timer()))
        return r2, Link("b")
    r.feed(inp.Connect("c1"))
    if name == "Connecting":
        return r, link
    r.feed(inp.Dialed(r.last_dial(), link))
    if name == "Opening":
        return r, link
    if name == "ClosingAfterHook":
        r.feed(inp.OpeningFailed(link, RuntimeError("login refused")))
        return r, link
    r.feed(inp.OpeningDone(link))
    if name == "Open":
        return r, link
    r.feed(inp.Disconnect("d1"))
    if name == "Closing":
        return r, link
    assert name == "ClosingThenConnect"
    r.feed(inp.Connect("c2"))
    return r, link
