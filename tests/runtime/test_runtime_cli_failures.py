"""The runtime's failure paths as a user meets them through ``metis-env``: a task that
ignores cancellation (the hang), a pipe closed early, sys.exit() in user code, secrets on
screen, a symlink loop under targets/."""

from __future__ import annotations

import json
import os
import subprocess
import sys
import time
from pathlib import Path

import pytest
from runtime_envfiles import ENV_SCHEMA, WriteEnv
from typer.testing import CliRunner

from metis_env.cli import app

REPO = Path(__file__).resolve().parents[2]
ENV = {
    **os.environ,
    "PYTHONPATH": str(REPO / "src") + os.pathsep + os.environ.get("PYTHONPATH", ""),
    "PYTHONUNBUFFERED": "1",
    "NO_COLOR": "1",
    "COLUMNS": "120",
}
NOISE = ("Traceback", "Exception ignored", "BrokenPipeError", "Token was created")

STUBBORN = """
import asyncio
from metis_env.schema import TargetSchema

async def script(context):
    context.send_output("looping")
    while True:
        try:
            await asyncio.sleep(0.05)
        except:  # swallows cancellation: the misbehaviour under test
            pass

target = TargetSchema(id="stubborn", name="Stubborn", script=script)
"""

CHATTY = """
from pathlib import Path
from metis_env.schema import TargetSchema

async def script(context):
    for i in range(10):
        context.send_output(f"line {{i}}")
    flag = Path({flag!r})
    for _ in range(250):  # until the reader has gone (bounded: 5 s)
        if flag.exists():
            break
        await context.sleep(20)
    for i in range(10, 50):
        context.send_output(f"line {{i}}")

target = TargetSchema(id="chatty", name="Chatty", script=script)
"""

EXITS = """
import sys
from metis_env.schema import TargetSchema

async def script(context):
    sys.exit(0)

target = TargetSchema(id="exits", name="Exits", script=script)
"""

CLIENT_WITH_SECRET = """
from metis_env.api import WebSocketApi
from metis_env.schema import TargetSchema

async def script(context):
    WebSocketApi.from_config(context.config.target_env_config.data)
    context.send_output("made a client")

target = TargetSchema(id="client", name="Client", script=script)
"""

OK_TARGET = """
from metis_env.schema import TargetSchema

async def script(context):
    pass

target = TargetSchema(id="ok", name="Ok", script=script)
"""


@pytest.fixture
def cli() -> CliRunner:
    """A runner at a fixed width, without colours."""
    return CliRunner(env={"COLUMNS": "100", "NO_COLOR": "1", "METIS_ENV_ROOT": None})


def _cli(*args: str, timeout: float = 30) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "metis_env.cli", *args],
        env=ENV,
        capture_output=True,
        text=True,
        timeout=timeout,
        check=False,
    )


def test_run_with_a_task_ignoring_cancellation_prints_its_result_and_exits_1(
    write_env: WriteEnv,
) -> None:
    """The hang: --timeout 500 on a script that swallows cancellation still ends, prints the
    result with the abandoned task's record, and exits 1, without noise on stderr."""
    env_dir = write_env("stubborn-env", {"schema.py": ENV_SCHEMA, "targets/s/schema.py": STUBBORN})
    started = time.monotonic()
    done = _cli(
        "run", str(env_dir.parent), "stubborn-env", "stubborn", "--timeout", "500", "--json"
    )
    assert time.monotonic() - started < 20
    assert done.returncode == 1, done.stdout + done.stderr
    lines = [json.loads(line) for line in done.stdout.splitlines()]
    [task] = [line for line in lines if line["type"] == "task"]
    assert task["status"] == "failure"
    assert task["error"].startswith("did not stop within 1000 ms of cancellation; abandoned")
    assert lines[-1]["type"] == "result" and lines[-1]["status"] == "cancelled"
    assert not any(noise in done.stderr for noise in NOISE), done.stderr


