"""``python -m metis_env.simulator [--host H] [--port P] [--interval MS] [--token T …] …``.

The options are those of ``metis-env serve`` (``--script``, ``--replay``, ``--fast``,
``--record``, ``--history`` included; see ``docs/simulator.md``).

Runs the simulator until Ctrl-C. The ``metis-env serve`` verb offers the same with richer
output; this entry point needs nothing beyond the standard library.
"""

from __future__ import annotations

import argparse
import asyncio
import sys

from metis_env.api.errors import ConfigError
from metis_env.simulator.serving import serve

__all__ = ["main"]


def main(argv: list[str] | None = None) -> int:
    """Parse ``argv``, serve until interrupted, return the exit code."""
    parser = argparse.ArgumentParser(
        prog="python -m metis_env.simulator", description="Run the metis-env simulator."
    )
    parser.add_argument("--host", default="127.0.0.1", help="interface (default 127.0.0.1)")
    parser.add_argument("--port", type=int, default=8765, help="TCP port (default 8765; 0: any)")
    parser.add_argument(
        "--interval", type=int, default=100, help="default stream interval in ms (default 100)"
    )
    parser.add_argument(
        "--token", action="append", dest="tokens", help="accept only this token (repeatable)"
    )
    parser.add_argument(
        "--require-auth", action="store_true", help="refuse work before authenticate"
    )
    parser.add_argument("--script", help="serve this simulator script")
    parser.add_argument("--replay", help="play the server's side of this transcript")
    parser.add_argument("--fast", action="store_true", help="with --replay: no recorded delays")
    parser.add_argument("--record", help="write the traffic to this transcript")
    parser.add_argument(
        "--history", type=int, default=10_000, help="messages kept in memory (default 10000)"
    )
    args = parser.parse_args(argv)

    def ready(url: str) -> None:
        print(f"metis-env simulator listening on {url} (Ctrl-C to stop)", flush=True)

    try:
        asyncio.run(
            serve(
                args.host,
                args.port,
                ready=ready,
                stream_interval_ms=args.interval,
                valid_tokens=args.tokens,
                require_auth=args.require_auth,
                history=args.history,
                script=args.script,
                replay=args.replay,
                fast=args.fast,
                record=args.record,
                report=lambda text: print(text, file=sys.stderr, flush=True),
            )
        )
    except KeyboardInterrupt:
        pass
    except ConfigError as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except OSError as exc:
        print(f"error: cannot listen on {args.host}:{args.port}: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
