"""The CLI tells the truth when things go wrong (issue 13, item 5): each case, as a user meets
it, through CliRunner or a real process."""

from __future__ import annotations

import json
import os
import signal
import subprocess
import sys
import textwrap
from datetime import UTC, datetime
from pathlib import Path

import pytest
from typer.testing import CliRunner

from metis_env.cli import app
from metis_env.cli.ui import LiveEvents, Ui
from metis_env.runtime import ClientEvent

ENV_SCHEMA = """
from pathlib import Path
from metis_env.schema import TargetEnvSchema
environment = TargetEnvSchema(name="Drone fleet", description="d", version="1.0.0")

async def setup(context):
    (context.config.target_env_config and None)
    Path({marker!r}).write_text("setup ran")

environment.on("environment-setup", setup)
"""


def write(root: Path, files: dict[str, str]) -> None:
    for relative, text in files.items():
        path = root / relative
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(textwrap.dedent(text).lstrip(), encoding="utf-8")


@pytest.fixture
def fleet(tmp_path: Path) -> Path:
    root = tmp_path / "envs"
    marker = tmp_path / "setup-ran"
    write(
        root,
        {
            "drone-fleet/schema.py": ENV_SCHEMA.format(marker=str(marker)),
            "drone-fleet/targets/ping/schema.py": """
                from metis_env.schema import TargetSchema
                async def script(context):
                    context.send_output("pong")
                target = TargetSchema(id="ping", name="Ping", script=script)
            """,
            "drone-fleet/targets/boom/schema.py": """
                from metis_env.schema import TargetSchema
                async def script(context):
                    raise RuntimeError("the drone refused the command")
                target = TargetSchema(id="boom", name="Boom", script=script)
            """,
            "drone-fleet/targets/sync/schema.py": """
                from metis_env.schema import TargetSchema, NumberParameter
                def script(context):
                    pass
                target = TargetSchema(id="sync", name="Sync", script=script)
            """,
            "drone-fleet/targets/rules/schema.py": """
                from metis_env.schema import NumberParameter, TargetSchema
                async def script(context):
                    pass
                target = TargetSchema(id="rules", name="Rules", script=script, parameters=[
                    NumberParameter(id="altitude", name="Altitude", required=True, default=100,
                                    min=10, max=400, integers_only=True, unit="m")])
            """,
            "drone-fleet/configs.json": json.dumps(
                [
                    {"_id": "good", "name": "Good", "data": {"host": "127.0.0.1", "port": 1}},
                    {"_id": "slow", "name": "Slow", "data": {"port": 1, "reconnectDelay": 200}},
                    {"_id": "keyed", "name": "K", "data": {"port": 1, "apiKey": "${env:NO_X_1}"}},
                ]
            ),
            "tests/test_fleet.py": "def test_nothing():\n    pass\n",
            "_private/notes.txt": "not an environment",
            ".cache/x.txt": "hidden",
            "docs/readme.txt": "no schema here",
        },
    )
    return root


def invoke(*args: str) -> tuple[int, str]:
    result = CliRunner().invoke(app, list(args))
    return result.exit_code, result.output


def test_run_names_why_a_target_failed_to_load(fleet: Path) -> None:
    """A plain ``def`` script: run says which file failed and why, exit 2."""
    code, out = invoke("run", str(fleet), "drone-fleet", "sync")
    assert code == 2
    assert "targets/sync/schema.py" in out and "async def" in out


def test_check_and_list_pass_over_folders_that_are_not_environments(fleet: Path) -> None:
    """tests/, _private/, .cache/, docs/ (no schema.py) are notes, not errors."""
    code, out = invoke("check", str(fleet), "--json")
    assert code == 2  # the other problems of this root are errors
    report = json.loads(out.splitlines()[-1])
    notes = {Path(p["path"]).name for p in report["problems"] if p["severity"] == "note"}
    assert notes == {"tests", "_private", "docs"}
    assert not any("tests" in p["path"] and p["severity"] == "error" for p in report["problems"])
    code, out = invoke("list", str(fleet), "--json")
    assert code == 0 and "drone-fleet" in out


def test_check_says_pass_the_parent_of_an_environment_folder(fleet: Path) -> None:
    """ROOT is an environment folder itself: exit 2 and what to pass instead."""
    code, out = invoke("check", str(fleet / "drone-fleet"))
    assert code == 2 and "pass its parent" in out and str(fleet) in out