def test_run_json_into_a_closed_pipe_ends_quietly(write_env: WriteEnv, tmp_path: Path) -> None:
    """``run --json | head -5``: the reader leaves after 5 lines; the run finishes quietly
    (no BrokenPipe traceback, no 'Exception ignored' at exit)."""
    flag = tmp_path / "reader-gone"
    env_dir = write_env(
        "chatty-env",
        {"schema.py": ENV_SCHEMA, "targets/c/schema.py": CHATTY.format(flag=str(flag))},
    )
    command = [sys.executable, "-m", "metis_env.cli", "run", str(env_dir.parent)]
    proc = subprocess.Popen(
        [*command, "chatty-env", "chatty", "--json"],
        env=ENV,
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    try:
        assert proc.stdout is not None and proc.stderr is not None
        head = [proc.stdout.readline() for _ in range(5)]
        assert all(json.loads(line)["type"] == "output" for line in head)
        proc.stdout.close()  # what head does after 5 lines
        flag.touch()
        assert proc.wait(timeout=20) == 0  # a reader that left is not the script's failure
        stderr = proc.stderr.read()
    finally:
        if proc.poll() is None:
            proc.kill()
            proc.wait()
        for stream in (proc.stdout, proc.stderr):
            if stream is not None:
                stream.close()
    assert not any(noise in stderr for noise in NOISE), stderr


def test_sys_exit_in_a_script_is_a_reported_failure(cli: CliRunner, write_env: WriteEnv) -> None:
    """run: a script calling sys.exit(0) is a failure, reported, exit 1."""
    env_dir = write_env("exit-env", {"schema.py": ENV_SCHEMA, "targets/e/schema.py": EXITS})
    result = cli.invoke(app, ["run", str(env_dir.parent), "exit-env", "exits", "--json"])
    assert result.exit_code == 1, result.output
    final = json.loads(result.stdout.splitlines()[-1])
    assert final["status"] == "failure"
    assert final["error"] == "effect 'exits' of 'exit-env' failed: SystemExit: 0"


def test_sys_exit_in_a_schema_is_a_check_problem(cli: CliRunner, write_env: WriteEnv) -> None:
    """check: a schema.py calling sys.exit(0) is an error of that file, exit 2."""
    env_dir = write_env(
        "exit-env",
        {
            "schema.py": "import sys\nsys.exit(0)\n",
            "targets/ok/schema.py": OK_TARGET,
        },
    )
    result = cli.invoke(app, ["check", str(env_dir.parent), "--json"])
    assert result.exit_code == 2, result.output
    [report] = [json.loads(line) for line in result.stdout.splitlines()]
    [problem] = report["problems"]
    assert problem["path"] == "exit-env/schema.py"
    assert problem["message"].startswith("failed to import: SystemExit: 0 (line 2)")


def test_run_stats_json_shows_the_redacted_url(
    cli: CliRunner, write_env: WriteEnv, monkeypatch: pytest.MonkeyPatch
) -> None:
    """run --stats --json prints the client's URL with the apiKey from ${env:X} as ***."""
    secret = "query-secret-4711"
    monkeypatch.setenv("METIS_RT_TEST_KEY", secret)
    if True:
        data = {"host": "127.0.0.1", "port": 1, "query": {"apiKey": "${env:METIS_RT_TEST_KEY}"}}
        env_dir = write_env(
            "stats-env",
            {
                "schema.py": ENV_SCHEMA,
                "targets/c/schema.py": CLIENT_WITH_SECRET,
                "configs.json": json.dumps([{"_id": "local", "name": "L", "data": data}]),
            },
        )
        args = ["run", str(env_dir.parent), "stats-env", "client", "-c", "local"]
        result = cli.invoke(app, [*args, "--stats", "--json"])
        assert result.exit_code == 0, result.output
        final = json.loads(result.stdout.splitlines()[-1])
        assert final["clients"][0]["url"] == "ws://127.0.0.1:1/?apiKey=***"
        assert secret not in result.output
        human = cli.invoke(app, [*args, "--stats"])
        assert human.exit_code == 0 and secret not in human.output


def test_list_json_hides_query_tokens_and_proxy_passwords(
    cli: CliRunner, write_env: WriteEnv
) -> None:
    """list --json: a config's query token and a proxy URL's password read ***."""
    data = {
        "host": "example.org",
        "query": "token=tok-secret-1&room=7",
        "proxy": "http://user:proxy-pass-2@proxy.example:3128",
        "url": "wss://h.example/ws?apiKey=url-secret-3",
    }
    env_dir = write_env(
        "list-env",
        {
            "schema.py": ENV_SCHEMA,
            "targets/ok/schema.py": OK_TARGET,
            "configs.json": json.dumps([{"_id": "c", "name": "C", "data": data}]),
        },
    )
    result = cli.invoke(app, ["list", str(env_dir.parent), "--json"])
    assert result.exit_code == 0, result.output
    for secret in ("tok-secret-1", "proxy-pass-2", "url-secret-3"):
        assert secret not in result.output
    [listing] = [json.loads(line) for line in result.stdout.splitlines()]
    shown = listing["environments"][0]["configs"][0]["data"]
    assert shown == {
        "host": "example.org",
        "query": "token=***&room=7",
        "proxy": "http://user:***@proxy.example:3128",
        "url": "wss://h.example/ws?apiKey=***",
    }


def test_symlink_loop_under_targets_is_a_problem(cli: CliRunner, write_env: WriteEnv) -> None:
    """check: links back to an ancestor are reported as symlink loops, quickly, exit 2."""
    env_dir = write_env("loop-env", {"schema.py": ENV_SCHEMA, "targets/ok/schema.py": OK_TARGET})
    targets = env_dir / "targets"
    (targets / "ok" / "up").symlink_to(targets, target_is_directory=True)
    (targets / "ok" / "again").symlink_to(targets / "ok", target_is_directory=True)
    started = time.monotonic()
    result = cli.invoke(app, ["check", str(env_dir.parent), "--json"])
    assert time.monotonic() - started < 10
    assert result.exit_code == 2, result.output
    [report] = [json.loads(line) for line in result.stdout.splitlines()]
    loops = [p for p in report["problems"] if p["message"].startswith("symlink loop")]
    assert [p["path"] for p in loops] == [
        "loop-env/targets/ok/again",
        "loop-env/targets/ok/up",
    ]
    assert report["targets"] == 1
