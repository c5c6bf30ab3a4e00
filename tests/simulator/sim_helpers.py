"""Shared pieces of the simulator tests: a real `WebSocketApi` client that collects what it
gets, and a running `serve` task, each bounded in time."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from typing import Any

from metis_env.api import WebSocketApi
from metis_env.simulator import serve

#: Upper bound, in seconds, for any single wait in these tests.
LIMIT = 5.0


class Peer:
    """A `WebSocketApi` (no reconnects, no keepalive) with its messages and close in lists."""

    def __init__(self, url: str, **options: Any) -> None:
        host, _, port = url.removeprefix("ws://").rpartition(":")
        options.setdefault("auto_reconnect", False)
        options.setdefault("keep_alive_interval", 0)
        self.ws = WebSocketApi(host=host, port=int(port), **options)
        self.messages: list[Any] = []  # data of every message, in order
        self.closes: list[tuple[int, str]] = []  # (code, reason) of every close event
        self._changed = asyncio.Event()
        self.ws.add_event_listener("message", self._on_message)
        self.ws.add_event_listener("close", self._on_close)

    def _on_message(self, event: Any) -> None:
        self.messages.append(event.data)
        self._changed.set()

    def _on_close(self, event: Any) -> None:
        self.closes.append((event.code, event.reason))
        self._changed.set()

    async def _until(self, check: Any, what: str, timeout: float) -> None:
        loop = asyncio.get_running_loop()
        deadline = loop.time() + timeout
        while not check():
            remaining = deadline - loop.time()
            if remaining <= 0:
                raise TimeoutError(f"{what} within {timeout} s; got {self.messages[-5:]}")
            self._changed.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(self._changed.wait(), remaining)

    async def wait_messages(self, n: int, timeout: float = LIMIT) -> list[Any]:
        """Wait until ``n`` messages arrived in all; return the first ``n``."""
        await self._until(lambda: len(self.messages) >= n, f"expected {n} messages", timeout)
        return self.messages[:n]

    async def ask(self, message: Any, timeout: float = LIMIT) -> Any:
        """Send ``message`` and return the next message that arrives."""
        count = len(self.messages)
        await self.ws.send(message)
        return (await self.wait_messages(count + 1, timeout))[count]

    async def wait_closed(self, timeout: float = LIMIT) -> tuple[int, str]:
        """Wait for the close event; return its (code, reason)."""
        await self._until(lambda: bool(self.closes), "expected a close", timeout)
        return self.closes[0]


@contextlib.asynccontextmanager
async def serving(**options: Any) -> AsyncIterator[str]:
    """Run `serve(port=0, **options)` in a task; yield its URL; cancel it at the end."""
    ready: asyncio.Future[str] = asyncio.get_running_loop().create_future()
    task = asyncio.create_task(serve(port=0, ready=ready.set_result, **options))
    try:
        done, _ = await asyncio.wait({task, ready}, timeout=LIMIT, return_when="FIRST_COMPLETED")
        if task in done:
            task.result()  # raises what serve raised
        assert ready in done, "serve did not become ready"
        yield ready.result()
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await asyncio.wait_for(task, LIMIT)
