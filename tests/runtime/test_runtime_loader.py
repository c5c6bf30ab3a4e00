"""Loading environment folders: ids, packages, problems with paths."""

from __future__ import annotations

from pathlib import Path

from runtime_envfiles import ENV_SCHEMA, WriteEnv, target_source

from metis_env.runtime import load_environment, load_environments


def test_loads_env_and_nested_targets(write_env: WriteEnv, tmp_path: Path) -> None:
    """schema.py and targets/**/schema.py load; ids come from the folder; nesting is walked."""
    write_env(
        "my-env",
        {
            "schema.py": ENV_SCHEMA,
            "targets/a/schema.py": target_source("alpha"),
            "targets/group/b-b/schema.py": target_source("beta"),
        },
    )
    report = load_environments(tmp_path)
    env = report.environments["my-env"]
    assert report.problems == []
    assert (env.id, env.schema.id, env.schema.name) == ("my-env", "my-env", "My Env")
    assert sorted(env.targets) == ["alpha", "beta"]
    assert env.targets["beta"].env_id == "my-env"
    assert env.package == "metis_env_user.my_env"


def test_folder_name_rule(write_env: WriteEnv, tmp_path: Path) -> None:
    """Folder names must be lowercase, single hyphens, >= 3 characters; others are skipped."""
    for name in ("ok-env", "ab", "Bad-Env", "a--b", "-ab", "x_y"):
        write_env(name, {"schema.py": ENV_SCHEMA, "targets/t/schema.py": target_source("t")})
    (tmp_path / ".hidden").mkdir()
    report = load_environments(tmp_path)
    assert list(report.environments) == ["ok-env"]
    skipped = sorted(p.path.name for p in report.problems)
    assert skipped == sorted(["ab", "Bad-Env", "a--b", "-ab", "x_y"])
    assert all("invalid target-environment folder name" in p.message for p in report.problems)


def test_missing_schema_or_targets(write_env: WriteEnv, tmp_path: Path) -> None:
    """No schema.py or no targets/ folder: a problem naming the path, environment skipped."""
    write_env("no-schema", {"targets/t/schema.py": target_source("t")})
    write_env("no-targets", {"schema.py": ENV_SCHEMA})
    report = load_environments(tmp_path)
    assert report.environments == {}
    messages = sorted(str(p) for p in report.problems)
    assert messages == [
        f"{tmp_path}/no-schema/schema.py: "
        f'No valid schema found at "{tmp_path}/no-schema/schema.py". '
        "Skipping target environment...",
        f"{tmp_path}/no-targets/targets: "
        f'No target folder found at "{tmp_path}/no-targets/targets". '
        "Skipping target environment...",
    ]


def test_broken_target_does_not_hide_others(write_env: WriteEnv) -> None:
    """A target raising at import is reported with its file and line; the others load."""
    env_dir = write_env(
        "my-env",
        {
            "schema.py": ENV_SCHEMA,
            "targets/good/schema.py": target_source("good"),
            "targets/bad/schema.py": "import math\nx = 1 / 0\n",
            "targets/syntax/schema.py": "def (:\n",
        },
    )
    report = load_environment(env_dir)
    assert list(report.environments["my-env"].targets) == ["good"]
    by_file = {p.path.parent.name: p.message for p in report.problems}
    assert by_file["bad"] == "failed to import: ZeroDivisionError: division by zero (line 2)"
    assert by_file["syntax"].startswith("failed to import: SyntaxError:")
    assert by_file["syntax"].endswith("(line 1)")


def test_duplicate_target_ids(write_env: WriteEnv) -> None:
    """A second target with the same id is refused with the original's message."""
    env_dir = write_env(
        "my-env",
        {
            "schema.py": ENV_SCHEMA,
            "targets/a/schema.py": target_source("same"),
            "targets/b/schema.py": target_source("same"),
        },
    )
    report = load_environment(env_dir)
    assert list(report.environments["my-env"].targets) == ["same"]
    [problem] = report.problems
    assert problem.path == env_dir / "targets/b/schema.py"
    assert problem.message == (
        'Duplicate target ID "same" found in target environment "My Env". Each target must '
        f'have a unique ID. (first declared in "{env_dir / "targets/a/schema.py"}")'
    )


