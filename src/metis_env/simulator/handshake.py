"""`Handshakes`: the upgrade phase of a simulator's connections, where the faults act first.

For each upgrade request it records the headers (lower-case names, repeats joined with
``", "``), holds the answer for the handshake-delay fault (ended early when the client
leaves or the simulator stops), refuses with the refuse fault's HTTP status, and, when the
ping-answering fault is off, pauses reading before the 101 goes out so not even the first
ping is read. It also tracks which connections are mid-handshake or paused, for the faults
and for `Simulator.stop`.
"""

from __future__ import annotations

import asyncio
import weakref
from collections.abc import Callable

from websockets.asyncio.server import ServerConnection
from websockets.http11 import Request, Response

from metis_env.simulator.faults import FaultSettings

__all__ = ["Handshakes"]


class Handshakes:
    """The ``process_request``/``process_response`` hooks of one simulator's server."""

    def __init__(self, faults: FaultSettings, record: Callable[[dict[str, str]], None]) -> None:
        self._faults = faults  # the simulator's fault switches
        self._record = record  # records each upgrade's headers
        self.stopping = asyncio.Event()  # set by Simulator.stop: ends handshake delays at once
        self.handshaking: weakref.WeakSet[ServerConnection] = weakref.WeakSet()
        self.paused: weakref.WeakSet[ServerConnection] = weakref.WeakSet()  # reading paused
        # Each upgrade's headers, until its connection is accepted (`headers_of`).
        self._headers: weakref.WeakKeyDictionary[ServerConnection, dict[str, str]] = (
            weakref.WeakKeyDictionary()
        )

    def headers_of(self, connection: ServerConnection) -> dict[str, str]:
        """The recorded headers of ``connection``'s upgrade (once; ``{}`` if unknown)."""
        return self._headers.pop(connection, {})

    async def process_request(
        self, connection: ServerConnection, request: Request
    ) -> Response | None:
        """Record, delay or refuse one upgrade request (``None``: go on with the 101)."""
        headers: dict[str, str] = {}
        for name, value in request.headers.raw_items():
            key = name.lower()  # HTTP header names are case-insensitive
            headers[key] = f"{headers[key]}, {value}" if key in headers else value
        self._record(headers)
        self._headers[connection] = headers
        self.handshaking.add(connection)
        if self._faults.handshake_delay_ms > 0:
            await self._hold(connection, self._faults.handshake_delay_ms / 1000)
        status = self._faults.refuse_status
        if status is not None:
            return connection.respond(
                status, f"The simulator refuses handshakes (HTTP {status}).\n"
            )
        return None

    def process_response(
        self, connection: ServerConnection, request: Request, response: Response
    ) -> None:
        """After the answer is built: pause reading if pings must go unanswered."""
        self.handshaking.discard(connection)
        if response.status_code == 101 and not self._faults.answer_pings:
            # Pause before the 101 goes out, so not even the first ping is read.
            connection.transport.pause_reading()
            self.paused.add(connection)

    async def _hold(self, connection: ServerConnection, seconds: float) -> None:
        """Sleep ``seconds``, unless the client leaves or the simulator stops first."""
        waits = [
            asyncio.ensure_future(asyncio.sleep(seconds)),
            asyncio.ensure_future(self.stopping.wait()),
            asyncio.ensure_future(connection.wait_closed()),
        ]
        try:
            await asyncio.wait(waits, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for wait in waits:
                wait.cancel()
            await asyncio.gather(*waits, return_exceptions=True)
