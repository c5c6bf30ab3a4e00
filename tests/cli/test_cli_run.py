"""``metis-env run`` through CliRunner: live lines, --json, --stats, --set, exit codes 0/1/2."""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from pathlib import Path
from typing import Any

from cli_helpers import EXAMPLE_ENV, EXAMPLES
from typer.testing import CliRunner

from metis_env.cli import app
from metis_env.simulator import Simulator

WriteEnv = Callable[[str, dict[str, str]], Path]
LINE = re.compile(r"^\d\d:\d\d:\d\d\.\d{3} \[([^\]]+)\] (\S+) (.*)$")

ENV_SCHEMA = """
from metis_env.schema import TargetEnvSchema
environment = TargetEnvSchema(name="Tiny")
"""
FAILING_TARGET = """
from metis_env.schema import TargetSchema

async def script(context):
    context.send_output("about to fail")
    raise RuntimeError("boom")

target = TargetSchema(id="fails", name="Fails", script=script)
"""
SLEEPY_TARGET = """
from metis_env.schema import TargetSchema

async def script(context, args):
    context.send_output(f"count={args['count']!r}")
    await context.sleep(args["sleep"])

target = TargetSchema(
    id="sleepy", name="Sleepy", script=script,
    parameters=[
        {"_id": "count", "name": "Count", "type": "number", "required": True, "default": 1,
         "integersOnly": True},
        {"_id": "sleep", "name": "Sleep (ms)", "type": "number", "required": True, "default": 0},
    ],
)
"""


def tiny_env(write_env: WriteEnv) -> Path:
    """An environment with a failing and a sleeping target; returns the root."""
    env = write_env(
        "tiny-env",
        {
            "schema.py": ENV_SCHEMA,
            "targets/fails/schema.py": FAILING_TARGET,
            "targets/sleepy/schema.py": SLEEPY_TARGET,
            "configs.json": '[{"_id": "c1", "name": "One", "data": {"port": 1}}]',
        },
    )
    return env.parent


def example(sim: Simulator, target: str, *more: str) -> list[str]:
    """Arguments to run an example against ``sim`` (its port via --set)."""
    base = ["run", str(EXAMPLES), EXAMPLE_ENV, target, "-c", "simulator"]
    return [*base, "--set", f"port={sim.port}", *more]


def json_lines(text: str) -> list[dict[str, Any]]:
    """Every stdout line parsed as JSON (each line must be one object)."""
    return [json.loads(line) for line in text.splitlines() if line.strip()]


def test_run_streams_timestamped_lines_and_exits_0(
    cli: CliRunner, threaded_simulator: Simulator
) -> None:
    """Outputs appear as 'HH:MM:SS.mmm [env/target] Prefix: message'; hooks too; exit 0."""
    result = cli.invoke(
        app, example(threaded_simulator, "interactive-command", "-a", "command=ping")
    )
    assert result.exit_code == 0, result.output
    lines = [LINE.match(line) for line in result.stdout.splitlines()]
    parsed = [(m.group(1), m.group(2), m.group(3)) for m in lines if m]
    assert ("websocket-example/interactive-command", "Global:", "📤 Command sent: ping") in parsed
    assert (
        "websocket-example/interactive-command",
        "Global:",
        "✅ Command executed successfully",
    ) in parsed
    assert ("websocket-example", "environment-setup:", "✅ WebSocket connected") in parsed
    assert "✔ websocket-example/interactive-command succeeded" in result.stdout


def test_run_json_lines_and_stats(cli: CliRunner, threaded_simulator: Simulator) -> None:
    """--json: outputs as they happen, then tasks, then one result (with clients: --stats)."""
    result = cli.invoke(app, example(threaded_simulator, "basic-setup", "--json", "--stats"))
    assert result.exit_code == 0, result.output
    objects = json_lines(result.stdout)
    kinds = [o["type"] for o in objects]
    assert kinds[-1] == "result" and kinds.count("result") == 1
    assert kinds.index("task") > max(i for i, k in enumerate(kinds) if k == "output")
    outputs = [o for o in objects if o["type"] == "output"]
    assert {"time", "env", "target", "source", "prefix", "message"} <= outputs[0].keys()
    assert any(o["message"] == "✅ Connected to WebSocket" for o in outputs)
    tasks = [(o["kind"], o["name"], o["status"]) for o in objects if o["type"] == "task"]
    assert tasks == [
        ("hook", "connect_websocket", "success"),
        ("effect", "basic-setup", "success"),
        ("hook", "disconnect_websocket", "success"),
    ]
    final = objects[-1]
    assert (final["status"], final["ok"], final["exit_code"]) == ("success", True, 0)
    assert final["outputs"] == len(outputs)
    assert len(final["clients"]) == 2  # the hook's shared connection and the script's own
    assert final["clients"][1]["messages_out"] == 1
    assert final["clients"][1]["url"] == f"ws://127.0.0.1:{threaded_simulator.port}"


def test_run_stats_table(cli: CliRunner, threaded_simulator: Simulator) -> None:
    """--stats prints a table of every client's counters."""
    result = cli.invoke(app, example(threaded_simulator, "send-websocket-message", "--stats"))
    assert result.exit_code == 0, result.output
    assert "Clients (ws.stats())" in result.stdout
    assert f"ws://127.0.0.1:{threaded_simulator.port}" in result.stdout


