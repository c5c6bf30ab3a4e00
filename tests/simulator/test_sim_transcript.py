"""Issue 13 item 3, the writer: the transcript format, redaction, reading it back."""

from __future__ import annotations

import io
import json
from pathlib import Path

import pytest

from metis_env.api.errors import ConfigError
from metis_env.simulator import TranscriptEvent, TranscriptWriter, read_transcript

SECRETS = ("s3cret-key", "tok-12345", "pw-9999")


class FakeClock:
    """Seconds that advance only when told to."""

    def __init__(self) -> None:
        self.now = 100.0

    def __call__(self) -> float:
        return self.now


def write_sample(target: io.StringIO | Path) -> FakeClock:
    clock = FakeClock()
    writer = TranscriptWriter(target, clock=clock)
    writer.opened(
        1,
        "ws://127.0.0.1:9/fleet?apiKey=s3cret-key&zone=eu",
        {"Authorization": "Bearer tok-12345", "X-Trace": "t1"},
    )
    clock.now += 0.0031
    writer.client_sent(1, '{"type":"auth","token":"tok-12345","list":[{"password":"pw-9999"}]}')
    clock.now += 0.0010
    writer.server_sent(1, {"type": "ok", "note": "Bearer tok-12345 accepted"})
    writer.server_sent(1, b"\x00\xff")
    writer.client_sent("side", "plain text with s3cret-key inside")
    clock.now += 0.5
    writer.closed(1, 1000, "bye", by="client")
    writer.close()
    writer.close()  # idempotent
    writer.client_sent(1, "after close: ignored")
    return clock


def test_the_lines_are_as_documented() -> None:
    """Header, open (path + redacted query and headers), messages, close: line for line."""
    out = io.StringIO()
    write_sample(out)
    lines = [json.loads(line) for line in out.getvalue().splitlines()]
    assert lines[0]["transcript"] == "metis-env" and lines[0]["version"] == 1
    assert lines[1:] == [
        {
            "t": 0.0,
            "conn": 1,
            "event": "open",
            "path": "/fleet?apiKey=***&zone=eu",
            "headers": {"Authorization": "***", "X-Trace": "t1"},
        },
        {
            "t": 3.1,
            "conn": 1,
            "event": "client",
            "json": {"type": "auth", "token": "***", "list": [{"password": "***"}]},
        },
        # The whole header value was learnt as a secret, so "Bearer …" goes with it.
        {
            "t": 4.1,
            "conn": 1,
            "event": "server",
            "json": {"type": "ok", "note": "*** accepted"},
        },
        {"t": 4.1, "conn": 1, "event": "server", "base64": "AP8="},
        {"t": 4.1, "conn": "side", "event": "client", "text": "plain text with *** inside"},
        {"t": 504.1, "conn": 1, "event": "close", "code": 1000, "reason": "bye", "by": "client"},
    ]
    assert not any(secret in out.getvalue() for secret in SECRETS)


def test_a_file_transcript_reads_back(tmp_path: Path) -> None:
    """read_transcript returns the events with their payloads decoded."""
    path = tmp_path / "t.jsonl"
    write_sample(path)
    events = read_transcript(path)
    assert [e.event for e in events] == ["open", "client", "server", "server", "client", "close"]
    assert events[0].headers == {"Authorization": "***", "X-Trace": "t1"}
    assert events[2] == TranscriptEvent(
        4.1, 1, "server", {"type": "ok", "note": "*** accepted"}, is_json=True
    )
    assert events[3].data == b"\x00\xff" and events[4].data == "plain text with *** inside"
    assert (events[5].code, events[5].reason, events[5].by) == (1000, "bye", "client")


def test_secrets_given_up_front_are_redacted_from_the_start() -> None:
    """secrets=(...) hides values no secret key announced."""
    out = io.StringIO()
    writer = TranscriptWriter(out, secrets=("hunter22",))
    writer.server_sent(3, "your password is hunter22")
    assert "hunter22" not in out.getvalue() and "your password is ***" in out.getvalue()


def test_closed_checks_who_closed() -> None:
    """by must be client, server or None."""
    with pytest.raises(ConfigError, match="by: must be 'client', 'server' or None"):
        TranscriptWriter(io.StringIO()).closed(1, 1000, by="nobody")


@pytest.mark.parametrize(
    ("line", "words"),
    [
        ("not json", "must be one JSON object per line"),
        ('{"t":1,"conn":1,"event":"shout"}', "'event' must be one of"),
        ('{"t":-1,"conn":1,"event":"client","json":1}', "'t' must be a number"),
        ('{"t":1,"conn":1,"event":"client"}', "needs 'json', 'text' or 'base64'"),
        ('{"transcript":"metis-env","version":9}', "transcript version must be 1"),
    ],
)
def test_a_bad_line_names_file_and_line(tmp_path: Path, line: str, words: str) -> None:
    """read_transcript raises ConfigError with file:line and the rule."""
    path = tmp_path / "bad.jsonl"
    path.write_text('{"transcript":"metis-env","version":1}\n' + line + "\n", encoding="utf-8")
    with pytest.raises(ConfigError) as info:
        read_transcript(path)
    assert f"{path}:2" in str(info.value) and words in str(info.value)
