"""Session lifecycle through run_target and Session: ordering, failures, cancellation."""

from __future__ import annotations

import asyncio
import time
from pathlib import Path

import pytest
from runtime_envfiles import WriteEnv

from metis_env.runtime import (
    ConfigNotFoundError,
    EnvironmentNotFoundError,
    OutputRecord,
    TargetNotFoundError,
    run_target,
)
from metis_env.schema import ArgumentError

HOOKS = """
from metis_env.schema import TargetEnvSchema
environment = TargetEnvSchema(name="Hooks Env")
FAIL = set({fail!r})

def make(name):
    async def hook(context):
        context.log(name)
        if name in FAIL:
            raise RuntimeError(name + " broke")
    hook.__name__ = name
    return hook

environment.on("environment-setup", make("A1"))
environment.on("environment-setup", make("A2"))
environment.on("environment-teardown", make("T1"))
environment.on("environment-teardown", make("T2"))
"""

TARGET = """
from metis_env.schema import TargetSchema

async def script(context, args):
    context.send_output("script " + repr(args))
    {body}

target = TargetSchema(id="go", name="Go", parameters=[
    {{"_id": "n", "name": "N", "type": "number", "required": True, "default": 1, "min": 0}},
], script=script)
"""


def _env(write_env: WriteEnv, *, fail: tuple[str, ...] = (), body: str = "pass") -> Path:
    env_dir = write_env(
        "hooks-env",
        {"schema.py": HOOKS.format(fail=fail), "targets/go/schema.py": TARGET.format(body=body)},
    )
    return env_dir.parent


def _tasks(result: object) -> list[tuple[str, str, str]]:
    return [(t.kind, t.name, t.status) for t in result.tasks]  # type: ignore[attr-defined]


def _said(result: object) -> list[str]:
    return [str(o) for o in result.outputs]  # type: ignore[attr-defined]


async def test_lifecycle_order(write_env: WriteEnv) -> None:
    """Setup hooks in order, then the script, then teardown hooks; all recorded."""
    root = _env(write_env)
    seen: list[OutputRecord] = []
    result = await run_target(root, "hooks-env", "go", args={"n": 5}, output=seen.append)
    assert result.status == "success" and result.error is None
    assert _said(result) == [
        "environment-setup: A1",
        "environment-setup: A2",
        "Global: script {'n': 5}",
        "environment-teardown: T1",
        "environment-teardown: T2",
    ]
    assert seen == result.outputs
    assert [(o.source, o.target_id) for o in seen] == [("hook", None)] * 2 + [("effect", "go")] + [
        ("hook", None)
    ] * 2
    assert _tasks(result) == [
        ("hook", "A1", "success"),
        ("hook", "A2", "success"),
        ("effect", "go", "success"),
        ("hook", "T1", "success"),
        ("hook", "T2", "success"),
    ]
    assert all(t.started_at and t.ended_at and t.started_at <= t.ended_at for t in result.tasks)


async def test_setup_failure_skips_script_teardown_runs(write_env: WriteEnv) -> None:
    """A failing setup hook skips the rest of setup and the script; teardown still runs."""
    result = await run_target(_env(write_env, fail=("A1",)), "hooks-env", "go")
    assert result.status == "failure"
    assert (
        result.error == "environment-setup hook 'A1' of 'hooks-env' failed: RuntimeError: A1 broke"
    )
    assert _tasks(result) == [
        ("hook", "A1", "failure"),
        ("hook", "A2", "skipped"),
        ("effect", "go", "skipped"),
        ("hook", "T1", "success"),
        ("hook", "T2", "success"),
    ]
    assert _said(result) == [
        "environment-setup: A1",
        "environment-teardown: T1",
        "environment-teardown: T2",
    ]
    assert result.tasks[0].traceback and "RuntimeError: A1 broke" in result.tasks[0].traceback


async def test_script_failure_then_teardown(write_env: WriteEnv) -> None:
    """A failing script is recorded; teardown hooks run; a failing teardown hook stops the rest."""
    root = _env(write_env, fail=("T1",), body="raise ValueError('bad input')")
    result = await run_target(root, "hooks-env", "go")
    assert _tasks(result) == [
        ("hook", "A1", "success"),
        ("hook", "A2", "success"),
        ("effect", "go", "failure"),
        ("hook", "T1", "failure"),
        ("hook", "T2", "skipped"),
    ]
    assert result.tasks[2].error == "ValueError: bad input"
    assert result.error == "effect 'go' of 'hooks-env' failed: ValueError: bad input"


