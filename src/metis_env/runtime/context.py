"""The ``context`` object scripts and hooks receive (metis-behaviour §5).

A context is a thin face over its `ContextHost`: it keeps only who it is (environment,
target, instance id, the effect it runs) and asks the host for everything else, so the same
classes serve a local `Session` and, later, a bridge to a real METIS.

Both kinds share: ``session`` (id, name, state), ``config`` (``target_env_config``, read on
each access), ``mission``, the three stores and ``sleep(ms)``. A `TargetScriptContext` adds
``type``, ``effect``, ``triggered_by``, ``get_arguments``, ``send_output``,
``change_mission`` and METIS's fourteen mission-changing methods (``block_nodes`` …
``update_file_access``: each builds a `metis_env.missions` command, checks the component
types it is given, and applies it through the host, returning the `MissionChange`
records); an `EnvHookContext` adds ``event`` and ``log`` and, as in METIS, cannot change
the mission.

Guarded members (``sleep``, ``send_output``, ``change_mission``, ``log``) raise
`OutdatedContextError`, with METIS's text, once the session ended or was reset since the
context was made. Decided deviations: ``send_output(message)`` without ``to`` goes to
everyone (``Global:``); a ``sleep`` ended by teardown raises ``asyncio.CancelledError`` into
the script instead of freezing it.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from metis_env.missions import commands as mc
from metis_env.runtime.configs import TargetEnvConfig
from metis_env.runtime.host import ContextHost, EffectInfo, SessionInfo
from metis_env.runtime.stores import TargetEnvStore

__all__ = ["ContextConfig", "EnvHookContext", "TargetScriptContext"]

#: Reads one argument now: ``(parameter id) -> value`` (``None``: unknown or unmet).
ArgumentReader = Callable[[str], Any]


class ContextConfig:
    """``context.config``: the session's name and the selected ``configs.json`` entry."""

    def __init__(self, host: ContextHost, env_id: str) -> None:
        self._host = host
        self._env_id = env_id

    @property
    def name(self) -> str:
        """The session's name."""
        return self._host.session.name

    @property
    def target_env_config(self) -> TargetEnvConfig | None:
        """The selected config, read now (the host re-reads ``configs.json``); ``None`` when
        none is selected or found. Overrides (``metis-env run --set``) are merged in."""
        return self._host.target_env_config(self._env_id)


class _Context:
    """Members shared by script and hook contexts."""

    def __init__(self, host: ContextHost, env_id: str) -> None:
        self._host = host
        self._env_id = env_id
        self._instance_id = host.instance_id  # the guard compares it with the host's
        self.config = ContextConfig(host, env_id)

    @property
    def env_id(self) -> str:
        """The environment this context runs in."""
        return self._env_id

    @property
    def session(self) -> SessionInfo:
        """The session as it is now."""
        return self._host.session

    @property
    def mission(self) -> Any:
        """The session's mission, as the host shows it."""
        return self._host.mission

    @property
    def local_store(self) -> TargetEnvStore:
        """Shared by this environment's hooks and targets."""
        return self._host.store("local", self._env_id)

    @property
    def realm_store(self) -> TargetEnvStore:
        """Shared by every environment of the realm."""
        return self._host.store("realm", self._env_id)

    @property
    def global_store(self) -> TargetEnvStore:
        """Shared by everything in the session."""
        return self._host.store("global", self._env_id)

    def _guard(self) -> None:
        self._host.check_live(self._instance_id)

    async def sleep(self, ms: float) -> None:
        """Wait ``ms`` milliseconds; when the session resets or ends first, the wait raises
        ``asyncio.CancelledError``.

        Raises:
            OutdatedContextError: the session ended or was reset since this context was made.
        """
        await self._host.sleep(ms, self._instance_id)


