"""The benchmark clients by name, imported only when chosen.

Importing a library costs memory and time, so `load_driver` imports just the one module a
cell needs; the idle-memory scenario then measures that library and nothing else.
"""

from __future__ import annotations

import importlib

from clients.base import Connection, Driver, Endpoints, SkipClient

__all__ = [
    "CLIENTS",
    "DEFAULT_CLIENTS",
    "Connection",
    "Driver",
    "Endpoints",
    "SkipClient",
    "load_driver",
]

#: Client name -> (module, Driver class) under `clients`.
CLIENTS: dict[str, tuple[str, str]] = {
    "raw_tcp": ("tcp_raw", "TcpDriver"),
    "websockets": ("ws_websockets", "WebsocketsDriver"),
    "aiohttp": ("ws_aiohttp", "AiohttpDriver"),
    "picows": ("ws_picows", "PicowsDriver"),
    "metis": ("ws_metis", "MetisDriver"),
    "metis-picows": ("ws_metis", "MetisPicowsDriver"),
    "metis-websockets": ("ws_metis", "MetisWebsocketsDriver"),
}

#: What `run.py` measures when ``--clients`` is not given.
DEFAULT_CLIENTS: tuple[str, ...] = (
    "raw_tcp",
    "picows",
    "websockets",
    "aiohttp",
    "metis",
    "metis-picows",
    "metis-websockets",
)


def load_driver(name: str, endpoints: Endpoints) -> Driver:
    """Import client ``name`` and build its driver.

    Raises:
        KeyError: ``name`` is not in `CLIENTS`.
        SkipClient: the library is not installed (or our client is not there yet).
    """
    module_name, class_name = CLIENTS[name]
    try:
        module = importlib.import_module(f"clients.{module_name}")
    except ImportError as exc:
        raise SkipClient(f"{name}: cannot import its library ({exc})") from exc
    driver: Driver = getattr(module, class_name)(endpoints)
    return driver
