"""The core against a small model, driven by hypothesis: invariants hold for any order."""

from __future__ import annotations

from typing import Any

from core_helpers import Link
from hypothesis import settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule

from metis_env.api.core import actions as act
from metis_env.api.core import inputs as inp
from metis_env.api.core.machine import ClientCore
from metis_env.api.core.policy import ReconnectPolicy
from metis_env.api.core.states import Backoff, Closing, Idle
from metis_env.api.errors import ConnectError


class CoreModel(RuleBasedStateMachine):
    """Feeds random inputs; tracks dials, timers, links and handles from the actions."""

    def __init__(self) -> None:
        super().__init__()
        self.core = ClientCore(
            ReconnectPolicy(random=lambda: 0.5, max_reconnect_attempts=3),
            close_timeout=1.0,
            url="ws://h:80",
        )
        self.now = 0.0
        self.handles = 0
        self.created: set[str] = set()
        self.settled: dict[str, int] = {}
        self.dials: set[int] = set()
        self.timers: set[int] = set()
        self.links: list[Link] = []  # dialled links the core still holds (not aborted/down)
        self.wanted = False

    def feed(self, event: inp.Input) -> None:
        before = self.core.state
        for action in self.core.handle(event, self.now):
            self.apply(action, event, before)

    def apply(self, action: act.Action, event: inp.Input, before: Any) -> None:
        if isinstance(action, act.Settle):
            for handle in action.handles:
                assert isinstance(handle, str)
                self.settled[handle] = self.settled.get(handle, 0) + 1
        elif isinstance(action, act.Dial):
            # At most one live link: nothing else dials, opens or is still held.
            assert not self.dials and not self.links, (self.dials, self.links)
            if isinstance(event, inp.TimerFired):  # a background reconnect
                assert self.wanted, "reconnecting although the user disconnected"
            self.dials.add(action.dial)
        elif isinstance(action, act.CancelDial):
            self.dials.discard(action.dial)
        elif isinstance(action, act.ArmTimer):
            self.timers.add(action.timer)
        elif isinstance(action, act.DisarmTimer):
            self.timers.discard(action.timer)
        elif isinstance(action, act.Abort | act.LinkDown):
            if action.link in self.links:
                self.links.remove(action.link)  # type: ignore[arg-type]

    def handle(self) -> str:
        self.handles += 1
        name = f"h{self.handles}"
        self.created.add(name)
        return name

    @rule()
    def connect(self) -> None:
        self.wanted = True
        self.feed(inp.Connect(self.handle()))

    @rule(code=st.sampled_from([1000, 1001, 4000]))
    def disconnect(self, code: int) -> None:
        self.wanted = False
        self.feed(inp.Disconnect(self.handle(), code, ""))

    @precondition(lambda self: bool(self.dials))
    @rule(ok=st.booleans())
    def dial_completes(self, ok: bool) -> None:
        dial = self.dials.pop()
        if ok:
            link = Link(f"l{dial}")
            self.links.append(link)
            self.feed(inp.Dialed(dial, link))
        else:
            self.feed(inp.DialFailed(dial, ConnectError("refused")))

    @precondition(lambda self: bool(self.links))
    @rule(ok=st.booleans())
    def opening_ends(self, ok: bool) -> None:
        link = self.links[-1]
        self.feed(inp.OpeningDone(link) if ok else inp.OpeningFailed(link, RuntimeError("hook")))

    @precondition(lambda self: bool(self.links))
    @rule(code=st.sampled_from([1000, 1006, 1008, 1012]))
    def peer_closes(self, code: int) -> None:
        self.feed(inp.Closed(self.links[-1], code, "", None))

    @precondition(lambda self: bool(self.timers))
    @rule(data=st.data())
    def timer_fires(self, data: st.DataObject) -> None:
        timer = data.draw(st.sampled_from(sorted(self.timers)))
        self.timers.discard(timer)
        self.now += 5.0
        self.feed(inp.TimerFired(timer))

    @invariant()
    def handles_settle_at_most_once(self) -> None:
        assert all(n == 1 for n in self.settled.values()), self.settled

    @invariant()
    def closing_always_has_its_timer(self) -> None:
        state = self.core.state
        if isinstance(state, Closing | Backoff):
            assert state.timer in self.timers

    def teardown(self) -> None:
        # Whatever happened, disconnect() ends Idle once the close timer fires, and every
        # handle ever made is settled exactly once.
        self.wanted = False
        self.feed(inp.Disconnect(self.handle()))
        for _ in range(5):
            for dial in list(self.dials):
                self.dials.discard(dial)
                self.feed(inp.DialFailed(dial, ConnectError("refused")))
            for timer in sorted(self.timers):
                self.timers.discard(timer)
                self.feed(inp.TimerFired(timer))
        assert isinstance(self.core.state, Idle), self.core.state
        assert set(self.settled) == self.created, self.created - set(self.settled)
        assert all(n == 1 for n in self.settled.values())


TestCoreModel = CoreModel.TestCase
TestCoreModel.settings = settings(max_examples=300, stateful_step_count=40, deadline=None)
