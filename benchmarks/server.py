"""The echo servers every benchmark client talks to, run in a process of their own.

Two servers share one event loop here, so the client process under test gets the other core:

* a picows WebSocket echo: text comes back as text, binary as binary, fragments as the same
  fragments; pings are answered by picows itself (``enable_auto_pong``); a CLOSE is answered
  with the same code (RFC 6455 §5.5.1) and the connection is then dropped;
* a raw TCP echo: every byte read is written back unchanged. Framing is the client's business
  (`payloads.frame_tcp`), so the server costs the same for every message size.

Both bind 127.0.0.1 on ephemeral ports and announce them as one JSON line on stdout,
``{"ws_port": P, "tcp_port": Q}``. The process exits when its stdin closes (so it cannot
outlive a parent that died) or on SIGTERM/SIGINT.

Usage: ``python benchmarks/server.py [--cpu N]``
"""

from __future__ import annotations

import argparse
import asyncio
import json
import os
import resource
import signal
import sys

from picows import WSFrame, WSListener, WSMsgType, WSTransport, WSUpgradeRequest, ws_create_server

__all__ = ["EchoWSListener", "TcpEcho", "main", "serve"]

HOST = "127.0.0.1"
# Frames larger than this close the connection; the 1 MiB scenario needs headroom.
MAX_FRAME_SIZE = 4 * 1024 * 1024


class EchoWSListener(WSListener):
    """Echoes every data frame back as it came, and completes the close handshake."""

    def on_ws_frame(self, transport: WSTransport, frame: WSFrame) -> None:
        """Send data frames straight back; answer CLOSE and drop the connection."""
        msg_type = frame.msg_type
        if msg_type is WSMsgType.CLOSE:
            # picows does not answer CLOSE itself: echo the code, then disconnect (§5.5.1).
            # A CLOSE without a code is answered without one: picows' send_close would
            # write its "no code" value (0), which `ws` rejects as a protocol error.
            if len(frame.get_payload_as_memoryview()) < 2:
                transport.send(WSMsgType.CLOSE, b"")
            else:
                transport.send_close(frame.get_close_code(), frame.get_close_message())
            transport.disconnect()
        elif msg_type is not WSMsgType.PONG and msg_type is not WSMsgType.PING:
            # The payload view dies when this callback returns; send() copies it first.
            transport.send(msg_type, frame.get_payload_as_memoryview(), frame.fin)

    def pause_writing(self) -> None:
        """Keep echoing into the buffer: a client that does not read is its own problem.

        (Defined so that picows does not log a warning every time the buffer fills.)
        """

    def resume_writing(self) -> None:
        """Nothing was paused (see `pause_writing`)."""


class TcpEcho(asyncio.Protocol):
    """Writes every chunk it reads back to the peer; closes when the peer does."""

    def connection_made(self, transport: asyncio.BaseTransport) -> None:
        """Keep the transport to write echoes to."""
        assert isinstance(transport, asyncio.Transport)
        self.transport = transport

    def data_received(self, data: bytes) -> None:
        """Echo the chunk as it is."""
        self.transport.write(data)

    def eof_received(self) -> bool:
        """Close our side too once the client has finished."""
        return False


def _raise_fd_limit() -> None:
    # The idle-connection scenario holds 1,000 sockets open at once.
    soft, hard = resource.getrlimit(resource.RLIMIT_NOFILE)
    if soft < hard:
        resource.setrlimit(resource.RLIMIT_NOFILE, (hard, hard))


def _listener_factory(_request: WSUpgradeRequest) -> EchoWSListener:
    return EchoWSListener()


async def serve() -> None:
    """Start both servers, print their ports, run until stdin closes or a signal arrives."""
    loop = asyncio.get_running_loop()
    ws_server = await ws_create_server(
        _listener_factory, HOST, 0, max_frame_size=MAX_FRAME_SIZE, backlog=1024
    )
    tcp_server = await loop.create_server(TcpEcho, HOST, 0, backlog=1024)
    stop = asyncio.Event()
    for sig in (signal.SIGTERM, signal.SIGINT):
        loop.add_signal_handler(sig, stop.set)
    # A parent that dies closes our stdin pipe; treat that as "stop". (A stdin that cannot
    # be polled, such as /dev/null, leaves only the signals.)
    stdin = sys.stdin.fileno()
    try:
        loop.add_reader(stdin, lambda: None if os.read(stdin, 1) else stop.set())
    except OSError:
        stdin = -1
    ports = {
        "ws_port": ws_server.sockets[0].getsockname()[1],
        "tcp_port": tcp_server.sockets[0].getsockname()[1],
    }
    print(json.dumps(ports), flush=True)
    try:
        await stop.wait()
    finally:
        if stdin >= 0:
            loop.remove_reader(stdin)
        ws_server.close()
        tcp_server.close()


def main(argv: list[str] | None = None) -> None:
    """Entry point: ``python benchmarks/server.py [--cpu N]`` (pin to CPU ``N``)."""
    parser = argparse.ArgumentParser(description="Echo servers for the benchmarks.")
    parser.add_argument("--cpu", type=int, default=None, help="pin this process to one CPU")
    args = parser.parse_args(argv)
    if args.cpu is not None:
        os.sched_setaffinity(0, {args.cpu})
    _raise_fd_limit()
    asyncio.run(serve())


if __name__ == "__main__":
    main()