def test_bad_parameter_declaration_names_file_target_rule(write_env: WriteEnv) -> None:
    """A bad parameter fails at load: the problem names the file, the target and the rule."""
    params = '[{"_id": "duration", "name": "D", "type": "number", "required": True}]'
    env_dir = write_env(
        "my-env",
        {"schema.py": ENV_SCHEMA, "targets/t/schema.py": target_source("mon", params=params)},
    )
    [problem] = load_environment(env_dir).errors
    assert str(problem).startswith(
        f"{env_dir}/targets/t/schema.py: failed to import: "
        "target 'mon': parameters.duration.default: "
        "is required when required=True"
    )


def test_export_conventions(write_env: WriteEnv) -> None:
    """'default', a single unnamed instance, or several instances (a problem) are handled."""
    head = "from metis_env.schema import TargetSchema\nasync def s(c): pass\n"
    single = head + "x = TargetSchema('one', 'One', script=s)\n"
    default = head + "default = TargetSchema('two', 'Two', script=s)\n"
    several = single + "y = TargetSchema('three', 'Three', script=s)\n"
    wrong = "target = 5\n"
    env_dir = write_env(
        "my-env",
        {
            "schema.py": ENV_SCHEMA,
            "targets/a/schema.py": single,
            "targets/b/schema.py": default,
            "targets/c/schema.py": several,
            "targets/d/schema.py": wrong,
        },
    )
    report = load_environment(env_dir)
    assert sorted(report.environments["my-env"].targets) == ["one", "two"]
    by_file = {p.path.parent.name: p.message for p in report.problems}
    assert by_file["c"].endswith("exposes 2 TargetSchema instances; name the one to use 'target'")
    assert by_file["d"].endswith("'target' must be a TargetSchema instance, not int")


def test_env_schema_not_exported(write_env: WriteEnv) -> None:
    """An environment schema.py without a TargetEnvSchema is reported and skipped."""
    env_dir = write_env(
        "my-env", {"schema.py": "x = 1\n", "targets/t/schema.py": target_source("t")}
    )
    report = load_environment(env_dir)
    [problem] = report.problems
    assert report.environments == {}
    assert problem.message == (
        f'The module at path "{env_dir / "schema.py"}" does not export a valid TargetEnvSchema '
        "instance (define 'environment = TargetEnvSchema(...)'). Skipping target environment..."
    )


def test_zero_targets_is_a_warning(write_env: WriteEnv) -> None:
    """An environment whose targets all fail still loads, with a warning."""
    env_dir = write_env(
        "my-env", {"schema.py": ENV_SCHEMA, "targets/x/schema.py": "raise ValueError('no')\n"}
    )
    report = load_environment(env_dir)
    assert "my-env" in report.environments
    assert [(p.severity, p.message) for p in report.warnings] == [
        ("warning", 'No valid targets found in "My Env".')
    ]


def test_targets_share_the_environment_module(write_env: WriteEnv) -> None:
    """A target importing its environment module (and a sibling) gets the same instance."""
    env_dir = write_env(
        "my-env",
        {
            "schema.py": ENV_SCHEMA + "shared = []\n",
            "targets/t/helpers.py": "VALUE = 'sibling'\n",
            "targets/t/schema.py": target_source("t")
            + "from ...schema import shared, environment as env_schema\n"
            + "from .helpers import VALUE\nshared.append(VALUE)\n",
        },
    )
    report = load_environment(env_dir)
    env = report.environments["my-env"]
    import sys

    env_module = sys.modules[f"{env.package}.schema"]
    assert env_module.shared == ["sibling"]
    assert env_module.environment is env.schema


def test_loading_twice_gives_fresh_modules(write_env: WriteEnv) -> None:
    """Each load imports fresh modules under a new package name; unload forgets them."""
    env_dir = write_env(
        "my-env", {"schema.py": ENV_SCHEMA, "targets/t/schema.py": target_source("t")}
    )
    first = load_environment(env_dir).environments["my-env"]
    second = load_environment(env_dir).environments["my-env"]
    assert (first.package, second.package) == ("metis_env_user.my_env", "metis_env_user.my_env_2")
    assert first.schema is not second.schema
    import sys

    first.unload()
    assert "metis_env_user.my_env.schema" not in sys.modules
    assert "metis_env_user.my_env_2.schema" in sys.modules
