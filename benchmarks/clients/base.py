"""What a benchmark client is: one library, driven the way its users drive it.

A `Driver` holds whatever a library shares between connections (aiohttp's ClientSession)
and makes `Connection` objects. The scenarios (`scenarios.py`) only ever call these
methods, so every library pays the same harness overhead (one coroutine call per message)
and everything else is the library's own. Each implementation parses every text echo with
stdlib ``json.loads``, as `WebSocketApi` does, so JSON cost is the same everywhere.
"""

from __future__ import annotations

from abc import ABC, abstractmethod
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

__all__ = ["Connection", "Driver", "Endpoints", "SkipClient"]


class SkipClient(Exception):
    """Raised when a client cannot run here (library missing); the message says why."""


@dataclass(frozen=True)
class Endpoints:
    """Where the echo servers listen (always 127.0.0.1)."""

    host: str
    ws_port: int
    tcp_port: int

    @property
    def ws_url(self) -> str:
        """The WebSocket echo's URL."""
        return f"ws://{self.host}:{self.ws_port}/"


class Connection(ABC):
    """One open connection to the echo server."""

    @abstractmethod
    async def open(self) -> None:
        """Connect (TCP, plus the WebSocket handshake where there is one)."""

    @abstractmethod
    async def close(self) -> None:
        """Close gracefully and wait until the connection is gone."""

    @abstractmethod
    async def roundtrip_text(self, message: str) -> Any:
        """Send one text message, wait for its echo, return the echo parsed as JSON."""

    @abstractmethod
    async def roundtrip_bytes(self, payload: bytes) -> bytes:
        """Send one binary message, wait for its echo, return the echoed bytes (owned)."""

    @abstractmethod
    async def pipeline(self, messages: Sequence[str]) -> Any:
        """Send all ``messages`` (with the library's backpressure) while reading echoes.

        Returns the last echo, parsed, once every echo is back and parsed.
        """


class Driver(ABC):
    """A library's per-process state, and the factory of its connections."""

    def __init__(self, endpoints: Endpoints) -> None:
        self.endpoints = endpoints

    async def start(self) -> None:  # noqa: B027 - most libraries share nothing
        """Create what connections share; called once before any `connection()`."""

    async def stop(self) -> None:  # noqa: B027
        """Release what `start` created."""

    @abstractmethod
    def connection(self) -> Connection:
        """A new, not yet opened connection."""
