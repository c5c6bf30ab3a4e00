"""metis-env: METIS target environments in Python.

The public face, re-exports only: the client (`metis_env.api`), what environment authors
declare (`metis_env.schema`), what runs them (`metis_env.runtime`) and the simulator.
"""

from metis_env._version import __version__
from metis_env.api import (
    CLOSED,
    CLOSING,
    CONNECTING,
    OPEN,
    ConfigError,
    MetisEnvError,
    ReadyState,
    WebSocketApi,
    WebSocketApiOptions,
)
from metis_env.runtime import (
    EffectRequest,
    OutdatedContextError,
    Session,
    SessionResult,
    load_environments,
    run_target,
)
from metis_env.schema import (
    ArgumentError,
    BooleanParameter,
    DropdownOption,
    DropdownParameter,
    LargeStringParameter,
    NumberParameter,
    StringParameter,
    TargetDependency,
    TargetEnvSchema,
    TargetSchema,
)
from metis_env.simulator import Simulator

__all__ = [
    "CLOSED",
    "CLOSING",
    "CONNECTING",
    "OPEN",
    "ArgumentError",
    "BooleanParameter",
    "ConfigError",
    "DropdownOption",
    "DropdownParameter",
    "EffectRequest",
    "LargeStringParameter",
    "MetisEnvError",
    "NumberParameter",
    "OutdatedContextError",
    "ReadyState",
    "Session",
    "SessionResult",
    "Simulator",
    "StringParameter",
    "TargetDependency",
    "TargetEnvSchema",
    "TargetSchema",
    "WebSocketApi",
    "WebSocketApiOptions",
    "__version__",
    "load_environments",
    "run_target",
]
