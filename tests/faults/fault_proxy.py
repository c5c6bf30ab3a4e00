"""`FaultProxy`: a TCP relay between a client and a server that can delay, blackhole or reset.

The client connects to the proxy (``127.0.0.1:proxy.port``); each accepted connection (a
*link*) opens its own connection to the upstream server and relays bytes both ways, in order.
Faults act below WebSocket, on TCP, which is what a broken network does:

* `set_delay` holds every chunk ``ms`` milliseconds before writing it on (a slow link);
* `blackhole` keeps both TCP connections open but drops every byte in both directions from
  now on (a half-open link: a NAT that forgot the flow, a cable pulled somewhere far away);
  with ``new_links=True`` links accepted later are blackholed from the start;
* `reset` aborts both sides of every link with an RST (SO_LINGER 0), as a crashed middlebox;
* `restore` ends the blackhole for new links (existing blackholed links stay dead).

Every task lives on the proxy and is cancelled and awaited by `stop`.
"""

from __future__ import annotations

import asyncio
import contextlib
import socket
import struct
from dataclasses import dataclass, field
from types import TracebackType

__all__ = ["FaultProxy", "Link"]

_CHUNK = 65536


@dataclass(eq=False)
class Link:
    """One relayed client connection and its upstream twin."""

    client: asyncio.StreamWriter
    upstream: asyncio.StreamWriter
    blackholed: bool = False  # drop every byte, both ways, keep TCP open
    bytes_up: int = 0  # client -> server bytes relayed
    bytes_down: int = 0  # server -> client bytes relayed
    tasks: list[asyncio.Task[None]] = field(default_factory=list)

    def abort(self, rst: bool = False) -> None:
        """Drop both TCP connections (with an RST when ``rst``)."""
        for writer in (self.client, self.upstream):
            sock = writer.get_extra_info("socket")
            if rst and sock is not None:
                with contextlib.suppress(OSError):
                    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
            writer.transport.abort()


class FaultProxy:
    """A TCP relay to ``upstream_host:upstream_port`` with faults on demand.

    Use as ``async with FaultProxy(port) as proxy:`` and point the client at ``proxy.port``.
    """

    def __init__(self, upstream_port: int, upstream_host: str = "127.0.0.1") -> None:
        self.upstream_host = upstream_host
        self.upstream_port = upstream_port
        self.port = 0  # the listening port once started
        self.delay_ms = 0  # hold each chunk this long before relaying it
        self.blackhole_new = False  # links accepted from now on start blackholed
        self.links: list[Link] = []  # open links, oldest first
        self.total_links = 0  # links ever accepted
        self._server: asyncio.Server | None = None
        self._handlers: set[asyncio.Task[None]] = set()
        self._changed = asyncio.Event()

    async def start(self) -> None:
        """Listen on 127.0.0.1, on a free port."""
        self._server = await asyncio.start_server(self._accept, "127.0.0.1", 0)
        self.port = self._server.sockets[0].getsockname()[1]

    async def stop(self) -> None:
        """Close the listener and every link; wait for every relay task."""
        if self._server is not None:
            self._server.close()
        for link in list(self.links):
            link.abort()
        tasks = [*self._handlers, *(t for link in self.links for t in link.tasks)]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self._server is not None:
            await self._server.wait_closed()
            self._server = None

    async def __aenter__(self) -> FaultProxy:
        await self.start()
        return self

    async def __aexit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        await self.stop()

    # Faults

    def set_delay(self, ms: int) -> None:
        """Hold every chunk, both ways, ``ms`` milliseconds (0: relay at once)."""
        self.delay_ms = ms

    def blackhole(self, *, new_links: bool = False) -> None:
        """Drop every byte of every open link, both ways, keeping TCP open."""
        for link in self.links:
            link.blackholed = True
        self.blackhole_new = new_links

    def restore(self) -> None:
        """Links accepted from now on relay normally again."""
        self.blackhole_new = False

    def reset(self) -> None:
        """Abort every open link with an RST on both sides."""
        for link in list(self.links):
            link.abort(rst=True)

    async def wait_for_links(self, n: int, timeout: float = 5.0) -> None:
        """Wait until ``total_links >= n``."""
        async with asyncio.timeout(timeout):
            while self.total_links < n:
                self._changed.clear()
                await self._changed.wait()

    # Relaying

    def _accept(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        task = asyncio.get_running_loop().create_task(self._open_link(reader, writer))
        self._handlers.add(task)
        task.add_done_callback(self._handlers.discard)

    async def _open_link(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        try:
            up_reader, up_writer = await asyncio.open_connection(
                self.upstream_host, self.upstream_port
            )
        except OSError:
            writer.transport.abort()  # upstream down: the client sees the connection drop
            return
        link = Link(writer, up_writer, blackholed=self.blackhole_new)
        self.links.append(link)
        self.total_links += 1
        self._changed.set()
        loop = asyncio.get_running_loop()
        link.tasks = [
            loop.create_task(self._pump(link, reader, up_writer, up=True)),
            loop.create_task(self._pump(link, up_reader, writer, up=False)),
        ]
        try:
            await asyncio.wait(link.tasks, return_when=asyncio.FIRST_COMPLETED)
        finally:
            link.abort()
            for task in link.tasks:
                task.cancel()
            await asyncio.gather(*link.tasks, return_exceptions=True)
            if link in self.links:
                self.links.remove(link)

    async def _pump(
        self, link: Link, reader: asyncio.StreamReader, writer: asyncio.StreamWriter, *, up: bool
    ) -> None:
        with contextlib.suppress(ConnectionError, OSError):
            while chunk := await reader.read(_CHUNK):
                if link.blackholed:
                    continue  # swallowed: TCP stays up, nothing reaches the other side
                if self.delay_ms > 0:
                    await asyncio.sleep(self.delay_ms / 1000)
                if link.blackholed:
                    continue
                writer.write(chunk)
                await writer.drain()
                if up:
                    link.bytes_up += len(chunk)
                else:
                    link.bytes_down += len(chunk)
