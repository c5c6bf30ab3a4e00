"""One host interface, two homes: the contexts work over any ContextHost; the local session
reports through one event sink (tasks, outputs, mission changes, client events)."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest
from runtime_inmemory import StandIn, environment

from metis_env.api.events import CloseEvent, ReconnectFailedEvent, ReconnectingEvent
from metis_env.runtime import (
    ClientEvent,
    EffectInfo,
    EffectRequest,
    EnvHookContext,
    EnvironmentInfo,
    MissionChangeError,
    MissionChangeRecord,
    OutdatedContextError,
    OutputRecord,
    Session,
    SessionEvent,
    SessionInfo,
    StoreScope,
    TargetEnvConfig,
    TargetEnvStore,
    TargetInfo,
    TargetScriptContext,
    TaskEvent,
)


class RemoteHost:
    """A second ContextHost, as a bridge to METIS would be: it only records what it is
    asked (no file, no asyncio sleep, no session)."""

    def __init__(self) -> None:
        self.calls: list[tuple[Any, ...]] = []
        self.live = True
        self.stores: dict[tuple[str, str], TargetEnvStore] = {}

    @property
    def session(self) -> SessionInfo:
        return SessionInfo("remote-session", "Remote", "started")

    @property
    def instance_id(self) -> str:
        return "instance-1"

    def check_live(self, instance_id: str) -> None:
        self.calls.append(("check_live", instance_id))
        if not self.live:
            raise OutdatedContextError.for_state("remote-session", "ended")

    def target_env_config(self, env_id: str) -> TargetEnvConfig | None:
        self.calls.append(("config", env_id))
        return TargetEnvConfig("remote", "Remote", env_id, raw_data={"host": "metis"})

    def store(self, scope: StoreScope, env_id: str) -> TargetEnvStore:
        return self.stores.setdefault((scope, env_id), TargetEnvStore(scope))

    @property
    def mission(self) -> Any:
        return "the remote mission"

    def apply_mission_change(self, env_id: str, target_id: str | None, command: object) -> Any:
        self.calls.append(("change", env_id, target_id, command))
        return ["changed"]

    def send_output(self, env_id: str, target_id: str, message: str, to: Any) -> None:
        self.calls.append(("output", env_id, target_id, message, to))

    def log(self, env_id: str, event: str, message: str) -> None:
        self.calls.append(("log", env_id, event, message))

    async def sleep(self, ms: float, instance_id: str) -> None:
        self.calls.append(("sleep", ms, instance_id))


@dataclass(frozen=True)
class BlockNode:
    """A frozen mission command, as metis_env.missions will define them."""

    node_id: str


def _effect(trigger: str = "session-start", triggered_by: Any = None) -> EffectInfo:
    return EffectInfo(
        id="e1",
        name="Effect",
        target=TargetInfo("t", "T", ""),
        environment=EnvironmentInfo("env-a", "Env A", "", "1.0.0"),
        args={"n": 1},
        trigger=trigger,
        triggered_by=triggered_by,
    )


async def test_script_context_goes_through_its_host_only() -> None:
    """Every effect of a script context is a call on the host; type and triggered_by come
    from the effect the host described."""
    host = RemoteHost()
    member = {"_id": "m1", "name": "Member"}
    context = TargetScriptContext(host, _effect("execution-success", member))
    assert (context.type, context.triggered_by) == ("executionTriggeredEffect", member)
    config = context.config.target_env_config
    assert config is not None and config.data == {"host": "metis"}
    assert context.mission == "the remote mission"
    context.local_store.use("k", 1)
    await context.sleep(250)
    context.send_output("hello", to="Red")
    assert context.change_mission(BlockNode("n1")) == ["changed"]
    assert context.get_arguments(["n", "x"]) == {"n": 1, "x": None}
    assert host.calls == [
        ("config", "env-a"),
        ("sleep", 250, "instance-1"),
        ("check_live", "instance-1"),
        ("output", "env-a", "t", "hello", "Red"),
        ("check_live", "instance-1"),
        ("change", "env-a", "t", BlockNode("n1")),
    ]
    assert list(host.stores) == [("local", "env-a")]
    host.live = False
    with pytest.raises(OutdatedContextError):
        context.send_output("late")
    assert TargetScriptContext(host, _effect()).type == "sessionTriggeredEffect"


async def test_hook_context_logs_through_its_host() -> None:
    """A hook's log is a guarded host call."""
    host = RemoteHost()
    EnvHookContext(host, "env-a", "environment-setup").log("up")
    assert host.calls[-1] == ("log", "env-a", "environment-setup", "up")


