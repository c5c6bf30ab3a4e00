"""METIS integration: export Python environments as METIS folders, and the bridge serving them."""

from metis_env.metis.export import (
    MARKER_FILE,
    ExportedEnvironment,
    ExportError,
    ExportReport,
    export,
)
from metis_env.metis.parameters import describe_parameter
from metis_env.metis.render import DEFAULT_BRIDGE_HOST, DEFAULT_BRIDGE_PORT, render_environment

__all__ = [
    "DEFAULT_BRIDGE_HOST",
    "DEFAULT_BRIDGE_PORT",
    "MARKER_FILE",
    "ExportError",
    "ExportReport",
    "ExportedEnvironment",
    "describe_parameter",
    "export",
    "render_environment",
]
