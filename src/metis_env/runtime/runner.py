"""`run_target`: load one environment, check everything, run one target in a fresh session.

What ``metis-env run`` calls. Everything that can be checked before running is checked
before any hook runs, and raised as a `ConfigError` (exit code 2 in the CLI): an unknown
environment or target, an unknown config id, a bad argument (`ArgumentError`). What
happens while running is reported in the returned `SessionResult`, never raised (except
cancellation, which is re-raised after teardown).
"""

from __future__ import annotations

import warnings
from collections.abc import Callable, Mapping, Sequence
from pathlib import Path
from typing import Any

from metis_env.api.errors import ConfigError
from metis_env.api.options import WebSocketApiOptions
from metis_env.runtime.events import EventSink
from metis_env.runtime.loader import (
    ENV_ID_PATTERN,
    EnvironmentNotFoundError,
    LoadedEnvironment,
    LoadReport,
    NotFoundError,
    TargetNotFoundError,
    load_environment,
)
from metis_env.runtime.mission import plan_mission
from metis_env.runtime.records import SessionResult
from metis_env.runtime.session import EffectRequest, OutputSink, Session
from metis_env.schema import parse_cli_args

__all__ = ["ConfigNotFoundError", "check_selected_config", "prepare_target", "run_target"]


class ConfigNotFoundError(NotFoundError):
    """Raised when the requested config id is not in the environment's ``configs.json``."""


def _available(root: Path) -> str:
    names = sorted(p.name for p in root.iterdir() if p.is_dir() and ENV_ID_PATTERN.match(p.name))
    return ", ".join(names) or "none"


def _with_load_errors(
    exc: TargetNotFoundError, report: LoadReport, env_dir: Path
) -> TargetNotFoundError:
    """The same error, saying why targets of the environment did not load (file: cause)."""
    failed = [
        p
        for p in report.errors
        if p.path.is_relative_to(env_dir / "targets") and p.path.name == "schema.py"
    ]
    if not failed:
        return exc
    causes = "; ".join(f"{p.path.relative_to(env_dir)}: {p.message}" for p in failed)
    rule = f"{exc.rule}; these targets failed to load: {causes}"
    return TargetNotFoundError(exc.key, exc.value, rule)


def check_selected_config(
    env: LoadedEnvironment, config_id: str, overrides: Mapping[str, Any]
) -> None:
    """Refuse, before any hook runs, a selected config whose data (with ``--set``
    overrides) names an unset ``${env:X}`` or breaks a `WebSocketApi` option rule.

    Raises:
        MissingEnvVarError: naming the config and the key.
        InvalidConfigurationError: naming every offending key, value and rule.
    """
    config = next((c for c in env.configs().configs if c.id == config_id), None)
    if config is None:
        return
    data = {**config.data, **overrides}
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # near-miss keys: the client warns when it is made
        WebSocketApiOptions.parse(data)


def prepare_target(
    root: Path | str, env_id: str, target_id: str, config_id: str | None = None
) -> tuple[LoadedEnvironment, LoadReport]:
    """Load ``<root>/<env_id>`` and check the target and config exist (blocking: imports).

    Raises:
        EnvironmentNotFoundError, TargetNotFoundError, ConfigNotFoundError: as `run_target`.
    """
    root = Path(root).resolve()
    env_dir = root / env_id
    if not env_dir.is_dir():
        known = _available(root) if root.is_dir() else "none"
        rule = f"is not an environment folder in {root} (environments: {known})"
        raise EnvironmentNotFoundError("env", env_id, rule)
    report = load_environment(env_dir)
    env = report.environments.get(env_id)
    if env is None:
        details = "; ".join(str(p) for p in report.errors)
        raise EnvironmentNotFoundError("env", env_id, f"did not load: {details}")
    try:
        try:
            env.target(target_id)
        except TargetNotFoundError as exc:
            raise _with_load_errors(exc, report, env_dir) from None
        if config_id is not None:
            loaded = env.configs()
            if not any(c.id == config_id for c in loaded.configs):
                known = ", ".join(c.id for c in loaded.configs) or "none"
                rule = f"is not a config of environment '{env_id}' (configs: {known})"
                if loaded.problems:
                    rule += "; " + "; ".join(p.message for p in loaded.problems)
                raise ConfigNotFoundError("config", config_id, rule)
    except BaseException:
        env.unload()
        raise
    return env, report


