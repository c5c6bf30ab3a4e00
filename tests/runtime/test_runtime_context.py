"""The script and hook contexts: stores, config, arguments, outputs, guards, client cleanup."""

from __future__ import annotations

import json
import sys
from pathlib import Path
from typing import Any

import pytest
from runtime_envfiles import WriteEnv

from metis_env.runtime import (
    EffectRequest,
    LoadedEnvironment,
    OutdatedContextError,
    Session,
    load_environments,
    run_target,
)

STORE_ENV = """
from metis_env.schema import TargetEnvSchema
environment = TargetEnvSchema(name={name!r})
state = {{}}

async def setup(context):
    if {writer}:
        context.local_store.use("k", None).value = "local-{name}"
        context.realm_store.use("r", None).value = "realm-{name}"
        context.global_store.use("g", None).value = "global-{name}"
        state["client"] = "made-by-hook"

environment.on("environment-setup", setup)
"""

STORE_TARGET = """
from metis_env.schema import TargetSchema
from ...schema import state

async def script(context):
    seen = [context.local_store.use("k", "unset").value,
            context.realm_store.use("r", "unset").value,
            context.global_store.use("g", "unset").value, state.get("client")]
    context.send_output(repr(seen))

target = TargetSchema(id="peek", name="Peek", script=script)
"""


def _load(root: Path, *env_ids: str) -> list[LoadedEnvironment]:
    report = load_environments(root)
    return [report.environments[e] for e in env_ids]


async def test_stores_scoped_as_the_original(write_env: WriteEnv, tmp_path: Path) -> None:
    """local is per environment; realm and global are shared; the hook's module is the target's."""
    write_env(
        "env-a",
        {"schema.py": STORE_ENV.format(name="A", writer=True), "targets/p/schema.py": STORE_TARGET},
    )
    write_env(
        "env-b",
        {
            "schema.py": STORE_ENV.format(name="B", writer=False),
            "targets/p/schema.py": STORE_TARGET,
        },
    )
    session = Session(_load(tmp_path, "env-a", "env-b"))
    result = await session.run([EffectRequest("env-a", "peek"), EffectRequest("env-b", "peek")])
    assert [o.message for o in result.outputs] == [
        "['local-A', 'realm-A', 'global-A', 'made-by-hook']",
        "['unset', 'realm-A', 'global-A', None]",
    ]


def test_store_use_keeps_first_initial() -> None:
    """use() stores the initial value once; later calls return the same holder."""
    from metis_env.runtime import TargetEnvStore

    store = TargetEnvStore("global")
    first = store.use("count", 0)
    first.value += 5
    again = store.use("count", 100)
    assert (again is first, again.value, store.keys()) == (True, 5, ["count"])


CONTEXT_TARGET = """
from metis_env.schema import TargetSchema, TargetDependency
captured = []

async def script(context):
    captured.append(context)
    cfg = context.config.target_env_config
    context.send_output(repr((context.type, context.effect.args, context.get_arguments("mode"),
                              context.get_arguments(["n", "detail", "nope"]), context.session.state,
                              context.effect.target.id, context.effect.environment.name,
                              cfg and (cfg.id, cfg.data))))
    context.send_output("to red", to="Red Team")
    context.send_output("to both", to=[context.mission.forces[0], "blue"])
    context.send_output("to all", to=context.mission)
    context.send_output("to nobody", to=[])

target = TargetSchema(id="ctx", name="Ctx", parameters=[
    {"_id": "n", "name": "N", "type": "number"},
    {"_id": "mode", "name": "Mode", "type": "dropdown", "required": True, "default": "a",
     "options": [{"_id": "a", "name": "A", "value": "alpha"},
                 {"_id": "b", "name": "B", "value": 2}]},
    {"_id": "detail", "name": "D", "type": "text",
     "dependencies": [TargetDependency.EQUALS("mode", 2)]},
], script=script)
"""

PLAIN_ENV = (
    "from metis_env.schema import TargetEnvSchema\nenvironment = TargetEnvSchema(name='Plain')\n"
)


