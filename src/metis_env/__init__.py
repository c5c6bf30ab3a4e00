"""metis-env: METIS target environments in Python.

The public face, re-exports only: the client (`metis_env.api`), what environment authors
declare (`metis_env.schema`), what runs them (`metis_env.runtime`) and the simulator.

Each name is imported on first use (PEP 562 ``__getattr__``), so ``import metis_env.api``
or ``metis-env --help`` does not pay for the runtime, the schema or the simulator.
"""

from __future__ import annotations

import importlib
from typing import TYPE_CHECKING, Any

from metis_env._version import __version__

if TYPE_CHECKING:
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

#: Which subpackage each re-exported name lives in.
_SOURCES = {
    **dict.fromkeys(
        (
            "CLOSED",
            "CLOSING",
            "CONNECTING",
            "OPEN",
            "ConfigError",
            "MetisEnvError",
            "ReadyState",
            "WebSocketApi",
            "WebSocketApiOptions",
        ),
        "metis_env.api",
    ),
    **dict.fromkeys(
        (
            "EffectRequest",
            "OutdatedContextError",
            "Session",
            "SessionResult",
            "load_environments",
            "run_target",
        ),
        "metis_env.runtime",
    ),
    **dict.fromkeys(
        (
            "ArgumentError",
            "BooleanParameter",
            "DropdownOption",
            "DropdownParameter",
            "LargeStringParameter",
            "NumberParameter",
            "StringParameter",
            "TargetDependency",
            "TargetEnvSchema",
            "TargetSchema",
        ),
        "metis_env.schema",
    ),
    "Simulator": "metis_env.simulator",
}


#: Subpackages reachable as attributes after a bare ``import metis_env`` (as when this
#: module imported them eagerly).
_SUBPACKAGES = frozenset({"api", "cli", "runtime", "schema", "simulator"})


def __getattr__(name: str) -> Any:
    """Import a re-exported name from its subpackage on first access, then keep it here."""
    if name in _SUBPACKAGES:
        return importlib.import_module(f"{__name__}.{name}")
    source = _SOURCES.get(name)
    if source is None:
        raise AttributeError(f"module {__name__!r} has no attribute {name!r}")
    value = getattr(importlib.import_module(source), name)
    globals()[name] = value
    return value


def __dir__() -> list[str]:
    """The public names, loaded or not, and the module's own dunders."""
    return sorted({*__all__, *(name for name in globals() if name.startswith("__"))})