class Sink:
    """Keeps every event."""

    def __init__(self) -> None:
        self.records: list[SessionEvent] = []

    def emit(self, record: SessionEvent) -> None:
        self.records.append(record)


async def test_one_sink_gets_tasks_outputs_and_client_events(tmp_path: Path) -> None:
    """Task changes, outputs and a client's reconnecting / gave up / unexpected close reach
    the sink in order; a normal close does not."""

    async def setup(context: Any) -> None:
        client = StandIn("c")
        client.fire("reconnecting", ReconnectingEvent(1, 250, ConnectionError("refused")))
        client.fire("reconnect-failed", ReconnectFailedEvent(3, None, "maxReconnectAttempts"))
        client.fire("close", CloseEvent(1000, "bye"))
        client.fire("close", CloseEvent(1011, "server error"))

    async def script(context: Any) -> None:
        context.send_output("hi")

    sink = Sink()
    env = environment("env-a", tmp_path, setup=[setup], scripts={"t": script})
    await Session([env], events=sink).run([EffectRequest("env-a", "t")])
    shown: list[str] = []
    for record in sink.records:
        if isinstance(record, TaskEvent):
            shown.append(f"task {record.name} {record.status}")
        elif isinstance(record, ClientEvent):
            shown.append(str(record))
        elif isinstance(record, OutputRecord):
            shown.append(f"output {record}")
    url = "ws://127.0.0.1:1/c?apiKey=***"
    assert shown == [
        "task setup queued",
        "task t queued",
        "task setup running",
        f"client {url}: reconnecting: attempt 1 in 250 ms (ConnectionError: refused)",
        f"client {url}: reconnect-failed: gave up after 3 attempt(s): maxReconnectAttempts",
        f"client {url}: close: closed with code 1011 'server error'",
        "task setup success",
        "task t running",
        "output Global: hi",
        "task t success",
    ]


async def test_mission_changes_go_through_the_host(tmp_path: Path) -> None:
    """With a mission model the change is applied and reported to the sink; without one it
    is refused with a clear error."""
    applied: list[object] = []

    def apply_change(mission: Any, command: object) -> list[str]:
        applied.append(command)
        return [f"{mission.name}: blocked"]

    async def script(context: Any) -> None:
        context.send_output(repr(context.change_mission(BlockNode("n1"))))

    sink = Sink()
    env = environment("env-a", tmp_path, scripts={"t": script})
    minimal = ("Default Force",)  # a minimal mission: forces only, changes refused
    result = await Session([env], events=sink, apply_change=apply_change, forces=minimal).run(
        [EffectRequest("env-a", "t")]
    )
    assert applied == [BlockNode("n1")]
    assert [o.message for o in result.outputs] == ["['metis-env session: blocked']"]
    [change] = [r for r in sink.records if isinstance(r, MissionChangeRecord)]
    assert (change.env_id, change.target_id, change.command, change.changes) == (
        "env-a",
        "t",
        BlockNode("n1"),
        ["metis-env session: blocked"],
    )
    refused = await Session(
        [environment("env-b", tmp_path, scripts={"t": script})], forces=minimal
    ).run([EffectRequest("env-b", "t")])
    assert refused.tasks[0].error == (
        "MissionChangeError: cannot apply BlockNode: this session's mission "
        "('metis-env session') does not accept changes; give the Session an apply_change "
        "function (a mission model)"
    )
    assert MissionChangeError.__mro__[1].__name__ == "MetisEnvError"


async def test_failing_sink_never_breaks_the_session(tmp_path: Path) -> None:
    """A sink that raises is logged; the session still succeeds."""

    class Broken:
        def emit(self, record: SessionEvent) -> None:
            raise RuntimeError("sink down")

    async def script(context: Any) -> None:
        context.send_output("hi")

    env = environment("env-a", tmp_path, scripts={"t": script})
    result = await Session([env], events=Broken()).run([EffectRequest("env-a", "t")])
    assert result.status == "success"


async def test_effect_request_trigger_decides_context_type(tmp_path: Path) -> None:
    """EffectRequest.trigger/triggered_by reach the script's context via the host's effect."""
    seen: list[tuple[str, Any, str]] = []

    async def script(context: Any) -> None:
        seen.append((context.type, context.triggered_by, context.effect.trigger))

    env = environment("env-a", tmp_path, scripts={"t": script})
    member = {"_id": "u1"}
    await Session([env]).run(
        [
            EffectRequest("env-a", "t"),
            EffectRequest("env-a", "t", trigger="execution-initiation", triggered_by=member),
        ]
    )
    assert seen == [
        ("sessionTriggeredEffect", None, "session-start"),
        ("executionTriggeredEffect", member, "execution-initiation"),
    ]
    await asyncio.sleep(0)
