"""`HandlerRegistry`: which handler answers which message, one registry per simulator.

A message goes to the first usable handler registered for its ``type``, in registration
order; then to the first usable catch-all (``"*"``); else to the fallback, which echoes
``echo`` messages and binary frames and answers anything else with an ``error``
(`metis_env.simulator.protocol.handle_message` with no rows). A handler is usable while its
``when`` predicate (if any) accepts the message and it has uses left (``times``).

`HandlerRegistry.seeded` fills a registry with the seed protocol, one handler per row of
`metis_env.simulator.protocol.SEED_HANDLERS`, so ``sim.on("hello")`` in one simulator
replaces that row there and nowhere else.
"""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from typing import Any, TypeVar

from metis_env.api.errors import ConfigError
from metis_env.simulator.context import HandlerContext
from metis_env.simulator.protocol import (
    SEED_HANDLERS,
    ProtocolConfig,
    ProtocolHandler,
    handle_message,
)

__all__ = ["CATCH_ALL", "Handler", "HandlerRegistry", "MessageFilter"]

#: A handler: called with the context; may be a coroutine function.
Handler = Callable[[HandlerContext], Awaitable[None] | None]
#: A ``when`` predicate: called with the decoded message.
MessageFilter = Callable[[Any], bool]
_H = TypeVar("_H", bound=Handler)

#: The ``type`` that registers a handler for every message no typed handler takes.
CATCH_ALL = "*"


@dataclass(eq=False)
class _Entry:
    """One registration."""

    kind: str  # the message type, or CATCH_ALL
    handler: Handler
    when: MessageFilter | None  # None: every message of the type
    times: int | None  # uses allowed; None: unlimited
    used: int = 0  # uses so far

    @property
    def exhausted(self) -> bool:
        return self.times is not None and self.used >= self.times

    def describe(self) -> str:
        name = getattr(self.handler, "__name__", "handler")
        return f"{name} for {self.kind!r} (used {self.used} of {self.times})"


def _seed_row(kind: str, row: ProtocolHandler, config: ProtocolConfig) -> Handler:
    table = {kind: row}

    def seed(ctx: HandlerContext) -> None:
        assert ctx.raw is not None  # message handlers always have a payload
        ctx.perform(handle_message(ctx.raw, ctx.seed_state, config, table))

    seed.__name__ = f"seed_{kind.replace('-', '_')}"
    return seed


class HandlerRegistry:
    """Handlers by message type, plus connect and close handlers; see the module docstring."""

    def __init__(self) -> None:
        self._entries: list[_Entry] = []  # in registration order
        self.connect_handlers: list[Handler] = []  # run, in order, after each handshake
        self.close_handlers: list[Handler] = []  # run, in order, when a connection ends

    @classmethod
    def seeded(cls, config: ProtocolConfig) -> HandlerRegistry:
        """A registry answering with the seed protocol under ``config``."""
        registry = cls()
        for kind, row in SEED_HANDLERS.items():
            registry.add(kind, _seed_row(kind, row, config))
        return registry

    @property
    def types(self) -> list[str]:
        """The message types with a handler, in registration order (``"*"`` included)."""
        return list(dict.fromkeys(entry.kind for entry in self._entries))

    def add(
        self,
        kind: str,
        handler: Handler,
        *,
        when: MessageFilter | None = None,
        times: int | None = None,
        replace: bool = False,
    ) -> None:
        """Register ``handler`` for messages whose ``type`` is ``kind`` (``"*"``: any).

        Args:
            kind: the message type, or ``"*"``.
            handler: called with a `HandlerContext`.
            when: only messages for which this returns true.
            times: at most this many uses, then the next handler gets the type;
                ``None``: unlimited. One-shot handlers (``times=1``) in registration order
                make an ordered script.
            replace: drop the handlers registered for ``kind`` so far (the seed row too).

        Raises:
            ConfigError: ``kind`` is not a non-empty string, ``handler`` is not callable,
                or ``times`` is not a positive integer.
        """
        if not isinstance(kind, str) or not kind:
            raise ConfigError("type", kind, "must be a non-empty message type, or '*'")
        if not callable(handler):
            raise ConfigError("handler", handler, "must be a function taking the context")
        if times is not None and (isinstance(times, bool) or not isinstance(times, int)):
            raise ConfigError("times", times, "must be a positive integer, or None")
        if times is not None and times < 1:
            raise ConfigError("times", times, "must be a positive integer, or None")
        if replace:
            self.remove(kind)
        self._entries.append(_Entry(kind, handler, when, times))

    def on(
        self,
        kind: str,
        *,
        when: MessageFilter | None = None,
        times: int | None = None,
        replace: bool = False,
    ) -> Callable[[_H], _H]:
        """Decorator: `add` the function for ``kind`` (``"*"``: any message)."""

        def register(handler: _H) -> _H:
            self.add(kind, handler, when=when, times=times, replace=replace)
            return handler

        return register

    def on_connect(self, handler: _H) -> _H:
        """Decorator: run the function after each handshake (``ctx.message`` is ``None``)."""
        self.connect_handlers.append(handler)
        return handler

    def on_close(self, handler: _H) -> _H:
        """Decorator: run the function when a connection ends (``ctx.close_code`` is set)."""
        self.close_handlers.append(handler)
        return handler

    def remove(self, kind: str) -> None:
        """Forget every handler for ``kind``; its messages go to the catch-all or fallback."""
        self._entries = [entry for entry in self._entries if entry.kind != kind]

    def find(self, message: Any) -> tuple[str, Handler] | None:
        """The handler for ``message`` (decoded) and the type it was registered for, or
        ``None`` for the fallback; uses one of its ``times``.

        Raises:
            Exception: whatever a ``when`` predicate raises (the caller reports it).
        """
        kind = message.get("type") if isinstance(message, dict) else None
        for wanted in ([kind] if isinstance(kind, str) else []) + [CATCH_ALL]:
            for entry in self._entries:
                if entry.kind != wanted or entry.exhausted:
                    continue
                if entry.when is not None and not entry.when(message):
                    continue
                entry.used += 1
                return entry.kind, entry.handler
        return None

    def unused(self) -> list[str]:
        """Handlers registered with ``times`` that were not used up, described."""
        return [entry.describe() for entry in self._entries if entry.times and not entry.exhausted]
