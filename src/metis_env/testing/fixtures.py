"""What the pytest fixtures hand to a test: a running simulator, and a way to run a target.

Kept apart from the plugin module so it can be imported and typed without pytest.
"""

from __future__ import annotations

from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from metis_env.runtime import SessionResult
    from metis_env.simulator import Simulator

__all__ = ["RunTarget", "ScriptServer", "SimulatorHandle"]


class SimulatorHandle:
    """The embedded simulator of one test, on a free port of 127.0.0.1.

    Everything of `metis_env.simulator.Simulator` is reachable through it (``received``,
    ``wait_for_message``, fault controls such as ``drop_all`` or ``refuse_handshakes``…);
    it adds what a target's test needs: the port and a ready ``configs.json`` ``data``.
    """

    def __init__(self, simulator: Simulator) -> None:
        self.simulator = simulator

    @property
    def url(self) -> str:
        """``ws://127.0.0.1:<port>``."""
        return self.simulator.url

    @property
    def port(self) -> int:
        """The port it listens on."""
        return self.simulator.port

    def config(self, **overrides: Any) -> dict[str, Any]:
        """A ``configs.json`` ``data`` dict pointing at this simulator, with ``overrides``.

        Keys are the config keys (camelCase, as in ``configs.json``): for example
        ``sim.config(autoReconnect=False, apiKey="test")``.
        """
        data: dict[str, Any] = {"protocol": "ws", "host": "127.0.0.1", "port": self.port}
        data.update(overrides)
        return data

    def __getattr__(self, name: str) -> Any:
        return getattr(self.simulator, name)

    def __repr__(self) -> str:
        return f"<SimulatorHandle {self.url}>"


class ScriptServer:
    """Serves simulator scripts for one test (the ``metis_simulator_script`` fixture)."""

    def __init__(self) -> None:
        self._running: list[Simulator] = []

    async def __call__(self, path: str | Path, *, port: int = 0) -> SimulatorHandle:
        """Load the script at ``path`` (afresh), start its simulator on ``port`` (0: a free
        one) and return its handle.

        Raises:
            ConfigError: the script does not load (see ``metis_env.simulator.load_script``).
        """
        from metis_env.simulator import load_script

        simulator = load_script(path)
        simulator.port = port
        await simulator.start()
        self._running.append(simulator)
        return SimulatorHandle(simulator)

    async def stop_all(self) -> None:
        """Stop every simulator served, then check their expectations (``times=`` handlers
        not used up, handlers that raised): an `AssertionError` fails the test."""
        running, self._running = self._running, []
        for simulator in running:
            await simulator.stop()
        for simulator in running:
            simulator.check_assertions()


class RunTarget:
    """``await metis_run(root, env, target, …)``: one session, as ``metis-env run`` runs it."""

    async def __call__(
        self,
        root: Path | str,
        env: str,
        target: str,
        *,
        config: str | None = None,
        args: Mapping[str, Any] | None = None,
        arg_texts: Sequence[str] = (),
        overrides: Mapping[str, Any] | None = None,
        timeout: int | None = 10000,
        mission: Any = None,
        trigger: str = "session-start",
        member: str | None = None,
        action: str | None = None,
    ) -> SessionResult:
        """Run ``target`` of ``<root>/<env>``: setup hooks, the script, teardown hooks.

        Args:
            root: the folder holding environment folders.
            env: the environment's folder name.
            target: the target's id.
            config: the ``configs.json`` entry to select (``None``: none).
            args: argument values by parameter id.
            arg_texts: ``NAME=VALUE`` strings, parsed as the CLI's ``--arg`` does.
            overrides: keys merged over the selected config's ``data`` (the CLI's
                ``--set``), e.g. ``metis_simulator.config()`` to point it at the simulator.
            timeout: milliseconds before whatever still runs is cancelled (``None``: none).
            mission: the mission to run on: a ``metis_env.missions.Mission`` or a file
                (default: the built-in mission); read ``result.mission_changes`` and
                ``result.mission`` (its state after the run) to assert on what changed.
            trigger, member, action: as ``metis-env run --trigger/--member/--action``.

        Returns:
            The `SessionResult`: ``status``, ``ok``, ``tasks``, ``outputs`` (each with
            ``prefix`` and ``message``), ``client_stats``, ``mission_changes``,
            ``mission``, ``error``.

        Raises:
            ConfigError: what ``metis-env run`` reports with exit code 2 (unknown
                environment, target or config; a bad argument).
        """
        from metis_env.runtime import run_target

        return await run_target(
            root,
            env,
            target,
            config_id=config,
            args=args,
            arg_texts=arg_texts,
            config_overrides=overrides,
            timeout_ms=timeout,
            mission=mission,
            trigger=trigger,
            member=member,
            action=action,
        )
