"""``configs.json``: named connection settings per environment (metis-behaviour §3).

The file is an array of ``{_id, name, description?, data}`` objects. Kept from the original:

* a missing file means no configs, silently;
* the file is re-read on every access (`find_config` is what ``context.config.
  target_env_config`` calls), so edits apply mid-session;
* ``targetEnvId`` is overwritten by the folder name; unknown keys are dropped;
* **one invalid entry means the whole file yields no configs.**

Ours: every invalid entry is reported (index and key: ``configs.json[2].name: must be a
non-empty string``), not only the first; a duplicate ``_id`` is a warning (first one wins,
as in the original); and string values in ``data`` may reference environment variables as
``${env:NAME}``, resolved each time ``data`` is read, so secrets can stay out of the file.
"""

from __future__ import annotations

import json
import os
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from metis_env.api.errors import ConfigError
from metis_env.runtime.problems import Problem

__all__ = [
    "CONFIGS_FILE",
    "ConfigsLoad",
    "MissingEnvVarError",
    "TargetEnvConfig",
    "find_config",
    "load_configs",
    "resolve_env_refs",
]

CONFIGS_FILE = "configs.json"
_ENV_REF = re.compile(r"\$\{env:([^}]*)\}")
_ITEM_KEYS = {"_id": "id", "name": "name", "description": "description"}
_ITEM_KEYS |= {"targetEnvId": "target_env_id", "data": "data"}


class MissingEnvVarError(ConfigError):
    """Raised when a config's ``data`` references ``${env:NAME}`` and NAME is not set.

    Attributes:
        variable: the environment variable's name.
        config_id: the config that references it.
    """

    def __init__(self, variable: str, config_id: str, key: str) -> None:
        rule = (
            f"environment variable {variable!r} is not set (referenced as ${{env:{variable}}} "
            f"by config {config_id!r}); set it or change configs.json"
        )
        super().__init__(key, rule=rule)
        self.variable = variable
        self.config_id = config_id


def resolve_env_refs(value: Any, *, config_id: str, key: str = "data") -> Any:
    """A copy of ``value`` with every ``${env:NAME}`` in its strings replaced.

    Raises:
        MissingEnvVarError: a referenced variable is not set.
    """
    if isinstance(value, str):

        def substitute(match: re.Match[str]) -> str:
            name = match.group(1)
            if not name or name not in os.environ:
                raise MissingEnvVarError(name, config_id, key)
            return os.environ[name]

        return _ENV_REF.sub(substitute, value)
    if isinstance(value, Mapping):
        return {
            k: resolve_env_refs(v, config_id=config_id, key=f"{key}.{k}") for k, v in value.items()
        }
    if isinstance(value, list):
        return [
            resolve_env_refs(v, config_id=config_id, key=f"{key}[{i}]") for i, v in enumerate(value)
        ]
    return value


@dataclass(frozen=True)
class TargetEnvConfig:
    """One entry of ``configs.json``, as scripts see it via ``context.config.target_env_config``.

    Attribute access uses Python names (``id``, ``target_env_id``); the original's keys work
    with ``config["_id"]``/``config["targetEnvId"]`` and ``config._id``.
    """

    id: str
    name: str
    target_env_id: str
    description: str = ""
    raw_data: Mapping[str, Any] = field(default_factory=dict)

    @property
    def _id(self) -> str:
        """The original's name for `id`."""
        return self.id

    @property
    def data(self) -> dict[str, Any]:
        """The settings, with ``${env:NAME}`` references resolved now (a fresh copy).

        Raises:
            MissingEnvVarError: a referenced environment variable is not set.
        """
        resolved: dict[str, Any] = resolve_env_refs(self.raw_data, config_id=self.id)
        return resolved

    def __getitem__(self, key: str) -> Any:
        if key not in _ITEM_KEYS:
            raise KeyError(key)
        return getattr(self, _ITEM_KEYS[key])

    def __repr__(self) -> str:
        # data is left out: it usually holds credentials.
        env = self.target_env_id
        return f"TargetEnvConfig(id={self.id!r}, name={self.name!r}, target_env_id={env!r})"