async def run_target(
    root: Path | str,
    env_id: str,
    target_id: str,
    *,
    config_id: str | None = None,
    args: Mapping[str, Any] | None = None,
    arg_texts: Sequence[str] = (),
    config_overrides: Mapping[str, Any] | None = None,
    output: OutputSink | None = None,
    events: EventSink | None = None,
    timeout_ms: int | None = None,
    session_name: str = "metis-env session",
    cancel_grace_ms: int = 1_000,
    mission: Any = None,
    trigger: str = "session-start",
    member: str | None = None,
    action: str | None = None,
    on_client: Callable[[Any], None] | None = None,
) -> SessionResult:
    """Run ``target_id`` of ``<root>/<env_id>``: setup hooks, the script, teardown hooks.

    Args:
        root: the folder holding environment folders.
        env_id: the environment's folder name.
        target_id: the target's declared id.
        config_id: the ``configs.json`` entry scripts see as ``context.config.
            target_env_config``; ``None``: no config selected.
        args: values by parameter id, typed (see `parse_cli_value` for CLI text).
        arg_texts: ``NAME=VALUE`` strings from a command line, parsed for the target's
            parameters (`parse_cli_args`) and merged over ``args``.
        config_overrides: keys merged over the selected config's ``data`` whenever a
            script reads it (``metis-env run --set port=9000``); needs ``config_id``.
        output: called with every output record as it happens.
        events: the event sink: tasks, outputs, mission changes, client events.
        timeout_ms: cancel whatever still runs after this long, then tear down;
            ``None``: no limit.
        session_name: ``context.session.name``.
        cancel_grace_ms: how long a cancelled script or hook may take to stop before the
            session abandons it (its record says so).
        mission: the mission to run on: a `metis_env.missions.Mission`, or a path to a
            ``.metis``/``.metis.zip``/``data.json`` file; ``None``: the built-in mission.
        trigger: METIS's effect trigger (``session-setup``, ``session-start``,
            ``session-teardown``, ``execution-initiation``, ``execution-success``,
            ``execution-failure``): decides ``context.type``.
        member: the username ``context.triggered_by`` names (execution triggers only).
        on_client: called with each `WebSocketApi` the session creates (``run --record``
            adds a wire tap to it).
        action: for execution triggers, the host action (a component spec such as
            ``action:Isolate Feeder``): ``context.effect.source_action``/``_node``/``_force``.

    Raises:
        EnvironmentNotFoundError: no such folder, or the environment did not load (the
            message lists the problems).
        TargetNotFoundError, ConfigNotFoundError, ArgumentError: before any hook runs.
        ConfigError: ``config_overrides`` without ``config_id``; a bad trigger, member or
            action; `MissionFormatError` for a mission file that does not load.
    """
    if config_overrides and config_id is None:
        keys = ", ".join(sorted(config_overrides))
        raise ConfigError("set", keys, "overrides config data, so it needs a config: pass one")
    model, request_extra = plan_mission(mission, trigger, member, action)
    env, report = prepare_target(root, env_id, target_id, config_id)
    try:
        if config_id is not None:
            check_selected_config(env, config_id, config_overrides or {})
        given = dict(args or {})
        target = env.target(target_id)
        given.update(parse_cli_args(target.parameters, arg_texts, target_id=target.id))
        session = Session(
            [env],
            name=session_name,
            config_ids={env_id: config_id},
            config_overrides={env_id: dict(config_overrides or {})},
            output=output,
            events=events,
            cancel_grace_ms=cancel_grace_ms,
            mission=model,
            on_client=on_client,
        )
        request = EffectRequest(env_id, target_id, given, **request_extra)
        result = await session.run([request], timeout_ms=timeout_ms)
    finally:
        env.unload()
    result.problems = list(report.problems)
    return result
