"""Connection state: one enum, with the numeric values of the WebSocket ``readyState``.

Scripts compare ``ws.state`` with these constants (seed §Checking Connection State); Python
has no global ``WebSocket``, so they are importable from `metis_env.api`.
"""

from __future__ import annotations

import enum

__all__ = ["CLOSED", "CLOSING", "CONNECTING", "OPEN", "ReadyState"]


class ReadyState(enum.IntEnum):
    """Where a client's connection is."""

    #: An opening handshake is in progress (first connect or a reconnect attempt).
    CONNECTING = 0
    #: The handshake completed; messages flow.
    OPEN = 1
    #: A closing handshake is in progress.
    CLOSING = 2
    #: No connection (never connected, closed, or waiting to reconnect).
    CLOSED = 3


CONNECTING = ReadyState.CONNECTING
OPEN = ReadyState.OPEN
CLOSING = ReadyState.CLOSING
CLOSED = ReadyState.CLOSED