async def test_script_context_members(
    write_env: WriteEnv, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """type, effect.args, get_arguments, session, effect info, config data and force outputs."""
    env_dir = write_env("ctx-env", {"schema.py": PLAIN_ENV, "targets/c/schema.py": CONTEXT_TARGET})
    (env_dir / "configs.json").write_text(
        json.dumps([{"_id": "local", "name": "Local", "data": {"key": "${env:CTX_KEY}"}}]),
        encoding="utf-8",
    )
    monkeypatch.setenv("CTX_KEY", "k1")
    [env] = _load(tmp_path, "ctx-env")
    session = Session([env], config_ids={"ctx-env": "local"}, forces=("Red Team", "Blue"))
    result = await session.run([EffectRequest("ctx-env", "ctx", {"n": 3, "detail": "x"})])
    assert result.status == "success", result.error
    args = {"n": 3, "mode": "alpha", "detail": None}
    assert [str(o) for o in result.outputs] == [
        "Global: "
        + repr(
            (
                "sessionTriggeredEffect",
                args,
                "alpha",
                {"n": 3, "detail": None, "nope": None},
                "started",
                "ctx",
                "Plain",
                ("local", {"key": "k1"}),
            )
        ),
        "Red-Team: to red",
        "Red-Team: to both",
        "Blue: to both",
        "Global: to all",
    ]


async def test_outdated_context_after_session_end(write_env: WriteEnv, tmp_path: Path) -> None:
    """Guarded members raise OutdatedContextError (the original's text) after the session ended."""
    write_env("ctx-env", {"schema.py": PLAIN_ENV, "targets/c/schema.py": CONTEXT_TARGET})
    [env] = _load(tmp_path, "ctx-env")
    session = Session([env])
    await session.run([EffectRequest("ctx-env", "ctx")])
    [context] = sys.modules[f"{env.package}.targets.c.schema"].captured
    expected = (
        "Cannot perform target-environment callback operation. TargetEnvContext session "
        f'"{session.id}" is not in "started" state (current state: "ended").  This is likely due '
        "to delayed asynchronous code execution from the previous session instance."
    )
    with pytest.raises(OutdatedContextError) as info:
        context.send_output("late")
    assert str(info.value) == expected
    with pytest.raises(OutdatedContextError):
        await context.sleep(1)
    assert context.get_arguments("mode") == "alpha"  # not guarded, as in the original


async def test_no_config_selected_is_none(write_env: WriteEnv, tmp_path: Path) -> None:
    """target_env_config is None when no config is selected."""
    write_env(
        "cfg-env",
        {
            "schema.py": PLAIN_ENV,
            "targets/c/schema.py": (
                "from metis_env.schema import TargetSchema\n"
                "async def s(context):\n"
                "    context.send_output(repr(context.config.target_env_config))\n"
                "target = TargetSchema(id='c', name='C', script=s)\n"
            ),
        },
    )
    result = await run_target(tmp_path, "cfg-env", "c")
    assert [o.message for o in result.outputs] == ["None"]


HOOK_ENV = """
from metis_env.schema import TargetEnvSchema
environment = TargetEnvSchema(name="Hooky")

async def setup(context):
    context.log(repr((context.event, context.session.state, hasattr(context, "send_output"))))
    try:
        context.send_output("x")
    except AttributeError as exc:
        context.log(str(exc))

environment.on("environment-setup", setup)
"""


async def test_hook_context_has_log_not_send_output(write_env: WriteEnv, tmp_path: Path) -> None:
    """Hooks log to the session output; send_output is absent with a hint to use log."""
    target = (
        "from metis_env.schema import TargetSchema\nasync def s(c): pass\n"
        "target = TargetSchema('t', 'T', script=s)\n"
    )
    write_env("hook-env", {"schema.py": HOOK_ENV, "targets/t/schema.py": target})
    result = await run_target(tmp_path, "hook-env", "t")
    assert [str(o) for o in result.outputs[:2]] == [
        "environment-setup: ('environment-setup', 'starting', False)",
        "environment-setup: hook contexts have no send_output (there is no effect to report on, "
        "as in METIS); use context.log(message) to write to the session output",
    ]


CLIENT_TARGET = """
import asyncio
from metis_env.api.tracking import register_client
from metis_env.schema import TargetSchema
closed = []

class StandIn:
    '''Only what teardown uses of a WebSocketApi: disconnect(code, reason) -> awaitable.'''
    def __init__(self, name, fail=False):
        self.name, self.fail = name, fail
        register_client(self)
    def disconnect(self, code=1000, reason=""):
        closed.append((self.name, code, reason))
        future = asyncio.get_running_loop().create_future()
        if self.fail:
            future.set_exception(RuntimeError("socket already gone"))
        else:
            future.set_result(None)
        return future
    def __repr__(self):
        return f"StandIn({self.name})"

async def script(context):
    StandIn("one")
    StandIn("two", fail=True)

target = TargetSchema(id="clients", name="Clients", script=script)
"""


async def test_clients_created_in_session_are_closed(write_env: WriteEnv, tmp_path: Path) -> None:
    """Every client registered during the session is disconnected at teardown; errors recorded."""
    write_env("cli-env", {"schema.py": PLAIN_ENV, "targets/c/schema.py": CLIENT_TARGET})
    [env] = _load(tmp_path, "cli-env")
    result = await Session([env]).run([EffectRequest("cli-env", "clients")])
    closed: list[Any] = sys.modules[f"{env.package}.targets.c.schema"].closed
    assert closed == [("one", 1001, "Session teardown"), ("two", 1001, "Session teardown")]
    assert result.cleanup_errors == ["StandIn(two): RuntimeError: socket already gone"]
    assert result.status == "success"
