"""Security: no secret in any output, a bounded message size, and received data stays data."""

from __future__ import annotations

import asyncio
import traceback
from pathlib import Path
from typing import Any

import pytest
from fault_helpers import COUNTS, LIMIT, EventLog, client

from log_capture import LogCapture
from metis_env.api import EVENT_TYPES, HandshakeError, WebSocketApi
from metis_env.simulator import Simulator

pytestmark = pytest.mark.usefixtures("transport_name")

TOKEN = "tok-9f8e7d6c5b4a-SECRET"
API_KEY = "ak-1234567890-SECRET"
HEADER_KEY = "hk-abcdefabcdef-SECRET"
QUERY_TOKEN = "qt-5555666677778888-SECRET"
SECRETS = (TOKEN, API_KEY, HEADER_KEY, QUERY_TOKEN)


def renderings(error: BaseException) -> list[str]:
    """str, repr and the formatted traceback of an error and of every error behind it."""
    out: list[str] = []
    seen: set[int] = set()
    current: BaseException | None = error
    while current is not None and id(current) not in seen:
        seen.add(id(current))
        out += [str(current), repr(current), repr(getattr(current, "__dict__", {}))]
        current = current.__cause__ or current.__context__
    out.append("".join(traceback.format_exception(error)))
    return out


async def test_no_secret_in_logs_errors_events_or_reprs(all_logs: LogCapture) -> None:
    """connect, send, drop, reconnect, 401, manual retry, disconnect: the secrets never show."""
    config = {
        "host": "127.0.0.1",
        "headers": {"Authorization": f"Bearer {TOKEN}", "X-Api-Key": HEADER_KEY},
        "query": {"access_token": QUERY_TOKEN, "room": "7"},
        "apiKey": API_KEY,
        "keepAliveInterval": 0,
        "reconnectDelay": 250,
    }
    outputs: list[str] = []
    errors: list[BaseException] = []
    async with Simulator() as sim:
        ws = WebSocketApi.from_config({**config, "port": sim.port}, random=lambda: 0.0)
        events: list[Any] = []
        ws.add_event_listener(EVENT_TYPES, events.append)
        log = EventLog(ws)
        await ws.connect()
        assert sim.handshake_headers[0]["authorization"] == f"Bearer {TOKEN}"  # really sent
        ws.send({"type": "hello"})
        await sim.wait_for_message("hello", LIMIT)
        sim.drop_all()  # fail
        await log.wait_for(("open",), 2)  # reconnect
        ws.send({"type": "hello"})
        sim.refuse_handshakes(401)
        sim.drop_all()
        await log.wait_for(("reconnect-failed",))
        with pytest.raises(HandshakeError) as refused:
            await asyncio.wait_for(ws.connect(), LIMIT)
        errors.append(refused.value)
        sim.refuse_handshakes(None)
        await ws.connect()
        ws.send({"type": "hello"})
        late = ws.send({"type": "bye"})
        await ws.disconnect()
        outputs += [repr(ws), str(ws), ws.redacted_url]
        outputs += [repr(ws.options), str(ws.options), str(ws.options.redacted())]
        outputs += [str(ws.stats()), repr(ws.options.extra.keys())]
        outputs += [repr(e) for e in events]
        errors += [e.error for e in events if e.method == "error"]
        errors += [e.cause for e in events if getattr(e, "cause", None) is not None]
        if late.done() and late.exception() is not None:
            errors.append(late.exception())  # type: ignore[arg-type]
    assert len(errors) >= 4  # lost connection, the 401 (event and handle), the give-up cause
    for error in errors:
        outputs += renderings(error)
    everything = "\n".join(all_logs.texts + outputs)
    assert "access_token=***" in everything  # the URL is shown, redacted
    leaked = [s for s in SECRETS if s in everything]
    assert leaked == []
    assert ws.options.extra["apiKey"] == API_KEY  # still there for the script that needs it
    COUNTS["outputs checked for secrets"] += len(all_logs.texts) + len(outputs)


async def test_max_message_size_is_one_mib_by_default_and_enforced() -> None:
    """No maxMessageSize given: 1 MiB; a 2 MiB message fails the connection with 1009."""
    async with Simulator(max_size=None) as sim:
        ws = client(sim.port, auto_reconnect=False)
        assert ws.options.max_message_size == 1024 * 1024
        log = EventLog(ws, messages=True)
        await ws.connect()
        await sim.send("x" * (2 * 1024 * 1024))
        await log.wait_for(("close", 1009))
        assert log.messages == []
        assert log.entries[2:] == [
            ("error", "MessageTooBigError"),
            ("close", 1009),
            ("connection-change", False),
        ]
        COUNTS["bad inputs rejected"] += 1


def hostile_messages(sentinel: Path) -> list[Any]:
    """Messages that would do something if anything evaluated, unpickled or imported them."""
    code = f"__import__('pathlib').Path({str(sentinel)!r}).write_text('pwned')"
    return [
        {"__class__": "os.system", "__reduce__": ["os.system", [f"touch {sentinel}"]]},
        {"$eval": code, "type": "command", "__init__": code},
        code,
        f"exec({code!r})",
        {"py/object": "subprocess.Popen", "args": ["touch", str(sentinel)]},  # jsonpickle style
        b"\x80\x04\x95\x1d\x00\x00\x00\x00\x00\x00\x00\x8c\x02os\x94\x8c\x06system\x94\x93\x94.",
        "{{ 7 * 7 }} ${7*7} #{7*7}",
    ]


async def test_received_messages_are_never_evaluated(tmp_path: Path) -> None:
    """Code-looking payloads arrive as plain dict/str/bytes, equal to what was sent; no effect."""
    sentinel = tmp_path / "pwned"
    sent = hostile_messages(sentinel)
    async with Simulator() as sim:
        ws = client(sim.port)
        log = EventLog(ws, messages=True)
        await ws.connect()
        for message in sent:
            await sim.send(message)
        await log.until(lambda: len(log.messages) == len(sent))
        await ws.disconnect()
    assert log.messages == sent
    assert [type(m) for m in log.messages] == [type(m) for m in sent]  # dict, str, bytes only
    assert not sentinel.exists()
    COUNTS["bad inputs rejected"] += len(sent)
