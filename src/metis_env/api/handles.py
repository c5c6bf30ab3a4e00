"""Awaitable handles for work that starts at once (connect, disconnect, send).

`connect()`, `disconnect()` and `send()` begin before any ``await`` (the seed calls
``ws.disconnect()`` without awaiting it, as JavaScript allows) and return a `Handle`, an
`asyncio.Future`. A handle that failed and was never looked at (awaited, ``result()``,
``exception()``, gathered) is logged once at WARNING when it is garbage-collected, instead
of asyncio's "exception was never retrieved" noise: every failure has a destination.
"""

from __future__ import annotations

import asyncio
import logging
from collections.abc import Generator
from typing import Any, TypeVar

__all__ = ["Handle", "done_handle", "failed_handle"]

T = TypeVar("T")
logger = logging.getLogger("metis_env.api")


class Handle(asyncio.Future[T]):
    """A future that remembers whether anyone looked at its outcome."""

    _observed = False
    _what = "operation"

    def __await__(self) -> Generator[Any, None, T]:
        self._observed = True
        return super().__await__()

    __iter__ = __await__

    def result(self) -> T:
        self._observed = True
        return super().result()

    def exception(self) -> BaseException | None:
        self._observed = True
        return super().exception()

    def __del__(self) -> None:
        if not self.done() or self.cancelled():
            return
        exc = super().exception()  # marks it retrieved for asyncio, too
        if exc is not None and not self._observed:
            from metis_env.api.logs import log_event  # local: logs is a leaf, keep it so

            url = getattr(exc, "url", None) or ""
            log_event(
                logger,
                logging.WARNING,
                "handle.unawaited",
                url,
                "%s failed and nobody awaited it: %s",
                self._what,
                exc,
                operation=self._what,
            )


def new_handle(what: str) -> Handle[Any]:
    """A pending handle on the running loop; ``what`` names it in the unawaited-failure log."""
    handle: Handle[Any] = Handle(loop=asyncio.get_running_loop())
    handle._what = what
    return handle


def done_handle(what: str, result: Any = None) -> Handle[Any]:
    """A handle that already succeeded."""
    handle = new_handle(what)
    handle.set_result(result)
    return handle


def failed_handle(what: str, error: BaseException) -> Handle[Any]:
    """A handle that already failed with ``error``."""
    handle = new_handle(what)
    handle.set_exception(error)
    return handle


def settle(handle: asyncio.Future[Any], error: BaseException | None = None) -> None:
    """Resolve (or fail) ``handle`` unless it is already done."""
    if handle.done():
        return
    if error is None:
        handle.set_result(None)
    else:
        handle.set_exception(error)
