"""METIS integration: export Python environments as METIS folders, and the bridge serving them.

`export` writes the folders (`render` builds their text, `parameters` reads the Python
parameters, `tsliteral` and `bridge_ts` write TypeScript); `bridge` serves them, with
`host` as the runtime's second context host and `protocol` describing the messages.
"""

from metis_env.metis.bridge import (
    BridgeBackpressureError,
    BridgeConnectionLostError,
    BridgeServer,
    MissionCallError,
    UnknownSessionError,
)
from metis_env.metis.bridge_ts import (
    render_bridge_ts,
)
from metis_env.metis.commands import (
    bridge_command,
    export_command,
    tls_context,
)
from metis_env.metis.exporting import (
    MARKER_FILE,
    ExportedEnvironment,
    ExportError,
    ExportReport,
    export,
)
from metis_env.metis.host import (
    MISSION_METHODS,
    BridgeHost,
    HookFailedError,
    ScriptExitError,
    TargetCancelledError,
    mission_from_view,
)
from metis_env.metis.parameters import (
    Call,
    Regex,
    describe_dependency,
    describe_parameter,
    parameter_kind,
)
from metis_env.metis.protocol import (
    REQUEST_FIELDS,
    BridgeProtocolError,
    error_message,
    require,
)
from metis_env.metis.render import (
    DEFAULT_BRIDGE_HOST,
    DEFAULT_BRIDGE_PORT,
    render_environment,
)
from metis_env.metis.run_host import Peer, RunHost, SessionSide, command_call
from metis_env.metis.tsliteral import (
    ts_string,
    ts_value,
)

__all__ = [
    "DEFAULT_BRIDGE_HOST",
    "DEFAULT_BRIDGE_PORT",
    "MARKER_FILE",
    "MISSION_METHODS",
    "REQUEST_FIELDS",
    "BridgeBackpressureError",
    "BridgeConnectionLostError",
    "BridgeHost",
    "BridgeProtocolError",
    "BridgeServer",
    "Call",
    "ExportError",
    "ExportReport",
    "ExportedEnvironment",
    "HookFailedError",
    "MissionCallError",
    "Peer",
    "Regex",
    "RunHost",
    "ScriptExitError",
    "SessionSide",
    "TargetCancelledError",
    "UnknownSessionError",
    "bridge_command",
    "command_call",
    "describe_dependency",
    "describe_parameter",
    "error_message",
    "export",
    "export_command",
    "mission_from_view",
    "parameter_kind",
    "render_bridge_ts",
    "render_environment",
    "require",
    "tls_context",
    "ts_string",
    "ts_value",
]