class TargetScriptContext(_Context):
    """The context of a target script (``async def script(context)``).

    Args:
        host: the session's host.
        effect: the effect being run (its ``args`` are the arguments bound at start).
        arguments: reads one argument's value now (`get_arguments` calls it each time).
    """

    def __init__(
        self, host: ContextHost, effect: EffectInfo, arguments: ArgumentReader | None = None
    ) -> None:
        super().__init__(host, effect.environment.id)
        self.effect = effect
        self.target_id = effect.target.id
        self._argument = arguments or effect.args.get

    @property
    def type(self) -> str:
        """``sessionTriggeredEffect`` or ``executionTriggeredEffect`` (from the trigger)."""
        return self.effect.type

    @property
    def triggered_by(self) -> Any:
        """Who triggered an execution-triggered effect; ``None`` for session triggers."""
        return self.effect.triggered_by

    def get_arguments(self, ids: str | Sequence[str]) -> Any:
        """One argument's value (``None`` if unknown or its dependencies are unmet), or a
        dict of every requested id → value when given a list. Read now; not guarded."""
        if isinstance(ids, str):
            return self._argument(ids)
        return {i: self._argument(i) for i in ids}

    def send_output(self, message: Any, to: Any = None) -> None:
        """Send ``message`` to ``to``: ``None`` or the mission (``Global:``, the default), a
        `Force`, a force id or name, or a list of them (one output per force; ``[]`` sends
        nothing).

        Raises:
            OutdatedContextError: the session ended or was reset.
            ConfigError: ``to`` names no force of the mission.
        """
        self._guard()
        self._host.send_output(self._env_id, self.target_id, str(message), to)

    def change_mission(self, command: object) -> Any:
        """Apply a frozen mission command (``metis_env.missions``) through the host;
        returns what changed.

        Raises:
            OutdatedContextError: the session ended or was reset.
            MissionChangeError: the session's mission cannot change.
        """
        self._guard()
        return self._host.apply_mission_change(self._env_id, self.target_id, command)

    # -- mission changes (METIS's methods; each builds a command and applies it) ---------

    def block_nodes(self, nodes: Any) -> list[Any]:
        """Block nodes (a node, force or mission fans out to its nodes)."""
        return self.change_mission(mc.block_nodes(nodes))  # type: ignore[no-any-return]

    def unblock_nodes(self, nodes: Any) -> list[Any]:
        """Unblock nodes (fan-out as `block_nodes`)."""
        return self.change_mission(mc.unblock_nodes(nodes))  # type: ignore[no-any-return]

    def update_node_block_status(self, nodes: Any, blocked: bool) -> list[Any]:
        """Block or unblock nodes."""
        return self.change_mission(mc.update_node_block_status(nodes, blocked))  # type: ignore[no-any-return]

    def open_node(self, nodes: Any) -> list[Any]:
        """Open nodes that can open (others are skipped with a warning)."""
        return self.change_mission(mc.open_node(nodes))  # type: ignore[no-any-return]

    def close_node(self, nodes: Any) -> list[Any]:
        """Close nodes that can close, with their subtrees."""
        return self.change_mission(mc.close_node(nodes))  # type: ignore[no-any-return]

    def update_node_open_state(self, nodes: Any, opened: bool) -> list[Any]:
        """Open or close nodes."""
        return self.change_mission(mc.update_node_open_state(nodes, opened))  # type: ignore[no-any-return]

    def add_node_alert(self, apply_to: Any, message: str, severity: str = "warning") -> list[Any]:
        """Raise an alert (``info``, ``suspicious``, ``warning``, ``danger``) on nodes."""
        return self.change_mission(mc.add_node_alert(apply_to, message, severity))  # type: ignore[no-any-return]

    def modify_success_chance(self, apply_to: Any, operand: float) -> list[Any]:
        """Add ``operand`` (a fraction) to actions' success chance, clamped to 0-1."""
        return self.change_mission(mc.modify_success_chance(apply_to, operand))  # type: ignore[no-any-return]

    def modify_process_time(self, apply_to: Any, operand: float) -> list[Any]:
        """Add ``operand`` ms to actions' process time, clamped to 0-7,199,000."""
        return self.change_mission(mc.modify_process_time(apply_to, operand))  # type: ignore[no-any-return]

    def modify_resource_cost(self, apply_to: Any, resources: Any, operand: float) -> list[Any]:
        """Add ``operand`` to actions' cost in ``resources`` (never below 0)."""
        return self.change_mission(mc.modify_resource_cost(apply_to, resources, operand))  # type: ignore[no-any-return]

    def modify_resource_pool(self, apply_to: Any, operand: float) -> list[Any]:
        """Add ``operand`` to resource pools' balance (never clamped)."""
        return self.change_mission(mc.modify_resource_pool(apply_to, operand))  # type: ignore[no-any-return]

    def grant_file_access(self, forces: Any, files: Any) -> list[Any]:
        """Give forces access to files."""
        return self.change_mission(mc.grant_file_access(forces, files))  # type: ignore[no-any-return]

    def revoke_file_access(self, forces: Any, files: Any) -> list[Any]:
        """Take forces' access to files away."""
        return self.change_mission(mc.revoke_file_access(forces, files))  # type: ignore[no-any-return]

    def update_file_access(self, forces: Any, files: Any, granted: bool) -> list[Any]:
        """Grant or revoke forces' access to files."""
        return self.change_mission(mc.update_file_access(forces, files, granted))  # type: ignore[no-any-return]


class EnvHookContext(_Context):
    """The context of an ``environment-setup``/``environment-teardown`` hook.

    Hooks have no ``send_output`` (as in METIS: there is no effect to report on); they write
    to the session log with `log` instead.
    """

    def __init__(self, host: ContextHost, env_id: str, event: str) -> None:
        super().__init__(host, env_id)
        #: ``environment-setup`` or ``environment-teardown``.
        self.event = event

    def log(self, message: Any) -> None:
        """Write ``message`` to the session output, tagged as this hook's output.

        Raises:
            OutdatedContextError: the session ended or was reset.
        """
        self._guard()
        self._host.log(self._env_id, self.event, str(message))

    def __getattr__(self, name: str) -> Any:
        if name in ("send_output", "sendOutput"):
            raise AttributeError(
                "hook contexts have no send_output (there is no effect to report on, as in "
                "METIS); use context.log(message) to write to the session output"
            )
        raise AttributeError(f"{type(self).__name__!s} has no attribute {name!r}")
