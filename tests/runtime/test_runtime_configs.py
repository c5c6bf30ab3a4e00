"""configs.json: format, validation with index and key, re-read on access, ${env:NAME}."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

import pytest

from metis_env.runtime import MissingEnvVarError, TargetEnvConfig, find_config, load_configs


def _write(env_dir: Path, content: Any) -> Path:
    env_dir.mkdir(parents=True, exist_ok=True)
    path = env_dir / "configs.json"
    path.write_text(content if isinstance(content, str) else json.dumps(content), encoding="utf-8")
    return path


def test_missing_file_means_no_configs(tmp_path: Path) -> None:
    """No configs.json: no configs and no problems."""
    loaded = load_configs(tmp_path / "my-env")
    assert (loaded.configs, loaded.problems) == ([], [])


def test_valid_entries(tmp_path: Path) -> None:
    """Entries load in file order; targetEnvId is the folder name; description defaults to ''."""
    env_dir = tmp_path / "my-env"
    _write(
        env_dir,
        [
            {
                "_id": "local",
                "name": "Local",
                "targetEnvId": "ignored",
                "data": {"port": 1},
                "extra": 1,
            },
            {"_id": "prod", "name": "Prod", "description": "real one"},
        ],
    )
    configs = load_configs(env_dir).configs
    assert [(c.id, c.name, c.description, c.target_env_id, c.data) for c in configs] == [
        ("local", "Local", "", "my-env", {"port": 1}),
        ("prod", "Prod", "real one", "my-env", {}),
    ]
    assert (configs[0]["_id"], configs[0]["targetEnvId"], configs[0]._id) == (
        "local",
        "my-env",
        "local",
    )


def test_invalid_json_and_non_array(tmp_path: Path) -> None:
    """Invalid JSON and a top-level non-array are reported; no configs."""
    path = _write(tmp_path / "a-env", "[{")
    loaded = load_configs(tmp_path / "a-env")
    assert loaded.configs == [] and len(loaded.problems) == 1
    assert loaded.problems[0].path == path
    assert loaded.problems[0].message.startswith("configs.json is not valid JSON: ")
    _write(tmp_path / "b-env", {"_id": "x"})
    [problem] = load_configs(tmp_path / "b-env").problems
    assert (
        problem.message
        == "configs.json must be a JSON array of {_id, name, data} objects, not dict"
    )


def test_every_bad_entry_reported_and_file_yields_nothing(tmp_path: Path) -> None:
    """Each invalid entry is reported by index and key; one bad entry voids the whole file."""
    env_dir = tmp_path / "my-env"
    _write(
        env_dir,
        [
            {"_id": "ok", "name": "Fine"},
            {"_id": "", "name": "No id"},
            {"_id": "x", "name": "", "description": None, "data": []},
            "oops",
        ],
    )
    loaded = load_configs(env_dir)
    assert loaded.configs == []
    assert [p.message for p in loaded.problems] == [
        "configs.json[1]._id: must be a non-empty string",
        "configs.json[2].name: must be a non-empty string",
        "configs.json[2].description: must be a string when present",
        "configs.json[2].data: must be an object",
        "configs.json[3]: must be an object with _id, name and data",
        "configs.json: 3 invalid entries: no config from this file is usable",
    ]


def test_duplicate_id_is_a_warning_first_wins(tmp_path: Path) -> None:
    """A duplicate _id is a warning and the first entry wins."""
    env_dir = tmp_path / "my-env"
    _write(env_dir, [{"_id": "a", "name": "First"}, {"_id": "a", "name": "Second"}])
    loaded = load_configs(env_dir)
    assert [c.name for c in loaded.configs] == ["First"]
    assert [(p.severity, p.message) for p in loaded.problems] == [
        ("warning", "configs.json[1]._id: duplicate 'a'; the first one is used")
    ]


def test_reread_on_every_access(tmp_path: Path) -> None:
    """find_config reads the file each time: edits, removals and breakage show at once."""
    env_dir = tmp_path / "my-env"
    _write(env_dir, [{"_id": "c", "name": "C", "data": {"host": "one"}}])
    first = find_config(env_dir, "c")
    _write(env_dir, [{"_id": "c", "name": "C", "data": {"host": "two"}}])
    second = find_config(env_dir, "c")
    _write(env_dir, [{"_id": "c", "name": ""}])
    assert (first and first.data, second and second.data) == ({"host": "one"}, {"host": "two"})
    assert find_config(env_dir, "c") is None
    assert find_config(env_dir, None) is None


def test_env_references_resolved_at_access(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """${env:NAME} in data strings (also nested, also inside text) resolve when data is read."""
    config = TargetEnvConfig(
        "c",
        "C",
        "my-env",
        raw_data={"apiKey": "${env:MY_KEY}", "auth": {"h": ["Bearer ${env:MY_KEY}"]}, "n": 1},
    )
    monkeypatch.setenv("MY_KEY", "s3cret")
    assert config.data == {"apiKey": "s3cret", "auth": {"h": ["Bearer s3cret"]}, "n": 1}
    monkeypatch.setenv("MY_KEY", "rotated")
    assert config.data["apiKey"] == "rotated"
    assert "s3cret" not in repr(config)


def test_missing_env_variable_names_it_and_the_config(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """A missing variable is a ConfigError naming the variable, the config and the key."""
    monkeypatch.delenv("METIS_TEST_MISSING", raising=False)
    config = TargetEnvConfig(
        "local", "L", "my-env", raw_data={"auth": {"token": "${env:METIS_TEST_MISSING}"}}
    )
    with pytest.raises(MissingEnvVarError) as info:
        _ = config.data
    assert str(info.value) == (
        "data.auth.token: environment variable 'METIS_TEST_MISSING' is not set (referenced as "
        "${env:METIS_TEST_MISSING} by config 'local'); set it or change configs.json"
    )
    assert (info.value.variable, info.value.config_id) == ("METIS_TEST_MISSING", "local")
