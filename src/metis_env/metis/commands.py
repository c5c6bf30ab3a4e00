"""The ``export`` and ``bridge`` verbs: run them and say what happened; return the exit code.

`metis_env.cli.app` registers the verbs (Typer parses) and calls these; they print with
Rich (``markup=False``: paths and ids are data, not markup) and never raise for a usage
problem: exit 0 success, 1 the bridge could not listen, 2 bad usage or config.
"""

from __future__ import annotations

import asyncio
import json
import ssl
from collections.abc import Callable, Sequence
from pathlib import Path

from rich.console import Console

from metis_env.api.errors import ConfigError
from metis_env.metis.bridge import BridgeServer
from metis_env.metis.exporting import export

__all__ = ["bridge_command", "export_command", "tls_context"]

EXIT_OK, EXIT_FAILED, EXIT_USAGE = 0, 1, 2


def export_command(
    root: Path,
    out: Path,
    env_ids: Sequence[str],
    *,
    bridge_host: str,
    bridge_port: int,
    bridge_tls: bool = False,
    json_mode: bool = False,
) -> int:
    """``metis-env export``: write the folders, print one line per environment."""
    out_console, err = Console(highlight=False), Console(stderr=True, highlight=False)
    try:
        report = export(
            root,
            out,
            env_ids,
            bridge_host=bridge_host,
            bridge_port=bridge_port,
            bridge_tls=bridge_tls,
        )
    except ConfigError as exc:
        if json_mode:
            line = {"type": "error", "error": str(exc), "exit_code": EXIT_USAGE}
            out_console.print(json.dumps(line, ensure_ascii=False), markup=False, soft_wrap=True)
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        return EXIT_USAGE
    for problem in report.problems:
        err.print(f"{problem.severity}: {problem.path}: {problem.message}", markup=False)
    for env in report.environments:
        if json_mode:
            line = {
                "type": "exported",
                "env": env.env_id,
                "folder": str(env.folder),
                "written": env.written,
                "unchanged": env.unchanged,
                "removed": env.removed,
            }
            out_console.print(json.dumps(line, ensure_ascii=False), markup=False, soft_wrap=True)
            continue
        counts = f"{len(env.written)} written, {len(env.unchanged)} unchanged"
        counts += f", {len(env.removed)} removed" if env.removed else ""
        out_console.print(
            f"exported {env.env_id} -> {env.folder} ({counts})", markup=False, soft_wrap=True
        )
    if not json_mode:
        out_console.print(
            f"Next: copy each folder into integration/target-env/ of METIS, then run "
            f"`metis-env bridge {root} --host {bridge_host} --port {bridge_port}`.",
            markup=False,
            soft_wrap=True,
        )
    return EXIT_OK


async def _serve(server: BridgeServer, ready: Callable[[BridgeServer], None]) -> None:
    async with server:
        ready(server)
        await asyncio.Event().wait()  # until cancelled (Ctrl-C)


def tls_context(cert: Path | None, key: Path | None) -> ssl.SSLContext | None:
    """A server TLS context from a certificate (chain) file and its key; ``None`` for neither.

    Raises:
        ConfigError: only one of the two is given, or they do not load.
    """
    if cert is None and key is None:
        return None
    if cert is None or key is None:
        raise ConfigError("--tls-cert/--tls-key", rule="give both the certificate and its key")
    context = ssl.create_default_context(ssl.Purpose.CLIENT_AUTH)
    try:
        context.load_cert_chain(cert, key)
    except (OSError, ssl.SSLError) as exc:
        raise ConfigError("--tls-cert", str(cert), f"does not load with its key: {exc}") from None
    return context


def bridge_command(
    root: Path,
    *,
    host: str,
    port: int,
    token: str | None,
    traceback: bool = False,
    tls_cert: Path | None = None,
    tls_key: Path | None = None,
) -> int:
    """``metis-env bridge``: serve until Ctrl-C; prints the URL and the environments."""
    out, err = Console(highlight=False), Console(stderr=True, highlight=False)
    try:
        context = tls_context(tls_cert, tls_key)
    except ConfigError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        return EXIT_USAGE
    server = BridgeServer(root, host=host, port=port, token=token, traceback=traceback, ssl=context)

    def ready(server: BridgeServer) -> None:
        for problem in server.report.problems:
            err.print(f"{problem.severity}: {problem.path}: {problem.message}", markup=False)
        envs = ", ".join(server.environments)
        out.print(
            f"metis-env bridge listening on {server.url} serving {envs} (Ctrl-C to stop)",
            markup=False,
            soft_wrap=True,
        )

    try:
        asyncio.run(_serve(server, ready))
    except KeyboardInterrupt:
        out.print("bridge stopped")
    except ConfigError as exc:
        err.print(f"error: {exc}", markup=False, soft_wrap=True)
        return EXIT_USAGE
    except OSError as exc:
        err.print(f"error: cannot listen on {host}:{port}: {exc}", markup=False, soft_wrap=True)
        return EXIT_FAILED
    return EXIT_OK
