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
    # Set while a failure waits to be looked at; logs it when dropped unlooked-at.
    _watch: _Unobserved | None = None

    def __await__(self) -> Generator[Any, None, T]:
        self._observed = True  # _observe, inlined: every await passes here
        if self._watch is not None:
            self._observe()
        return super().__await__()

    __iter__ = __await__

    def result(self) -> T:
        self._observed = True
        if self._watch is not None:
            self._observe()
        return super().result()

    def exception(self) -> BaseException | None:
        self._observe()
        return super().exception()

    def set_exception(self, exception: type | BaseException) -> None:
        super().set_exception(exception)
        error = super().exception()  # marks it retrieved for asyncio: we report it instead
        if not self._observed and error is not None:
            # Only failures pay for the watch (a handle with __del__ would cost every send).
            self._watch = _Unobserved(self._what, error)

    def _observe(self) -> None:
        self._observed = True
        watch = self._watch
        if watch is not None:
            watch.armed = False
            self._watch = None


class _Unobserved:
    """Logs a failed handle's error when the handle is dropped without anyone looking."""

    __slots__ = ("armed", "error", "what")

    def __init__(self, what: str, error: BaseException) -> None:
        self.what = what
        self.error = error
        self.armed = True

    def __del__(self) -> None:
        if not self.armed:
            return
        from metis_env.api.logs import log_event  # local: logs is a leaf, keep it so

        exc = self.error
        url = getattr(exc, "url", None) or ""
        log_event(
            logger,
            logging.WARNING,
            "handle.unawaited",
            url,
            "%s failed and nobody awaited it: %s",
            self.what,
            exc,
            operation=self.what,
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
