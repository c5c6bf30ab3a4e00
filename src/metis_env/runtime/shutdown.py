"""`run_bounded`: ``asyncio.run`` for a CLI, with a shutdown that cannot hang.

``asyncio.run`` ends by cancelling every task still pending and then waiting for all of
them, without a bound (``asyncio.runners._cancel_all_tasks`` runs
``gather(*tasks)`` to completion). A task that ignores cancellation (a bare ``except:``
around ``await`` in a loop, which a session abandons after its grace period) therefore
makes ``asyncio.run`` wait forever, after the session itself has finished.

`run_bounded` runs the coroutine on an `asyncio.Runner` (same Ctrl-C handling: the first
SIGINT cancels the main task), then cancels the leftovers itself and waits at most
``shutdown_ms``. If some still run, the loop is *not* closed (closing would finalize their
coroutines, and a coroutine that swallows ``GeneratorExit`` either loops forever or prints
``coroutine ignored GeneratorExit``); it is parked, referenced for the rest of the process,
and `abandoned_at_exit` says how many tasks are left. A CLI then ends the process with
``os._exit`` once its output is flushed (see ``metis_env.cli.app.main``).
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Coroutine
from typing import Any, TypeVar

__all__ = ["abandoned_at_exit", "run_bounded"]

logger = logging.getLogger("metis_env.runtime")
T = TypeVar("T")
#: Runners whose loop still holds tasks that ignored cancellation (never closed).
_PARKED: list[tuple[asyncio.Runner, list[asyncio.Task[Any]]]] = []


def _stop_leftovers(loop: asyncio.AbstractEventLoop, shutdown_ms: int) -> list[asyncio.Task[Any]]:
    tasks = [task for task in asyncio.all_tasks(loop) if not task.done()]
    if not tasks:
        return []
    for task in tasks:
        task.cancel()
    loop.run_until_complete(asyncio.wait(tasks, timeout=shutdown_ms / 1000))
    return [task for task in tasks if not task.done()]


def run_bounded(main: Coroutine[Any, Any, T], *, shutdown_ms: int = 1_000) -> T:
    """Run ``main`` on a new event loop and return its result (or raise its exception).

    Args:
        main: the coroutine to run.
        shutdown_ms: how long tasks still pending when ``main`` ends may take to stop after
            being cancelled; those that do not are left running on a loop that is never
            closed (`abandoned_at_exit`).
    """
    runner = asyncio.Runner()
    try:
        return runner.run(main)
    finally:
        leftovers = _stop_leftovers(runner.get_loop(), shutdown_ms)
        if leftovers:
            logger.error(
                "%d task(s) did not stop within %d ms of cancellation; leaving them",
                len(leftovers),
                shutdown_ms,
            )
            _PARKED.append((runner, leftovers))
        else:
            runner.close()


def abandoned_at_exit() -> int:
    """How many tasks `run_bounded` had to leave running in this process."""
    return sum(1 for _, tasks in _PARKED for task in tasks if not task.done())