def test_failing_target_exits_1(cli: CliRunner, write_env: WriteEnv) -> None:
    """A target that raises: exit 1, its error in the result, its output kept."""
    root = tiny_env(write_env)
    result = cli.invoke(app, ["run", str(root), "tiny-env", "fails", "--json"])
    assert result.exit_code == 1
    objects = json_lines(result.stdout)
    assert objects[0]["message"] == "about to fail"
    final = objects[-1]
    assert (final["status"], final["exit_code"]) == ("failure", 1)
    assert "RuntimeError: boom" in final["error"]
    human = cli.invoke(app, ["run", str(root), "tiny-env", "fails", "--traceback"])
    assert human.exit_code == 1
    assert "✖ tiny-env/fails failure" in human.stdout
    assert 'raise RuntimeError("boom")' in human.stdout


def test_failing_setup_hook_exits_1(cli: CliRunner) -> None:
    """The example's setup hook fails without a config: exit 1, the target skipped."""
    result = cli.invoke(app, ["run", str(EXAMPLES), EXAMPLE_ENV, "basic-setup", "--json"])
    assert result.exit_code == 1
    tasks = {o["name"]: o for o in json_lines(result.stdout) if o["type"] == "task"}
    assert tasks["connect_websocket"]["error"] == (
        "RuntimeError: No WebSocket configuration selected."
    )
    assert tasks["basic-setup"]["status"] == "skipped"


def test_arguments_are_parsed_per_parameter(cli: CliRunner, write_env: WriteEnv) -> None:
    """--arg NAME=VALUE is converted by the parameter's kind."""
    root = tiny_env(write_env)
    result = cli.invoke(app, ["run", str(root), "tiny-env", "sleepy", "-a", "count=5", "--json"])
    assert result.exit_code == 0, result.output
    assert json_lines(result.stdout)[0]["message"] == "count=5"


def test_timeout_cancels_and_exits_1(cli: CliRunner, write_env: WriteEnv) -> None:
    """--timeout MS cancels a script that runs too long: status cancelled, exit 1."""
    root = tiny_env(write_env)
    args = ["run", str(root), "tiny-env", "sleepy", "-a", "sleep=10000", "--timeout", "100"]
    result = cli.invoke(app, [*args, "--json"])
    assert result.exit_code == 1
    final = json_lines(result.stdout)[-1]
    assert final["status"] == "cancelled"
    assert "timed out after 100 ms" in final["error"]


def test_bad_usage_and_config_exit_2(cli: CliRunner, write_env: WriteEnv) -> None:
    """Unknown env/target/config, bad arguments and overrides: exit 2, message on stderr."""
    root = str(tiny_env(write_env))
    cases = {
        ("run", root, "nope-env", "fails"): "env 'nope-env' is not an environment folder",
        ("run", root, "tiny-env", "nope"): "target 'nope' is not a target of environment",
        ("run", root, "tiny-env", "fails", "-c", "c9"): "config 'c9' is not a config",
        ("run", root, "tiny-env", "sleepy", "-a", "count=x"): "count",
        ("run", root, "tiny-env", "sleepy", "-a", "nope=1"): "is not a parameter of",
        ("run", root, "tiny-env", "sleepy", "-a", "count"): "NAME=VALUE",
        ("run", root, "tiny-env", "fails", "--set", "port=2"): "needs a config",
        ("run", root, "tiny-env", "fails", "-c", "c1", "--set", "port"): "KEY=VALUE",
    }
    for argv, message in cases.items():
        result = cli.invoke(app, list(argv))
        assert result.exit_code == 2, (argv, result.output)
        assert result.stderr.startswith("error: "), argv
        assert message in result.stderr, (argv, result.stderr)
        assert result.stdout == "", argv
    as_json = cli.invoke(app, ["run", root, "tiny-env", "nope", "--json"])
    assert as_json.exit_code == 2
    assert json_lines(as_json.stdout) == [
        {"type": "error", "error": as_json.stderr.removeprefix("error: ").strip(), "exit_code": 2}
    ]


def test_click_usage_errors_exit_2(cli: CliRunner) -> None:
    """A missing argument or an unknown option is a usage error (2)."""
    assert cli.invoke(app, ["run"]).exit_code == 2
    assert cli.invoke(app, ["list", "--bogus"]).exit_code == 2


def test_run_examples_runs_a_bundled_example(cli: CliRunner, threaded_simulator: Simulator) -> None:
    """`run --examples ENV TARGET` needs no ROOT: the examples ship with the package."""
    result = cli.invoke(
        app,
        [
            "run",
            "--examples",
            EXAMPLE_ENV,
            "basic-setup",
            "-c",
            "simulator",
            "--set",
            f"port={threaded_simulator.port}",
        ],
    )
    assert result.exit_code == 0, result.output
    assert "✅ Connected to WebSocket" in result.stdout


def test_run_with_a_positional_missing_or_one_too_many_exits_2(cli: CliRunner) -> None:
    """ROOT ENV without TARGET, or --examples with ROOT as well: bad usage."""
    missing = cli.invoke(app, ["run", str(EXAMPLES), EXAMPLE_ENV])
    assert missing.exit_code == 2
    assert "TARGET: missing" in missing.stderr
    extra = cli.invoke(app, ["run", "--examples", str(EXAMPLES), EXAMPLE_ENV, "basic-setup"])
    assert extra.exit_code == 2
    assert "give ENV TARGET only" in extra.stderr
