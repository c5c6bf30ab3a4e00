"""`serve`: run one simulator until cancelled: the seed protocol, a script, or a replay.

The ``metis-env serve`` verb calls it.
"""

from __future__ import annotations

import asyncio
import os
from collections.abc import Callable, Collection

from metis_env.api.errors import ConfigError
from metis_env.simulator.recorder import DEFAULT_HISTORY, Recorder
from metis_env.simulator.replay import Replay
from metis_env.simulator.script import load_script
from metis_env.simulator.server import Simulator
from metis_env.simulator.transcript import TranscriptWriter, read_transcript

__all__ = ["build_simulator", "serve"]

PathLike = str | os.PathLike[str]


def build_simulator(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    stream_interval_ms: int = 100,
    valid_tokens: Collection[str] | None = None,
    require_auth: bool = False,
    history: int | None = DEFAULT_HISTORY,
    script: PathLike | None = None,
    replay: PathLike | None = None,
    fast: bool = False,
    report: Callable[[str], None] | None = None,
) -> Simulator:
    """The simulator `serve` runs, not started; see `serve` for the arguments.

    Raises:
        ConfigError: a bad value, a broken or unreadable script or transcript, or options
            that do not go together (``script`` with ``replay``; ``valid_tokens`` or
            ``require_auth`` with either, since those configure the seed protocol only;
            ``fast`` without ``replay``).
    """
    if script is not None and replay is not None:
        raise ConfigError("replay", str(replay), "cannot be combined with a script")
    if (script is not None or replay is not None) and (valid_tokens or require_auth):
        given = "script" if script is not None else "replay"
        rule = f"configures the seed protocol, which a {given} replaces; leave it out"
        raise ConfigError("token" if valid_tokens else "require_auth", True, rule)
    if fast and replay is None:
        raise ConfigError("fast", fast, "only applies with a replay")
    if script is not None:
        sim = load_script(script)
        sim.host, sim.port = host, port
        sim.recorder = Recorder(history)
        return sim
    if replay is not None:
        try:
            events = read_transcript(replay)
        except OSError as exc:
            rule = f"must be a readable transcript file ({exc.strerror or exc})"
            raise ConfigError("replay", str(replay), rule) from exc
        return Replay(events, fast=fast, report=report).simulator(host, port, history=history)
    return Simulator(
        host,
        port,
        stream_interval_ms=stream_interval_ms,
        valid_tokens=valid_tokens,
        require_auth=require_auth,
        history=history,
    )


async def serve(
    host: str = "127.0.0.1",
    port: int = 8765,
    *,
    ready: Callable[[str], None] | None = None,
    stream_interval_ms: int = 100,
    valid_tokens: Collection[str] | None = None,
    require_auth: bool = False,
    history: int | None = DEFAULT_HISTORY,
    script: PathLike | None = None,
    replay: PathLike | None = None,
    fast: bool = False,
    record: PathLike | None = None,
    report: Callable[[str], None] | None = None,
) -> None:
    """Run a `Simulator` until cancelled, then stop it cleanly (and close the transcript).

    Args:
        host: interface to listen on.
        port: TCP port (0: any free port; ``ready`` receives the real one).
        ready: called once with the URL when listening.
        stream_interval_ms, valid_tokens, require_auth: the seed protocol's, as for
            `Simulator`.
        history: messages (and headers, handler errors) the recorder keeps.
        script: serve this simulator script (`load_script`) instead of the seed protocol.
        replay: play the server's side of this transcript (`Replay`).
        fast: with ``replay``, send recorded server messages at once.
        record: write the traffic to this transcript file (created or truncated).
        report: called with each replay mismatch's text.

    Raises:
        ConfigError: see `build_simulator`; also ``record`` cannot be written.
        OSError: the port cannot be bound.
    """
    simulator = build_simulator(
        host,
        port,
        stream_interval_ms=stream_interval_ms,
        valid_tokens=valid_tokens,
        require_auth=require_auth,
        history=history,
        script=script,
        replay=replay,
        fast=fast,
        report=report,
    )
    writer = None
    if record is not None:
        try:
            writer = TranscriptWriter(record)
        except OSError as exc:
            rule = f"must be a file path that can be written ({exc.strerror or exc})"
            raise ConfigError("record", str(record), rule) from exc
    simulator.transcript = writer
    try:
        async with simulator:
            if ready is not None:
                ready(simulator.url)
            await asyncio.Event().wait()  # until cancelled
    finally:
        if writer is not None:
            writer.close()
