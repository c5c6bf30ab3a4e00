"""Drive `WebSocketApi` through the Autobahn|Testsuite fuzzingserver (RFC 6455 conformance).

Run by ``make conformance`` via ``../shared/tools/autobahn/run``, which sets AUTOBAHN_URL and
AUTOBAHN_AGENT. Each case: connect, echo every message from a ``message`` listener (text as
text, binary as binary, using ``event.raw``), wait for the server to close. Set
METIS_TRANSPORT to pick the transport (``websockets`` or ``picows``).
"""

from __future__ import annotations

import asyncio
import os
import sys
import time

from metis_env.api import WebSocketApi
from metis_env.api.errors import MetisEnvError

CASE_TIMEOUT = 60.0


def _client(url: str, transport: str) -> WebSocketApi:
    host_port = url.split("://", 1)[1]
    host, _, rest = host_port.partition(":")
    port, _, path_query = rest.partition("/")
    path, _, query = ("/" + path_query).partition("?")
    return WebSocketApi(
        host=host,
        port=int(port),
        path=path if path != "/" else "",
        query=query or None,
        auto_reconnect=False,
        keep_alive_interval=0,
        max_message_size=None,
        transport=transport,
        compression=os.environ.get("METIS_COMPRESSION") == "1",
    )


async def _run(url: str, transport: str, *, echo: bool) -> list[str]:
    ws = _client(url, transport)
    closed = asyncio.Event()
    texts: list[str] = []

    def on_message(event: object) -> None:
        raw = event.raw  # type: ignore[attr-defined]
        if echo:
            # Failures (the server closing mid-case) are expected; retrieve them quietly.
            ws.send(raw).add_done_callback(lambda h: h.exception())
        elif isinstance(raw, str):
            texts.append(raw)

    ws.add_event_listener("message", on_message)
    ws.add_event_listener("close", lambda _e: closed.set())
    try:
        await ws.connect()
    except MetisEnvError:
        return texts
    try:
        await asyncio.wait_for(closed.wait(), CASE_TIMEOUT)
    except TimeoutError:
        await ws.disconnect()
    return texts


async def main() -> int:
    base = os.environ["AUTOBAHN_URL"]
    agent = os.environ.get("AUTOBAHN_AGENT", "metis-env")
    transport = os.environ.get("METIS_TRANSPORT", "websockets")
    count = int((await _run(f"{base}/getCaseCount", transport, echo=False))[0])
    started = time.monotonic()
    for case in range(1, count + 1):
        await _run(f"{base}/runCase?case={case}&agent={agent}", transport, echo=True)
        if case % 50 == 0 or case == count:
            print(
                f"autobahn client: {case}/{count} cases, {time.monotonic() - started:.0f} s",
                file=sys.stderr,
                flush=True,
            )
    await _run(f"{base}/updateReports?agent={agent}", transport, echo=False)
    return 0


if __name__ == "__main__":
    sys.exit(asyncio.run(main()))
