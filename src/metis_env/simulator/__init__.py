"""The embedded target-system simulator: a real WebSocket server with faults on demand.

``async with Simulator() as sim:`` listens on 127.0.0.1 (a free port; see ``sim.url``),
speaks the message protocol of the seed's examples (`metis_env.simulator.protocol`) or the
handlers you declare (``@sim.on("login")``; `metis_env.simulator.context`), records what
clients send (`metis_env.simulator.recorder`), and injects faults when asked
(`metis_env.simulator.faults`). A simulator script is a Python file defining one
(`load_script`); a transcript of a session can be written (`TranscriptWriter`) and replayed
(`Replay`). `serve` runs one until cancelled; ``metis-env serve`` does so from a shell.
``docs/simulator.md`` is the guide.

Imports nothing of metis-env but `metis_env.api.codec`, `metis_env.api.errors` and
`metis_env.api.secrets`.
"""

from metis_env.simulator.actions import (
    Action,
    Close,
    Drop,
    Reply,
    StartStream,
    Stream,
    Unsubscribe,
)
from metis_env.simulator.context import HandlerContext, check_close_code
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
    SEED_HANDLERS,
    SERVER_NAME,
    SIMULATOR_VERSION,
    ProtocolConfig,
    ProtocolHandler,
    SessionState,
    handle_message,
    sensor_value,
    stream_end,
    stream_item,
)
from metis_env.simulator.recorder import (
    DEFAULT_HISTORY,
    HandlerError,
    MessagePredicate,
    ReceivedMessage,
    Recorder,
)
from metis_env.simulator.registry import CATCH_ALL, Handler, HandlerRegistry, MessageFilter
from metis_env.simulator.replay import (
    REPLAY_MISMATCH_CODE,
    REPLAY_NO_CONNECTION_CODE,
    Replay,
    is_generated_key,
    match,
)
from metis_env.simulator.script import load_script
from metis_env.simulator.server import Simulator
from metis_env.simulator.serving import build_simulator, serve
from metis_env.simulator.transcript import (
    TRANSCRIPT_VERSION,
    TranscriptEvent,
    TranscriptWriter,
    read_transcript,
)

__all__ = [
    "CATCH_ALL",
    "DEFAULT_HISTORY",
    "FRAGMENTED_PING",
    "GARBAGE",
    "INVALID_UTF8_TEXT",
    "MIN_STREAM_INTERVAL_MS",
    "REPLAY_MISMATCH_CODE",
    "REPLAY_NO_CONNECTION_CODE",
    "RESERVED_OPCODE",
    "SEED_HANDLERS",
    "SERVER_NAME",
    "SIMULATOR_VERSION",
    "TRANSCRIPT_VERSION",
    "Action",
    "Close",
    "Drop",
    "FaultSettings",
    "Handler",
    "HandlerContext",
    "HandlerError",
    "HandlerRegistry",
    "MessageFilter",
    "MessagePredicate",
    "ProtocolConfig",
    "ProtocolHandler",
    "ReceivedMessage",
    "Recorder",
    "Replay",
    "Reply",
    "SessionState",
    "Simulator",
    "StartStream",
    "Stream",
    "TranscriptEvent",
    "TranscriptWriter",
    "Unsubscribe",
    "build_simulator",
    "check_close_code",
    "frame",
    "handle_message",
    "is_generated_key",
    "load_script",
    "match",
    "read_transcript",
    "sensor_value",
    "serve",
    "stream_end",
    "stream_item",
]