@dataclass
class ConfigsLoad:
    """The configs of one file and the problems found in it."""

    configs: list[TargetEnvConfig]
    problems: list[Problem]


#: Deepest nesting accepted in ``data`` (reading it walks it recursively).
MAX_DATA_DEPTH = 64


def _depth_exceeds(value: Any, limit: int) -> bool:
    """Whether ``value`` nests lists/objects deeper than ``limit`` (iterative: no recursion)."""
    stack = [(value, 0)]
    while stack:
        item, depth = stack.pop()
        children = (
            item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        )
        if children and depth >= limit:
            return True
        stack.extend((child, depth + 1) for child in children)
    return False


def _entry_issues(index: int, entry: Any) -> list[str]:
    where = f"{CONFIGS_FILE}[{index}]"
    if not isinstance(entry, dict):
        return [f"{where}: must be an object with _id, name and data"]
    issues = []
    for key in ("_id", "name"):
        if not isinstance(entry.get(key), str) or not entry[key]:
            issues.append(f"{where}.{key}: must be a non-empty string")
    if "description" in entry and not isinstance(entry["description"], str):
        issues.append(f"{where}.description: must be a string when present")
    if "data" in entry and not isinstance(entry["data"], dict):
        issues.append(f"{where}.data: must be an object")
    elif _depth_exceeds(entry.get("data"), MAX_DATA_DEPTH):
        issues.append(f"{where}.data: must not nest deeper than {MAX_DATA_DEPTH} levels")
    return issues


def load_configs(env_dir: Path, env_id: str | None = None) -> ConfigsLoad:
    """Read ``<env_dir>/configs.json`` now. Never raises: problems are returned.

    Args:
        env_dir: the environment's folder.
        env_id: the environment id written into each config (default: the folder name).
    """
    path = env_dir / CONFIGS_FILE
    target_env_id = env_id or env_dir.name
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        return ConfigsLoad([], [])
    except OSError as exc:
        return ConfigsLoad([], [Problem(path, f"cannot read {CONFIGS_FILE}: {exc}")])
    except UnicodeDecodeError as exc:  # a ValueError, not an OSError
        return ConfigsLoad([], [Problem(path, f"{CONFIGS_FILE} is not UTF-8 text: {exc}")])
    try:
        entries = json.loads(text)
    except ValueError as exc:
        return ConfigsLoad([], [Problem(path, f"{CONFIGS_FILE} is not valid JSON: {exc}")])
    except RecursionError:
        return ConfigsLoad([], [Problem(path, f"{CONFIGS_FILE} is nested too deeply to read")])
    if not isinstance(entries, list):
        rule = f"{CONFIGS_FILE} must be a JSON array of {{_id, name, data}} objects"
        return ConfigsLoad([], [Problem(path, f"{rule}, not {type(entries).__name__}")])
    issues = [_entry_issues(index, entry) for index, entry in enumerate(entries)]
    problems = [Problem(path, issue) for entry_issues in issues for issue in entry_issues]
    if problems:
        count = sum(1 for entry_issues in issues if entry_issues)
        entries_text = "entry" if count == 1 else "entries"
        summary = f"{count} invalid {entries_text}: no config from this file is usable"
        return ConfigsLoad([], [*problems, Problem(path, f"{CONFIGS_FILE}: {summary}")])
    configs: list[TargetEnvConfig] = []
    for index, entry in enumerate(entries):
        if any(c.id == entry["_id"] for c in configs):
            message = (
                f"{CONFIGS_FILE}[{index}]._id: duplicate {entry['_id']!r}; the first one is used"
            )
            problems.append(Problem(path, message, "warning"))
            continue
        configs.append(
            TargetEnvConfig(
                id=entry["_id"],
                name=entry["name"],
                target_env_id=target_env_id,
                description=entry.get("description", ""),
                raw_data=entry.get("data", {}),
            )
        )
    return ConfigsLoad(configs, problems)


def find_config(
    env_dir: Path, config_id: str | None, env_id: str | None = None
) -> TargetEnvConfig | None:
    """Re-read the file and return the config with ``_id == config_id`` (``None`` if none)."""
    if not config_id:
        return None
    return next((c for c in load_configs(env_dir, env_id).configs if c.id == config_id), None)
