"""What ``list`` and ``check`` find under a root: environments, targets, configs, problems.

Both load every environment (importing its modules), build a report, and unload again.
Secret values of configs never reach a report: config ``data`` is passed through
`redact_mapping`, and every problem message through `redact_text` with the secret values
of every config found (an import error could quote one).
"""

from __future__ import annotations

import warnings
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from metis_env.api import InvalidConfigurationError, WebSocketApiOptions
from metis_env.api.secrets import redact_mapping, redact_text, secret_values
from metis_env.runtime import (
    CONFIGS_FILE,
    LoadedEnvironment,
    LoadReport,
    MissingEnvVarError,
    Problem,
    TargetEnvConfig,
    load_environments,
    resolve_env_refs,
)
from metis_env.schema import HOOK_EVENTS, TargetSchema

from .results import (
    CheckReport,
    ConfigSummary,
    EnvironmentSummary,
    ListReport,
    ParameterSummary,
    TargetSummary,
    relative,
)

__all__ = ["build_check", "build_list", "config_problems"]


def _secrets(configs: Iterable[TargetEnvConfig]) -> list[str]:
    found: list[str] = []
    for config in configs:
        found.extend(secret_values(config.raw_data))
    return found


def _redacted(problems: Iterable[Problem], secrets: list[str]) -> list[Problem]:
    return [Problem(p.path, redact_text(p.message, secrets), p.severity) for p in problems]


def parameter_rules(parameter: Any) -> dict[str, Any]:
    """What a parameter declares beyond its type, in the declaration's spelling."""
    rules: dict[str, Any] = {}
    for attribute, key in (
        ("min", "min"),
        ("max", "max"),
        ("integers_only", "integersOnly"),
        ("unit", "unit"),
        ("multiple", "multiple"),
    ):
        value = getattr(parameter, attribute, None)
        if value is not None and value is not False:
            rules[key] = value
    pattern = getattr(parameter, "pattern", None)
    if pattern is not None:
        rules["pattern"] = getattr(pattern, "pattern", str(pattern))
    options = getattr(parameter, "options", None)
    if options:
        rules["options"] = [{"_id": o.id, "name": o.name, "value": o.value} for o in options]
    kinds = getattr(parameter, "valid_component_types", None)
    if kinds:
        rules["validComponentTypes"] = list(kinds)
    dependencies = getattr(parameter, "dependencies", ())
    if dependencies:
        rules["dependencies"] = [d.encode() for d in dependencies]
    return rules


def _target(target: TargetSchema, path: Path, root: Path) -> TargetSummary:
    parameters = [
        ParameterSummary(
            p.id,
            p.name,
            p.type,
            bool(getattr(p, "required", False)),
            getattr(p, "default", None),
            parameter_rules(p),
        )
        for p in target.parameters
    ]
    return TargetSummary(
        target.id, target.name, target.description, relative(path, root), parameters
    )


def _environment(env: LoadedEnvironment, root: Path) -> EnvironmentSummary:
    configs = [
        ConfigSummary(c.id, c.name, c.description, redact_mapping(c.raw_data))
        for c in env.configs().configs
    ]
    return EnvironmentSummary(
        id=env.id,
        name=env.schema.name,
        description=env.schema.description,
        version=env.schema.version,
        path=relative(env.path, root),
        hooks={event: len(env.schema.hooks(event)) for event in HOOK_EVENTS},  # type: ignore[arg-type]
        targets=[
            _target(target, env.target_paths[target_id], root)
            for target_id, target in sorted(env.targets.items())
        ],
        configs=configs,
    )


def config_problems(env: LoadedEnvironment) -> list[Problem]:
    """Problems of each config's ``data``: an unset ``${env:NAME}`` (a warning naming the
    config and the key: ``run`` with that config fails before any hook), and data that
    `WebSocketApi.from_config` rejects (an error: ``run`` refuses it with exit code 2) or
    warns about (a near-miss key).
    """
    path = env.path / CONFIGS_FILE
    problems: list[Problem] = []
    for config in env.configs().configs:
        where = f"config {config.id!r}"
        data: dict[str, Any] = {}
        for key, value in config.raw_data.items():  # each key alone: one unset var hides none
            try:
                data[key] = resolve_env_refs(value, config_id=config.id, key=f"data.{key}")
            except MissingEnvVarError as exc:
                problems.append(Problem(path, f"{where}: {exc}", "warning"))
        with warnings.catch_warnings(record=True) as caught:
            warnings.simplefilter("always")
            try:
                WebSocketApiOptions.parse(data)
            except InvalidConfigurationError as exc:
                message = f"{where}: {exc} (metis-env run refuses this config)"
                problems.append(Problem(path, message, "error"))
        for warning in caught:
            problems.append(Problem(path, f"{where}: {warning.message}", "warning"))
    return problems


def _load(root: Path) -> tuple[LoadReport, list[str]]:
    report = load_environments(root)
    secrets = _secrets(c for env in report.environments.values() for c in env.configs().configs)
    return report, secrets


def _unload(report: LoadReport) -> None:
    for env in report.environments.values():
        env.unload()


def build_list(root: Path) -> ListReport:
    """Every environment under ``root`` with its targets, parameters, configs and hooks.

    Raises:
        EnvironmentNotFoundError: ``root`` is not a directory.
    """
    root = root.resolve()
    report, secrets = _load(root)
    try:
        environments = [_environment(env, root) for env in report.environments.values()]
    finally:
        _unload(report)
    return ListReport(root, environments, _redacted(report.problems, secrets))


def build_check(root: Path) -> CheckReport:
    """Every problem of every environment under ``root`` and of its configs.

    Raises:
        EnvironmentNotFoundError: ``root`` is not a directory.
    """
    root = root.resolve()
    report, secrets = _load(root)
    problems: list[Problem] = list(report.problems)
    try:
        targets = configs = 0
        for env in report.environments.values():
            targets += len(env.targets)
            configs += len(env.configs().configs)
            problems.extend(config_problems(env))
    finally:
        _unload(report)
    ids = list(report.environments)
    return CheckReport(root, ids, targets, configs, _redacted(problems, secrets))
