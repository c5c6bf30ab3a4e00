"""The benchmark clients by name, imported only when chosen.

Importing a library costs memory and time, so `load_driver` imports just the one module a
cell needs; the idle-memory scenario then measures that library and nothing else.
"""

from __future__ import annotations

import importlib
from dataclasses import dataclass

from clients.base import Connection, Driver, Endpoints, SkipClient

__all__ = [
    "CLIENTS",
    "DEFAULT_CLIENTS",
    "EXTERNAL_CLIENTS",
    "Connection",
    "Driver",
    "Endpoints",
    "ExternalClient",
    "SkipClient",
    "load_driver",
]

#: Client name -> (module, Driver class) under `clients`.
CLIENTS: dict[str, tuple[str, str]] = {
    "raw_tcp": ("tcp_raw", "TcpDriver"),
    "websockets": ("ws_websockets", "WebsocketsDriver"),
    "aiohttp": ("ws_aiohttp", "AiohttpDriver"),
    "picows": ("ws_picows", "PicowsDriver"),
    "picows-asyncio": ("ws_picows", "PicowsAsyncioDriver"),
    "metis": ("ws_metis", "MetisDriver"),
    "metis-picows": ("ws_metis", "MetisPicowsDriver"),
    "metis-websockets": ("ws_metis", "MetisWebsocketsDriver"),
}


@dataclass(frozen=True)
class ExternalClient:
    """A client in another language: `run.py` runs its program instead of `client.py`.

    The program takes the same arguments (``--scenario``, ``--n``, ``--ws-port``,
    ``--probe``) and prints the same one JSON line.
    """

    program: str  # the interpreter, looked up on PATH
    args: tuple[str, ...]  # before the cell's own arguments; paths relative to benchmarks/
    folder: str  # its package folder (dependencies installed there), relative to benchmarks/
    scenarios: tuple[str, ...]  # what it measures; other cells are marked n/a


#: Clients that are not Python: METIS's WebSocketApi behaviour on Node (benchmarks/node/).
EXTERNAL_CLIENTS: dict[str, ExternalClient] = {
    "node-metis": ExternalClient(
        program="node",
        args=("--expose-gc", "node/client.js"),
        folder="node",
        scenarios=("sequential", "pipelined", "handshakes", "memory"),
    ),
}

#: What `run.py` measures when ``--clients`` is not given. ``metis`` is the default
#: install (``transport: auto``, picows where it has wheels); ``metis-websockets`` is the
#: client where picows is missing; ``metis-picows`` (the same as ``metis`` here) is left
#: out to keep ``make bench`` within about three minutes, as is ``picows-asyncio`` (raw
#: picows over asyncio's own socket transport, as our adapter runs it; `connect_cost.py`).
DEFAULT_CLIENTS: tuple[str, ...] = (
    "raw_tcp",
    "picows",
    "websockets",
    "aiohttp",
    "metis",
    "metis-websockets",
    "node-metis",
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
