"""``metis-env run --record FILE``: the session's traffic, written as a transcript.

Every `WebSocketApi` the session creates gets a wire tap that writes what it sends and
receives, per connection, to one `metis_env.simulator.transcript.TranscriptWriter` (JSON
lines, relative times, opens and closes, secrets redacted). ``metis-env serve --replay FILE``
plays the server's side of it back: see ``docs/simulator.md``.
"""

from __future__ import annotations

import itertools
from collections.abc import Callable, Iterator, Mapping
from pathlib import Path
from typing import Any

from metis_env.simulator.transcript import TranscriptWriter

__all__ = ["Recording"]


class _Tap:
    """One client's traffic → the writer (connections numbered in order of opening)."""

    def __init__(self, writer: TranscriptWriter, numbers: Iterator[int]) -> None:
        self._writer = writer
        self._numbers = numbers
        self._conn = 0  # the connection this client has open (renumbered on reconnect)

    def opened(self, url: str, headers: Mapping[str, str]) -> None:
        self._conn = next(self._numbers)
        self._writer.opened(self._conn, url, dict(headers))

    def sent(self, data: str | bytes) -> None:
        self._writer.client_sent(self._conn, data)

    def received(self, data: str | bytes) -> None:
        self._writer.server_sent(self._conn, data)

    def closed(self, code: int, reason: str) -> None:
        self._writer.closed(self._conn, None if code == 1006 else code, reason)


class Recording:
    """The transcript of one ``run``: `on_client` taps each client; `close` ends the file.

    Raises:
        OSError: ``path`` cannot be written (the caller reports it, exit 2).
    """

    def __init__(self, path: Path) -> None:
        self.path = path
        self._writer = TranscriptWriter(path)
        self._numbers = itertools.count(1)

    @property
    def on_client(self) -> Callable[[Any], None]:
        """What `run_target` calls with each client the session creates."""

        def tap(client: Any) -> None:
            add = getattr(client, "add_wire_tap", None)
            if add is not None:
                add(_Tap(self._writer, self._numbers))

        return tap

    def close(self) -> None:
        """Finish the file (idempotent)."""
        self._writer.close()
