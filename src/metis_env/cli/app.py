"""The ``metis-env`` command: Typer parses, the commands build results, `Ui` shows them.

Exit codes: 0 success; 1 the target or a hook failed (``run``), an example failed
(``demo``), or the simulator could not listen (``serve``); 2 bad usage or config (unknown
environment, target or config, a bad argument, a ``check`` error); 130 interrupted.

``run`` drives its event loop with `run_bounded`, whose shutdown is bounded: a script task
that ignores cancellation cannot keep the command from printing its result and exiting
(the console script then ends the process with ``os._exit``, see `main`).
"""

from __future__ import annotations

import os
import sys
from collections.abc import Sequence

# The commands register themselves on the app when their modules are imported, in the
# order `--help` lists them.
from . import run_command  # isort: skip
from . import commands, serving  # isort: skip
from .base import app, parse_overrides

__all__ = ["app", "main", "parse_overrides"]

_COMMAND_MODULES = (run_command, commands, serving)


def main(argv: Sequence[str] | None = None) -> None:
    """The ``metis-env`` console script (exits with the command's code).

    When a command had to leave tasks running that ignored cancellation (`run_bounded`),
    the process ends with ``os._exit`` after flushing its output: interpreter shutdown
    would otherwise finalize those tasks' coroutines, which can loop forever or print
    ``coroutine ignored GeneratorExit``.
    """
    try:
        app(args=None if argv is None else list(argv), prog_name="metis-env")
    except SystemExit as exc:
        # Only a command that ran a session can have abandoned tasks; `--help` never loads
        # the runtime, and must not pay for importing it here.
        shutdown = sys.modules.get("metis_env.runtime.shutdown")
        if shutdown is not None and shutdown.abandoned_at_exit():
            code = exc.code if isinstance(exc.code, int) else (0 if exc.code is None else 1)
            for stream in (sys.stdout, sys.stderr):
                try:
                    stream.flush()
                except (OSError, ValueError):
                    pass
            os._exit(code)
        raise
