"""The embedded target-system simulator: a real WebSocket server with faults on demand.

``async with Simulator() as sim:`` listens on 127.0.0.1 (a free port; see ``sim.url``),
speaks the message protocol of the seed's examples (`metis_env.simulator.protocol`), records
what clients send, and injects faults when asked (`metis_env.simulator.faults`). `serve`
runs one until cancelled; ``metis-env serve`` does so from a shell.

Imports nothing of metis-env but `metis_env.api.codec` and `metis_env.api.errors`.
"""

from metis_env.simulator.faults import (
    FRAGMENTED_PING,
    GARBAGE,
    INVALID_UTF8_TEXT,
    RESERVED_OPCODE,
    FaultSettings,
    frame,
)
from metis_env.simulator.protocol import (
    MIN_STREAM_INTERVAL_MS,
    SERVER_NAME,
    SIMULATOR_VERSION,
    Action,
    ProtocolConfig,
    Reply,
    SessionState,
    StartStream,
    Unsubscribe,
    handle_message,
    sensor_value,
    stream_end,
    stream_item,
)
from metis_env.simulator.recorder import MessagePredicate, ReceivedMessage, Recorder
from metis_env.simulator.server import Simulator, serve
from metis_env.simulator.session import Session

__all__ = [
    "FRAGMENTED_PING",
    "GARBAGE",
    "INVALID_UTF8_TEXT",
    "MIN_STREAM_INTERVAL_MS",
    "RESERVED_OPCODE",
    "SERVER_NAME",
    "SIMULATOR_VERSION",
    "Action",
    "FaultSettings",
    "MessagePredicate",
    "ProtocolConfig",
    "ReceivedMessage",
    "Recorder",
    "Reply",
    "Session",
    "SessionState",
    "Simulator",
    "StartStream",
    "Unsubscribe",
    "frame",
    "handle_message",
    "sensor_value",
    "serve",
    "stream_end",
    "stream_item",
]
