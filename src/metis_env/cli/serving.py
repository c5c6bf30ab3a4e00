"""``metis-env serve`` (the simulator), ``export`` and ``bridge`` (a real METIS)."""

from __future__ import annotations

import contextlib
from collections.abc import Coroutine
from pathlib import Path
from typing import Annotated, Any

import typer

from metis_env.api.errors import ConfigError

from .base import EXIT_FAILED, EXIT_USAGE, JsonOpt, app, fail

__all__ = ["bridge", "export_", "serve", "until_sigterm"]


async def until_sigterm(work: Coroutine[Any, Any, None]) -> None:
    """Run ``work``; SIGTERM cancels it as Ctrl-C does, and counts as a clean stop.

    A service manager (systemd, Docker, CI) stops a process with SIGTERM: the simulator
    must then close its clients with 1001 and return, not die with the signal. Where the
    loop cannot take signal handlers (Windows), SIGTERM keeps its default action.
    """
    import asyncio
    import signal

    loop = asyncio.get_running_loop()
    task = asyncio.ensure_future(work)
    terminated = False

    def on_sigterm() -> None:
        nonlocal terminated
        terminated = True
        task.cancel()

    try:
        loop.add_signal_handler(signal.SIGTERM, on_sigterm)
    except (NotImplementedError, RuntimeError):  # no signals here, or not the main thread
        pass
    try:
        await task
    except asyncio.CancelledError:
        if not terminated:
            raise
    finally:
        with contextlib.suppress(NotImplementedError, RuntimeError):
            loop.remove_signal_handler(signal.SIGTERM)


@app.command()
def serve(
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: any free).")] = 8765,
    interval: Annotated[
        int, typer.Option(min=5, metavar="MS", help="Default stream interval in ms.")
    ] = 100,
    token: Annotated[
        list[str] | None,
        typer.Option("--token", help="Accept only this authenticate token (repeatable)."),
    ] = None,
    require_auth: Annotated[
        bool, typer.Option("--require-auth", help="Refuse work before authenticate.")
    ] = False,
    script: Annotated[
        Path | None, typer.Option(help="Serve this simulator script instead of the seed protocol.")
    ] = None,
    replay: Annotated[
        Path | None, typer.Option(help="Play the server's side of this transcript.")
    ] = None,
    fast: Annotated[
        bool, typer.Option("--fast", help="With --replay: send recorded messages at once.")
    ] = False,
    record: Annotated[
        Path | None, typer.Option(help="Write the traffic to this transcript (JSON lines).")
    ] = None,
    history: Annotated[
        int, typer.Option(metavar="N", help="Messages (and headers) kept in memory.")
    ] = 10_000,
) -> None:
    """Run the simulator (seed protocol, --script or --replay) until Ctrl-C or SIGTERM.

    It prints its URL. Either signal closes every client with 1001 (going away), prints
    ``simulator stopped`` and exits 0.
    """
    import asyncio

    from metis_env.simulator import serve as serve_simulator

    from .ui import Ui

    ui = Ui.create()

    def ready(url: str) -> None:
        ui.out.print(f"metis-env simulator listening on {url} (Ctrl-C to stop)", soft_wrap=True)

    try:
        asyncio.run(
            until_sigterm(
                serve_simulator(
                    host,
                    port,
                    ready=ready,
                    stream_interval_ms=interval,
                    valid_tokens=token or None,
                    require_auth=require_auth,
                    history=history,
                    script=script,
                    replay=replay,
                    fast=fast,
                    record=record,
                    report=lambda text: ui.err.print(text, markup=False, soft_wrap=True),
                )
            )
        )
    except KeyboardInterrupt:
        pass
    except ConfigError as exc:
        raise fail(ui, str(exc), EXIT_USAGE) from None
    except OSError as exc:
        raise fail(ui, f"cannot listen on {host}:{port}: {exc}", EXIT_FAILED) from None
    ui.out.print("simulator stopped")


@app.command("export")
def export_(
    root: Annotated[Path, typer.Argument(help="Folder holding environment folders.")],
    out: Annotated[Path, typer.Option("--out", "-o", help="Folder to write METIS folders into.")],
    envs: Annotated[
        list[str] | None, typer.Argument(help="Environment ids to export (default: all).")
    ] = None,
    bridge_host: Annotated[
        str, typer.Option(help="Bridge host written into configs.json.")
    ] = "127.0.0.1",
    bridge_port: Annotated[
        int, typer.Option(min=1, max=65535, help="Bridge port written into configs.json.")
    ] = 8790,
    bridge_tls: Annotated[
        bool, typer.Option("--bridge-tls", help="METIS connects with wss (bridge has --tls-*).")
    ] = False,
    json_mode: JsonOpt = False,
) -> None:
    """Write a METIS environment folder (schema.ts, targets, configs.json) per environment."""
    from metis_env.metis.commands import export_command

    code = export_command(
        root,
        out,
        envs or [],
        bridge_host=bridge_host,
        bridge_port=bridge_port,
        bridge_tls=bridge_tls,
        json_mode=json_mode,
    )
    raise typer.Exit(code)


@app.command()
def bridge(
    root: Annotated[Path, typer.Argument(help="Folder holding environment folders.")],
    host: Annotated[str, typer.Option(help="Interface to listen on.")] = "127.0.0.1",
    port: Annotated[int, typer.Option(min=0, max=65535, help="TCP port (0: any free).")] = 8790,
    token: Annotated[
        str | None,
        typer.Option(help="Require this token (METIS sets METIS_ENV_BRIDGE_TOKEN)."),
    ] = None,
    traceback: Annotated[
        bool, typer.Option("--traceback", help="Send Python tracebacks with errors.")
    ] = False,
    tls_cert: Annotated[
        Path | None, typer.Option(help="Serve wss with this certificate (PEM chain).")
    ] = None,
    tls_key: Annotated[Path | None, typer.Option(help="The certificate's key (PEM).")] = None,
) -> None:
    """Serve the environments to their exported METIS folders until Ctrl-C."""
    from metis_env.metis.commands import bridge_command

    code = bridge_command(
        root,
        host=host,
        port=port,
        token=token,
        traceback=traceback,
        tls_cert=tls_cert,
        tls_key=tls_key,
    )
    raise typer.Exit(code)
