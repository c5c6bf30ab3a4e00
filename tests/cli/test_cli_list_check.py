"""``metis-env list`` and ``check`` through CliRunner: content, JSON shape, exit codes, and
secrets from configs.json never printed."""

from __future__ import annotations

import json
from collections.abc import Callable
from pathlib import Path

from cli_helpers import ALL_TARGETS, EXAMPLE_ENV, EXAMPLE_TARGETS, EXAMPLES, MISSION_ENV
from typer.testing import CliRunner

from metis_env.cli import app

WriteEnv = Callable[[str, dict[str, str]], Path]
SECRET = "sekrit-value"

ENV_SCHEMA = """
from metis_env.schema import TargetEnvSchema
environment = TargetEnvSchema(name="Secret Env", version="2.0.0")
"""
GOOD_TARGET = """
from metis_env.schema import TargetSchema

async def script(context):
    pass

target = TargetSchema(
    id="good", name="Good", script=script,
    parameters=[{"_id": "n", "name": "N", "type": "number", "required": True, "default": 3}],
)
"""
# A broken target whose import error quotes the secret: check must still not print it.
LEAKY_BROKEN_TARGET = f"""
raise RuntimeError("could not reach the server with key {SECRET}")
"""
CONFIGS = [
    {
        "_id": "prod",
        "name": "Production",
        "data": {"host": "127.0.0.1", "port": 9000, "apiKey": SECRET, "conectTimeout": 5000},
    },
    {"_id": "envref", "name": "From env", "data": {"token": "${env:METIS_CLI_TEST_UNSET}"}},
]


def secret_env(write_env: WriteEnv, *, broken: bool = False) -> Path:
    """An environment whose config holds an apiKey; returns the root."""
    files = {
        "schema.py": ENV_SCHEMA,
        "targets/good/schema.py": GOOD_TARGET,
        "configs.json": json.dumps(CONFIGS),
    }
    if broken:
        files["targets/broken/schema.py"] = LEAKY_BROKEN_TARGET
    return write_env("secret-env", files).parent


def test_list_shows_environments_targets_and_configs(cli: CliRunner) -> None:
    """The examples: every target with its parameters, the config id and name, the hooks."""
    result = cli.invoke(app, ["list", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    for target in EXAMPLE_TARGETS:
        assert target in result.stdout
    assert "websocket-example — WebSocket Environment v1.0.0" in result.stdout
    assert "duration: number = 1.5 (required)" in result.stdout
    assert "configs: simulator (Embedded simulator)" in result.stdout
    assert "environment-setup ×1" in result.stdout


def test_list_json_shape(cli: CliRunner) -> None:
    """--json: one list object with environments, targets, parameters and configs."""
    result = cli.invoke(app, ["list", str(EXAMPLES), "--json"])
    assert result.exit_code == 0, result.output
    (listing,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert listing["type"] == "list" and listing["problems"] == []
    env = next(e for e in listing["environments"] if e["id"] == EXAMPLE_ENV)
    assert env["id"] == EXAMPLE_ENV
    assert sorted(t["id"] for t in env["targets"]) == sorted(EXAMPLE_TARGETS)
    command = next(t for t in env["targets"] if t["id"] == "interactive-command")
    assert command["parameters"][0] == {
        "id": "command",
        "name": "Command",
        "type": "string",
        "required": True,
        "default": "status",
        "rules": {},
    }
    assert env["configs"][0]["id"] == "simulator"
    assert env["configs"][0]["data"]["port"] == 8765


def test_list_and_check_never_print_secrets(cli: CliRunner, write_env: WriteEnv) -> None:
    """The apiKey value appears in no output of list/check, human or JSON."""
    root = str(secret_env(write_env, broken=True))
    for argv in (
        ["list", root],
        ["list", root, "--json"],
        ["check", root],
        ["check", root, "--json"],
    ):
        result = cli.invoke(app, argv)
        assert SECRET not in result.stdout, argv
        assert SECRET not in result.stderr, argv
    listing = json.loads(cli.invoke(app, ["list", root, "--json"]).stdout)
    prod = listing["environments"][0]["configs"][0]
    assert prod["data"]["apiKey"] == "***"
    assert prod["data"]["host"] == "127.0.0.1"


def test_check_lists_every_problem_with_its_file_and_exits_2(
    cli: CliRunner, write_env: WriteEnv
) -> None:
    """A broken target is an error (exit 2); config warnings name configs.json."""
    root = secret_env(write_env, broken=True)
    result = cli.invoke(app, ["check", str(root), "--json"])
    assert result.exit_code == 2, result.output
    (report,) = [json.loads(line) for line in result.stdout.splitlines()]
    assert (report["ok"], report["exit_code"], report["errors"]) == (False, 2, 1)
    by_path = {(p["path"], p["severity"]): p["message"] for p in report["problems"]}
    broken = by_path["secret-env/targets/broken/schema.py", "error"]
    assert "could not reach the server with key ***" in broken
    warnings = [p for p in report["problems"] if p["severity"] == "warning"]
    assert {p["path"] for p in warnings} == {"secret-env/configs.json"}
    texts = " | ".join(p["message"] for p in warnings)
    assert "METIS_CLI_TEST_UNSET" in texts
    assert "conectTimeout" in texts
    human = cli.invoke(app, ["check", str(root)])
    assert human.exit_code == 2
    assert "secret-env/targets/broken/schema.py" in human.stdout
    assert "1 error(s)" in human.stdout


def test_check_passes_on_the_examples(cli: CliRunner) -> None:
    """The bundled examples check clean: exit 0."""
    result = cli.invoke(app, ["check", str(EXAMPLES)])
    assert result.exit_code == 0, result.output
    assert (
        "✔ 0 error(s), 0 warning(s) in 2 environment(s), "
        f"{ALL_TARGETS} target(s), 1 config(s)" in (result.stdout)
    )


def test_root_that_is_not_a_folder_exits_2(cli: CliRunner, tmp_path: Path) -> None:
    """list/check of a missing root: exit 2 with the reason on stderr."""
    for command in ("list", "check"):
        result = cli.invoke(app, [command, str(tmp_path / "missing")])
        assert result.exit_code == 2
        assert "must be a directory" in result.stderr


def test_list_and_check_examples_name_the_bundled_examples(cli: CliRunner) -> None:
    """--examples stands for ROOT: the examples shipped inside the package."""
    listing = cli.invoke(app, ["list", "--examples", "--json"])
    assert listing.exit_code == 0, listing.output
    (report,) = [json.loads(line) for line in listing.stdout.splitlines()]
    assert Path(report["root"]) == EXAMPLES
    assert [env["id"] for env in report["environments"]] == [MISSION_ENV, EXAMPLE_ENV]
    checked = cli.invoke(app, ["check", "--examples"])
    assert checked.exit_code == 0, checked.output
    assert f"{ALL_TARGETS} target(s)" in checked.stdout


def test_examples_are_package_data() -> None:
    """The examples live inside metis_env, where importlib.resources finds them in a wheel."""
    assert EXAMPLES.parts[-3:] == ("metis_env", "examples", "environments")
    assert (EXAMPLES / EXAMPLE_ENV / "configs.json").is_file()


def test_root_and_examples_together_exit_2(cli: CliRunner, tmp_path: Path) -> None:
    """ROOT and --examples name the same thing: giving both is bad usage."""
    for command in ("list", "check"):
        result = cli.invoke(app, [command, str(tmp_path), "--examples"])
        assert result.exit_code == 2
        assert "leave ROOT out" in result.stderr
