"""Transports: the seam (`base`) and one module per WebSocket library.

`get_connector` picks one by name. ``"auto"`` takes the fastest installed transport that
supports what the options ask for: picows when it is installed and neither compression nor a
proxy is wanted, else websockets.
"""

from __future__ import annotations

import importlib.util

from metis_env.api.errors import ConfigError
from metis_env.api.transport.base import Connector, OpenRequest, Transport, TransportListener

__all__ = ["Connector", "OpenRequest", "Transport", "TransportListener", "get_connector"]


#: What ``"auto"`` resolves to when set (tests run the client suite once per transport).
AUTO_PREFERENCE: str | None = None


# Whether picows and our picows transport are importable: found once (an install does not
# change while the process runs), not on every connect.
_fast: bool | None = None
# Connectors hold no state: one of each serves every connection.
_connectors: dict[str, Connector] = {}


def _picows_available() -> bool:
    global _fast
    if _fast is None:
        _fast = (
            importlib.util.find_spec("picows") is not None
            and importlib.util.find_spec("metis_env.api.transport.picows_transport") is not None
        )
    return _fast


def get_connector(name: str, *, compression: bool = False, proxy: bool = False) -> Connector:
    """Return a connector for transport ``name`` (``auto``, ``websockets`` or ``picows``)."""
    if name == "auto":
        name = AUTO_PREFERENCE or (
            "picows" if _picows_available() and not compression and not proxy else "websockets"
        )
    connector = _connectors.get(name)
    if connector is None:
        connector = _connectors[name] = _new_connector(name)
    return connector


def _new_connector(name: str) -> Connector:
    if name == "websockets":
        from metis_env.api.transport.websockets_transport import WebsocketsConnector

        return WebsocketsConnector()
    if name == "picows":
        if importlib.util.find_spec("picows") is None:
            raise ConfigError(
                "transport",
                "picows",
                "needs the optional dependency: pip install 'metis-env[fast]'",
            )
        try:
            from metis_env.api.transport.picows_transport import (  # type: ignore[import-not-found,unused-ignore]
                PicowsConnector,
            )
        except ImportError:  # a broken install: fail loudly
            raise ConfigError("transport", "picows", "is not available in this build") from None
        connector: Connector = PicowsConnector()
        return connector
    raise ConfigError("transport", name, "must be 'auto', 'websockets' or 'picows'")