async def test_sleep_cancelled_by_session_timeout(write_env: WriteEnv) -> None:
    """A script sleeping 60 s ends fast when the session times out; teardown still runs."""
    root = _env(write_env, body="await context.sleep(60_000)\n    context.send_output('never')")
    started = time.monotonic()
    result = await run_target(root, "hooks-env", "go", timeout_ms=100)
    assert time.monotonic() - started < 3
    assert result.status == "cancelled"
    assert result.error == "the session timed out after 100 ms; running tasks were cancelled"
    assert _tasks(result)[2:] == [
        ("effect", "go", "cancelled"),
        ("hook", "T1", "success"),
        ("hook", "T2", "success"),
    ]
    assert result.tasks[2].error == "cancelled: the session timed out after 100 ms"
    assert "Global: never" not in _said(result)


async def test_interrupt_tears_down_then_reraises(write_env: WriteEnv) -> None:
    """Cancelling run_target (Ctrl-C) cancels the script, runs teardown, re-raises."""
    root = _env(write_env, body="await context.sleep(60_000)")
    seen: list[str] = []
    script_started = asyncio.Event()

    def sink(record: OutputRecord) -> None:
        seen.append(str(record))
        if record.source == "effect":
            script_started.set()

    task = asyncio.create_task(run_target(root, "hooks-env", "go", output=sink))
    await asyncio.wait_for(script_started.wait(), 5)
    task.cancel()
    with pytest.raises(asyncio.CancelledError):
        await asyncio.wait_for(task, 5)
    assert seen[-2:] == ["environment-teardown: T1", "environment-teardown: T2"]


async def test_argument_error_before_any_hook(write_env: WriteEnv) -> None:
    """A bad argument value or name raises ArgumentError before any hook runs."""
    root = _env(write_env)
    seen: list[OutputRecord] = []
    with pytest.raises(ArgumentError) as info:
        await run_target(root, "hooks-env", "go", args={"n": -1}, output=seen.append)
    assert str(info.value) == "argument 'n' of target 'go': must be at least 0 (got -1)"
    with pytest.raises(ArgumentError, match="argument 'm' of target 'go': is not a parameter"):
        await run_target(root, "hooks-env", "go", args={"m": 1}, output=seen.append)
    assert seen == []


async def test_unknown_env_target_config(write_env: WriteEnv) -> None:
    """Unknown environment, target or config id: ConfigErrors listing what exists."""
    root = _env(write_env)
    with pytest.raises(EnvironmentNotFoundError, match=r"environments: hooks-env"):
        await run_target(root, "nope", "go")
    with pytest.raises(
        TargetNotFoundError, match=r"is not a target of environment 'hooks-env' \(targets: go\)"
    ):
        await run_target(root, "hooks-env", "gone")
    with pytest.raises(
        ConfigNotFoundError, match=r"is not a config of environment 'hooks-env' \(configs: none\)"
    ):
        await run_target(root, "hooks-env", "go", config_id="local")


async def test_teardown_hook_timeout(write_env: WriteEnv) -> None:
    """A teardown hook that hangs is cancelled after teardown_timeout_ms and recorded failed."""
    from metis_env.runtime import Session, load_environment

    env_dir = write_env(
        "slow-env",
        {
            "schema.py": (
                "import asyncio\nfrom metis_env.schema import TargetEnvSchema\n"
                "environment = TargetEnvSchema(name='Slow')\n"
                "async def hang(context):\n    await asyncio.Event().wait()\n"
                "environment.on('environment-teardown', hang)\n"
            ),
            "targets/t/schema.py": TARGET.format(body="pass"),
        },
    )
    env = load_environment(env_dir).environments["slow-env"]
    session = Session([env], teardown_timeout_ms=50)
    result = await asyncio.wait_for(session.run([]), 5)
    assert [(t.name, t.status, t.error) for t in result.tasks] == [
        ("hang", "failure", "timed out after 50 ms")
    ]
    assert session.state == "ended"