def test_an_option_breaking_a_rule_is_an_error_in_check_and_refused_by_run(fleet: Path) -> None:
    """reconnectDelay 200 (< 250): check exit 2; run exit 2 before any hook; --set too."""
    code, out = invoke("check", str(fleet), "--json")
    report = json.loads(out.splitlines()[-1])
    errors = [p["message"] for p in report["problems"] if p["severity"] == "error"]
    assert code == 2 and any("'slow'" in e and "reconnectDelay" in e for e in errors)
    marker = fleet.parent / "setup-ran"
    code, out = invoke("run", str(fleet), "drone-fleet", "ping", "-c", "slow")
    assert code == 2 and "reconnectDelay" in out and not marker.exists()
    code, out = invoke(
        "run", str(fleet), "drone-fleet", "ping", "-c", "good", "--set", "port=99999"
    )
    assert code == 2 and "port" in out and not marker.exists()
    code, out = invoke("run", str(fleet), "drone-fleet", "ping", "-c", "good")
    assert code == 0 and marker.exists()


def test_a_missing_env_var_is_a_check_warning_and_fails_run_before_any_hook(
    fleet: Path,
) -> None:
    """${env:NO_X_1}: check warns naming the config and key; run exits 2, no hook ran."""
    os.environ.pop("NO_X_1", None)
    code, out = invoke("check", str(fleet), "--json")
    report = json.loads(out.splitlines()[-1])
    warnings = [p["message"] for p in report["problems"] if p["severity"] == "warning"]
    assert any("'keyed'" in w and "apiKey" in w and "NO_X_1" in w for w in warnings)
    code, out = invoke("run", str(fleet), "drone-fleet", "ping", "-c", "keyed")
    assert code == 2 and "NO_X_1" in out
    assert not (fleet.parent / "setup-ran").exists()


def test_list_shows_each_parameters_rules(fleet: Path) -> None:
    """min, max, integers-only, unit, default, required: in the text and in --json."""
    code, out = invoke("list", str(fleet), "--json")
    assert code == 0
    listing = json.loads(out.splitlines()[-1])
    [env] = listing["environments"]
    [altitude] = next(t for t in env["targets"] if t["id"] == "rules")["parameters"]
    assert altitude["rules"] == {"min": 10, "max": 400, "integersOnly": True, "unit": "m"}
    assert altitude["required"] and altitude["default"] == 100
    _, out = invoke("list", str(fleet))
    assert "min 10" in out and "max 400" in out and "unit m" in out


def test_a_failure_is_printed_once(fleet: Path) -> None:
    """The error text appears once: in the summary line."""
    code, out = invoke("run", str(fleet), "drone-fleet", "boom")
    assert code == 1
    assert out.count("the drone refused the command") == 1


def test_client_events_are_lines_of_the_run_output() -> None:
    """reconnecting / reconnect-failed / an unexpected close: a line, or a JSON record."""
    import io

    from rich.console import Console

    event = ClientEvent(datetime.now(UTC), "ws://h:1", "reconnecting", "attempt 1 in 250 ms")
    for json_mode in (False, True):
        buffer = io.StringIO()
        ui = Ui(Console(file=buffer, width=100), Console(file=io.StringIO()), json_mode)
        LiveEvents(ui).emit(event)
        text = buffer.getvalue()
        if json_mode:
            assert json.loads(text)["type"] == "client" and json.loads(text)["event"] == (
                "reconnecting"
            )
        else:
            assert "reconnecting" in text and "attempt 1" in text


def test_json_ends_with_a_result_line_after_ctrl_c(tmp_path: Path) -> None:
    """SIGINT during a sleeping script: the last JSON line is a result (exit 130)."""
    root = tmp_path / "envs"
    write(
        root,
        {
            "sleepy-env/schema.py": (
                "from metis_env.schema import TargetEnvSchema\n"
                "environment = TargetEnvSchema(name='S', description='d', version='1.0.0')\n"
            ),
            "sleepy-env/targets/nap/schema.py": """
                from metis_env.schema import TargetSchema
                async def script(context):
                    context.send_output("sleeping")
                    await context.sleep(30000)
                target = TargetSchema(id="nap", name="Nap", script=script)
            """,
        },
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "metis_env.cli", "run", str(root), "sleepy-env", "nap", "--json"],
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
    )
    assert process.stdout is not None
    first = process.stdout.readline()  # the output line: the script is asleep now
    assert json.loads(first)["message"] == "sleeping"
    process.send_signal(signal.SIGINT)
    rest, _ = process.communicate(timeout=30)
    lines = [json.loads(line) for line in rest.splitlines() if line.strip()]
    assert process.returncode == 130
    assert lines[-1]["type"] == "result" and lines[-1]["status"] == "interrupted"
