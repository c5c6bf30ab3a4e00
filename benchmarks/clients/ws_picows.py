"""Raw ``picows``: a `WSListener` whose ``on_ws_frame`` copies and parses each echo.

picows hands the listener frames whose payload points into its read buffer, so the
listener copies (``get_payload_as_utf8_text`` / ``get_payload_as_bytes``) before keeping
anything. Echoes of unfragmented messages are single frames, so nothing is reassembled.
Sends are synchronous; backpressure comes through ``pause_writing``/``resume_writing``.
"""

from __future__ import annotations

import asyncio
import json
from collections.abc import Sequence
from typing import Any

from picows import WSCloseCode, WSFrame, WSListener, WSMsgType, WSTransport, ws_connect

from clients.base import Connection, Driver

__all__ = ["PicowsAsyncioConnection", "PicowsAsyncioDriver", "PicowsConnection", "PicowsDriver"]

MAX_SIZE = 4 * 1024 * 1024
_TEXT, _BINARY, _CLOSE = WSMsgType.TEXT, WSMsgType.BINARY, WSMsgType.CLOSE


class _Listener(WSListener):
    """Parses text echoes, copies binary ones, and resolves the connection's waiter."""

    def __init__(self) -> None:
        self.waiter: asyncio.Future[Any] | None = None
        self.remaining = 0
        self.can_write = asyncio.Event()
        self.can_write.set()

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        msg_type = frame.msg_type
        if msg_type is _TEXT:
            value: Any = json.loads(frame.get_payload_as_utf8_text())
        elif msg_type is _BINARY:
            value = frame.get_payload_as_bytes()
        elif msg_type is _CLOSE:
            # The server answered our CLOSE (or started one): the handshake is over.
            transport.disconnect()
            return
        else:
            return
        waiter = self.waiter
        if self.remaining:  # pipelining: count, resolve on the last echo
            self.remaining -= 1
            if self.remaining == 0 and waiter is not None:
                waiter.set_result(value)
        elif waiter is not None and not waiter.done():
            waiter.set_result(value)

    def on_ws_disconnected(self, transport: WSTransport) -> None:
        self.can_write.set()
        if self.waiter is not None and not self.waiter.done():
            self.waiter.set_exception(ConnectionError("picows echo connection lost"))

    def pause_writing(self) -> None:
        self.can_write.clear()

    def resume_writing(self) -> None:
        self.can_write.set()


class PicowsConnection(Connection):
    """One picows client connection."""

    def __init__(self, url: str) -> None:
        self.url = url
        self.transport: WSTransport
        self.listener: _Listener

    #: picows' own C transport (aiofastnet) when installed, its default; False: asyncio's.
    use_aiofastnet: bool | None = None

    async def open(self) -> None:
        self.transport, listener = await ws_connect(
            _Listener, self.url, max_frame_size=MAX_SIZE, use_aiofastnet=self.use_aiofastnet
        )
        assert isinstance(listener, _Listener)
        self.listener = listener

    async def close(self) -> None:
        self.transport.send_close(WSCloseCode.OK)
        await self.transport.wait_disconnected()

    async def roundtrip_text(self, message: str) -> Any:
        self.listener.waiter = waiter = asyncio.get_running_loop().create_future()
        self.transport.send(_TEXT, message)
        return await waiter

    async def roundtrip_bytes(self, payload: bytes) -> bytes:
        self.listener.waiter = waiter = asyncio.get_running_loop().create_future()
        self.transport.send(_BINARY, payload)
        result: bytes = await waiter
        return result

    async def pipeline(self, messages: Sequence[str]) -> Any:
        listener = self.listener
        listener.waiter = waiter = asyncio.get_running_loop().create_future()
        listener.remaining = len(messages)
        send, can_write = self.transport.send, listener.can_write
        for message in messages:
            if not can_write.is_set():
                await can_write.wait()
            send(_TEXT, message)
        return await waiter


class PicowsDriver(Driver):
    """picows connections; nothing shared between them."""

    def connection(self) -> PicowsConnection:
        return PicowsConnection(self.endpoints.ws_url)


class PicowsAsyncioConnection(PicowsConnection):
    """Raw picows over asyncio's own socket transport (``use_aiofastnet=False``)."""

    use_aiofastnet = False


class PicowsAsyncioDriver(Driver):
    """Raw picows as our adapter runs it: over asyncio's socket transport."""

    def connection(self) -> PicowsAsyncioConnection:
        return PicowsAsyncioConnection(self.endpoints.ws_url)
