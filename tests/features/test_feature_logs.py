"""Structured log records (extra={"metis": {...}}) and the counters of ws.stats()."""

from __future__ import annotations

import asyncio
import logging

import pytest
from feature_servers import LIMIT, client, ignore, ws_server

from metis_env.api import ClosedError, RequestTimeoutError
from metis_env.api.logs import RedactingLogger


def metis_records(caplog: pytest.LogCaptureFixture) -> list[logging.LogRecord]:
    return [r for r in caplog.records if r.name.startswith("metis_env")]


async def test_every_client_record_carries_event_and_redacted_url(
    caplog: pytest.LogCaptureFixture,
) -> None:
    """State changes, timeouts and listener errors all carry metis.event and metis.url."""
    caplog.set_level(logging.DEBUG, logger="metis_env")
    async with ws_server(ignore) as srv:
        ws = client(srv.port, query={"token": "abcdef", "room": "2"})

        def broken(_e: object) -> None:
            raise RuntimeError("listener bug")

        ws.add_event_listener("open", broken)
        await ws.connect()
        with pytest.raises(RequestTimeoutError):
            await asyncio.wait_for(ws.request({"id": "t"}, timeout=20), LIMIT)
        await ws.disconnect()
    records = metis_records(caplog)
    assert records
    for record in records:
        assert isinstance(record.metis, dict), record.getMessage()
        assert record.metis["url"] == f"ws://127.0.0.1:{srv.port}/?token=***&room=2"
    events = [r.metis["event"] for r in records]
    assert {"state", "listener.error", "request.timeout"} <= set(events)
    states = [
        (r.metis["old_state"], r.metis["new_state"]) for r in records if r.metis["event"] == "state"
    ]
    assert states[:2] == [("CLOSED", "CONNECTING"), ("CONNECTING", "OPEN")]
    timeout = next(r for r in records if r.metis["event"] == "request.timeout")
    assert timeout.metis["correlation_id"] == "t" and timeout.metis["timeout_ms"] == 20
    assert timeout.levelno == logging.INFO
    listener = next(r for r in records if r.metis["event"] == "listener.error")
    assert listener.metis["listener_event"] == "open"
    assert listener.metis["error"] == "RuntimeError"


def test_redacting_logger_hides_secrets_in_arguments(caplog: pytest.LogCaptureFixture) -> None:
    """A transport's DEBUG line with a secret header value is redacted before it is emitted."""
    caplog.set_level(logging.DEBUG, logger="test.transport")
    adapter = RedactingLogger(
        logging.getLogger("test.transport"), "ws://h:1/?token=abcd1234", ["Bearer xyz987", "xyz987"]
    )
    adapter.debug("> %s: %s", "Authorization", "Bearer xyz987")
    adapter.debug("> GET %s HTTP/1.1", "/?token=abcd1234")
    messages = [r.getMessage() for r in caplog.records]
    assert messages == ["> Authorization: ***", "> GET /?token=abcd1234 HTTP/1.1"]
    assert caplog.records[0].metis == {"event": "transport", "url": "ws://h:1/?token=***"}


async def test_stats_count_requests_waiters_streams_and_subscriptions() -> None:
    """stats() reports requests in flight, completed, timed out, waiters, streams, drops."""
    async with ws_server() as srv:
        ws = client(srv.port)
        await ws.connect()
        pending = ws.wait_for("never", timeout=None)
        stream = ws.messages()
        ws.subscribe({"type": "subscribe", "channel": "c"})
        await asyncio.wait_for(ws.request({"type": "request", "id": 1}), LIMIT)
        stats = ws.stats()
        assert stats["requests_completed"] == 1 and stats["requests_in_flight"] == 0
        assert stats["waiters"] == 1 and stats["streams"] == 1 and stats["subscriptions"] == 1
        assert stats["requests_timed_out"] == 0 and stats["stream_drops"] == 0
        assert stats["messages_out"] == 2 and stats["messages_in"] == 1
        await ws.disconnect()
        assert isinstance(pending.exception(), ClosedError) and ws.stats()["waiters"] == 0
        stream.close()
