"""`metis-env bridge ROOT`: serve Python environments to their exported METIS folders.

A WebSocket server (``websockets``, as the simulator) speaking the protocol of
`metis_env.metis.protocol`. Per connection, one reader (this module's `_Connection.serve`),
one writer (messages leave in the order they were posted: outputs arrive in order) and one
task per request, so mission results can arrive while a target runs. State lives in a
`BridgeHost` per (METIS session, realm, environment), not per connection: a connection that
drops cancels its own running targets (they fail cleanly, nothing hangs), and the next
connection of that session finds its state again.
"""

from __future__ import annotations

import asyncio
import hmac
import json
import logging
from collections.abc import Mapping
from pathlib import Path
from ssl import SSLContext
from typing import Any

from websockets.asyncio.server import Server, ServerConnection
from websockets.asyncio.server import serve as ws_serve
from websockets.exceptions import ConnectionClosed

from metis_env.api.errors import ConfigError, MetisEnvError
from metis_env.metis.host import BridgeHost, mission_from_view
from metis_env.metis.protocol import BridgeProtocolError, error_message, require
from metis_env.runtime import LoadedEnvironment, LoadReport, load_environments

__all__ = [
    "BridgeBackpressureError",
    "BridgeConnectionLostError",
    "BridgeServer",
    "MissionCallError",
    "UnknownSessionError",
]

logger = logging.getLogger("metis_env.metis")

_Key = tuple[str, str, str]  # (session id, realm id, environment id)


class BridgeConnectionLostError(MetisEnvError):
    """Raised into a mission call when the connection to METIS closed before it was answered."""


class BridgeBackpressureError(MetisEnvError):
    """Raised into a script that sends faster than METIS reads (see ``max_queued_messages``)."""


class UnknownSessionError(MetisEnvError):
    """Raised when a request names a session the bridge has not set up (or has forgotten)."""


class MissionCallError(MetisEnvError):
    """Raised into a script when METIS refused a mission call; names METIS's error type."""

    def __init__(self, error_type: str, message: str) -> None:
        super().__init__(f"{error_type}: {message}")
        self.error_type = error_type


class _Connection:
    """One connection from METIS: its writer, its requests in flight, its pending calls."""

    def __init__(self, bridge: BridgeServer, websocket: ServerConnection) -> None:
        self.bridge = bridge
        self.websocket = websocket
        self.outbox: asyncio.Queue[Mapping[str, Any]] = asyncio.Queue()
        self.requests: set[asyncio.Task[None]] = set()
        self.calls: dict[str, asyncio.Future[Any]] = {}
        self._next_call = 0

    # -- the Peer a host sees ---------------------------------------------------------------

    def post(self, message: Mapping[str, Any]) -> None:
        # Outputs and mission calls come from scripts, as fast as they like: bounded, so a
        # METIS that stops reading fails the script instead of filling the bridge's memory.
        # The answers that end a request always get through.
        limit = self.bridge.max_queued_messages
        if message.get("type") in ("output", "mission-call") and self.outbox.qsize() >= limit:
            raise BridgeBackpressureError(
                f"{self.outbox.qsize()} messages are waiting to be sent to METIS "
                f"(max_queued_messages={limit}): METIS is not keeping up with this target"
            )
        self.outbox.put_nowait(message)

    def call(self, message: Mapping[str, Any]) -> asyncio.Future[Any]:
        self._next_call += 1
        call_id = str(self._next_call)
        future: asyncio.Future[Any] = asyncio.get_running_loop().create_future()
        future.add_done_callback(_log_unretrieved)
        self.calls[call_id] = future
        self.post({**message, "callId": call_id})
        return future

    # -- reading and writing ----------------------------------------------------------------

    async def _write(self) -> None:
        while True:
            message = await self.outbox.get()
            text = json.dumps(message, ensure_ascii=False, default=str, separators=(",", ":"))
            await self.websocket.send(text)

    async def serve(self) -> None:
        writer = asyncio.create_task(self._write())
        try:
            async for raw in self.websocket:
                self._receive(raw)
        except ConnectionClosed:
            pass
        finally:
            lost = BridgeConnectionLostError("the connection to METIS closed")
            for future in self.calls.values():
                if not future.done():
                    future.set_exception(lost)
            self.calls.clear()
            for task in list(self.requests):
                task.cancel()
            await asyncio.gather(*self.requests, return_exceptions=True)
            writer.cancel()
            await asyncio.gather(writer, return_exceptions=True)

    def _receive(self, raw: str | bytes) -> None:
        try:
            message = json.loads(raw)
        except ValueError:
            self.post({"type": "error", "id": None, "errorType": "BridgeProtocolError",
                       "message": "messages must be JSON objects"})  # fmt: skip
            return
        if not isinstance(message, dict):
            return
        kind = message.get("type")
        if kind in ("mission-result", "mission-error"):
            future = self.calls.pop(str(message.get("callId")), None)
            if future is None or future.done():
                return
            if kind == "mission-result":
                future.set_result(message.get("result"))
            else:
                error_type = str(message.get("errorType") or "Error")
                future.set_exception(MissionCallError(error_type, str(message.get("message"))))
            return
        task = asyncio.create_task(self._answer(message))
        self.requests.add(task)
        task.add_done_callback(self.requests.discard)

    async def _answer(self, message: dict[str, Any]) -> None:
        request_id = message.get("id")
        try:
            await self.bridge.handle(message, self)
        except asyncio.CancelledError:
            raise
        except BaseException as exc:  # a script's SystemExit is a failure too
            if isinstance(exc, KeyboardInterrupt):
                raise
            logger.warning("%s request failed: %s: %s", message.get("type"), type(exc).__name__,
                           exc, exc_info=not isinstance(exc, MetisEnvError))  # fmt: skip
            self.post(error_message(request_id, exc, with_traceback=self.bridge.traceback))
        else:
            self.post({"type": "done", "id": request_id})


def _log_unretrieved(future: asyncio.Future[Any]) -> None:
    if not future.cancelled() and future.exception() is not None:
        logger.debug("mission call failed: %s", future.exception())


class BridgeServer:
    """Serve the Python environments of ``root`` to METIS (see the module docstring).

    Args:
        root: the folder holding the Python environment folders (as for ``metis-env run``).
        host: interface to listen on.
        port: TCP port; 0 picks a free one (read `port` after `start`).
        token: when set, every request must carry it (METIS reads it from the environment
            variable ``METIS_ENV_BRIDGE_TOKEN``).
        cancel_grace_ms: how long a cancelled script or hook may take to stop.
        stop_timeout_ms: how long each session's teardown may take when the bridge stops.
        traceback: send the Python traceback with every error (METIS shows it in the
            error's message); off by default: it can show code and values.
        ssl: serve ``wss://`` with this context (export with ``--bridge-tls`` then);
            ``None``: plain ``ws://``.
        max_queued_messages: outputs and mission calls waiting to be sent on one connection
            beyond which a script's next one raises `BridgeBackpressureError`.
    """

    def __init__(
        self,
        root: Path | str,
        *,
        host: str = "127.0.0.1",
        port: int = 8790,
        token: str | None = None,
        cancel_grace_ms: int = 2_000,
        stop_timeout_ms: int = 10_000,
        traceback: bool = False,
        ssl: SSLContext | None = None,
        max_queued_messages: int = 10_000,
    ) -> None:
        self.root = Path(root)
        self.host = host
        self.port = port
        self.token = token
        self.cancel_grace_ms = cancel_grace_ms
        self.stop_timeout_ms = stop_timeout_ms
        self.traceback = traceback
        self.ssl = ssl
        self.max_queued_messages = max_queued_messages
        self.report: LoadReport = LoadReport()
        self.hosts: dict[_Key, BridgeHost] = {}
        self._server: Server | None = None

    def __repr__(self) -> str:
        state = "serving" if self._server is not None else "stopped"
        return f"<BridgeServer {self.url} {state} sessions={len(self.hosts)}>"

    @property
    def url(self) -> str:
        """``ws://host:port`` (``wss://`` with TLS); the real port once started."""
        host = f"[{self.host}]" if ":" in self.host else self.host
        return f"{'wss' if self.ssl is not None else 'ws'}://{host}:{self.port}"

    @property
    def environments(self) -> dict[str, LoadedEnvironment]:
        """The environments served, by id."""
        return self.report.environments

    async def start(self) -> None:
        """Load the environments and listen.

        Raises:
            ConfigError: ``root`` is not a folder, or no environment loads from it.
            OSError: the port cannot be bound.
        """
        if self._server is not None:
            return
        self.report = load_environments(self.root)
        if not self.report.environments:
            problems = "; ".join(f"{p.path}: {p.message}" for p in self.report.problems)
            raise ConfigError("root", str(self.root), f"holds no environment that loads {problems}")
        self._server = await ws_serve(
            self._serve, self.host, self.port, ssl=self.ssl, reuse_address=True
        )
        self.port = self._server.sockets[0].getsockname()[1]
        logger.info("metis-env bridge listening on %s", self.url)

    async def stop(self) -> None:
        """Tear every session down (teardown hooks run, each session for at most
        ``stop_timeout_ms``), close connections; idempotent."""
        server, self._server = self._server, None
        if server is None:
            return
        for key, host in list(self.hosts.items()):
            try:
                await asyncio.wait_for(
                    host.tear_down(lambda message: None), self.stop_timeout_ms / 1000
                )
            except (Exception, TimeoutError) as exc:
                logger.warning("teardown of %s failed at stop: %s", host, exc)
            self.hosts.pop(key, None)
        server.close(close_connections=True)
        await server.wait_closed()
        for env in self.report.environments.values():
            env.unload()

    async def __aenter__(self) -> BridgeServer:
        await self.start()
        return self

    async def __aexit__(self, *exc_info: object) -> None:
        await self.stop()

    async def _serve(self, websocket: ServerConnection) -> None:
        await _Connection(self, websocket).serve()

    # -- requests ---------------------------------------------------------------------------

    def _check_token(self, message: Mapping[str, Any]) -> None:
        if self.token is None:
            return
        given = message.get("token")
        if not isinstance(given, str) or not hmac.compare_digest(given, self.token):
            raise PermissionError(
                "the bridge requires a token: set METIS_ENV_BRIDGE_TOKEN on the METIS server "
                "to the bridge's --token"
            )

    def _host(self, key: _Key) -> BridgeHost:
        host = self.hosts.get(key)
        if host is None:
            raise UnknownSessionError(
                f"the bridge has no session {key[0]!r} (realm {key[1]!r}) for environment "
                f"{key[2]!r}: its setup did not run here (was the bridge restarted? reset or "
                "restart the METIS session to set it up again)"
            )
        return host

    async def handle(self, message: Mapping[str, Any], peer: _Connection) -> None:
        """Answer one request (``setup``, ``run``, ``teardown``); raise to answer ``error``."""
        kind = message.get("type")
        if kind not in ("setup", "run", "teardown"):
            raise BridgeProtocolError(f"unknown request type {kind!r}")
        require(message, kind)
        self._check_token(message)
        key: _Key = (message["sessionId"], message["realmId"], message["envId"])
        request_id = message.get("id")

        def log(text: str) -> None:
            peer.post({"type": "log", "id": request_id, "message": text})

        if kind == "setup":
            await self._set_up(key, message, log)
        elif kind == "run":
            args = message.get("args")
            await self._host(key).run(
                message["targetId"], args if isinstance(args, Mapping) else {}, peer, message
            )
        else:
            host = self.hosts.get(key)
            if host is None:
                log("nothing to tear down: this bridge never set the session up (restarted?)")
                return
            try:
                await host.tear_down(log)
            finally:
                self.hosts.pop(key, None)

    async def _set_up(self, key: _Key, message: Mapping[str, Any], log: Any) -> None:
        env = self.environments.get(key[2])
        if env is None:
            known = ", ".join(self.environments) or "none"
            raise ConfigError("envId", key[2], f"is not served by this bridge (serving: {known})")
        if key in self.hosts:
            raise BridgeProtocolError(f"session {key[0]!r} (realm {key[1]!r}) is already set up")
        session = message.get("session")
        session = session if isinstance(session, Mapping) else {}
        config_id = message.get("configId")
        host = BridgeHost(
            env,
            session_id=key[0],
            realm_id=key[1],
            session_name=str(session.get("name") or ""),
            config_id=config_id if isinstance(config_id, str) else None,
            mission=mission_from_view(message.get("mission")),
            cancel_grace_ms=self.cancel_grace_ms,
        )
        self.hosts[key] = host
        try:
            await host.set_up(log)
        except BaseException:
            self.hosts.pop(key, None)
            raise
