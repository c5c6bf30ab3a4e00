"""Transcripts: a WebSocket exchange as JSON lines, secrets redacted; written and read here.

A transcript is a UTF-8 text file, one JSON object per line. The first line is the header
``{"transcript": "metis-env", "version": 1, "started": "<UTC ISO time>"}``; every other line
is one event, in the order the writer was told about them::

    {"t": 0.0, "conn": 1, "event": "open", "path": "/ws?apiKey=***", "headers": {…}}
    {"t": 3.1, "conn": 1, "event": "client", "json": {"type": "hello"}}
    {"t": 4.0, "conn": 1, "event": "server", "json": {"type": "welcome"}}
    {"t": 9.5, "conn": 1, "event": "close", "code": 1000, "reason": "", "by": "client"}

``t`` is milliseconds since the writer was created (0.1 ms steps); ``conn`` names the
connection (any int or string the caller uses; ``str()`` of anything else). A payload is
stored as ``json`` (text that parses as JSON, or a JSON value handed in), ``text`` (any
other text frame) or ``base64`` (a binary frame). ``by`` says who closed: ``"client"``,
``"server"`` or ``null`` (unknown).

Redaction (`metis_env.api.secrets`): header values and query parameters whose name looks
secret (``Authorization``, ``apiKey``, ``token`` …) become ``***``; so do values under such
keys anywhere in a JSON payload, and every later occurrence of a secret value seen so far
inside any text or JSON string. Binary payloads are stored as they are.
"""

from __future__ import annotations

import base64
import json
import os
import time
from collections.abc import Callable, Iterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path
from types import TracebackType
from typing import IO, Any
from urllib.parse import parse_qsl, quote, urlsplit

from metis_env.api.codec import Data, decode
from metis_env.api.errors import ConfigError
from metis_env.api.secrets import REDACTED, is_secret_key, redact_text

__all__ = [
    "TRANSCRIPT_VERSION",
    "TranscriptEvent",
    "TranscriptWriter",
    "read_transcript",
]

#: The ``version`` a writer puts in the header, and the one `read_transcript` accepts.
TRANSCRIPT_VERSION = 1
_EVENTS = frozenset({"open", "client", "server", "close"})
_CLOSERS = frozenset({"client", "server", None})


@dataclass(frozen=True)
class TranscriptEvent:
    """One event line of a transcript.

    Attributes:
        t: milliseconds since the transcript started.
        conn: the connection it belongs to.
        event: ``"open"``, ``"client"`` (a message the client sent), ``"server"`` (a message
            the server sent) or ``"close"``.
        data: for messages, the payload: a JSON value (``json``), a ``str`` (``text``) or
            ``bytes`` (``base64``); else ``None``.
        is_json: ``data`` came from a ``json`` field.
        path: for ``open``, the request path with its query (secrets redacted).
        headers: for ``open``, the request headers (secrets redacted).
        code, reason, by: for ``close``, the close code (``None``: none), reason and who
            closed (``"client"``, ``"server"`` or ``None``).
    """

    t: float
    conn: int | str
    event: str
    data: Any = None
    is_json: bool = False
    path: str = ""
    headers: Mapping[str, str] | None = None
    code: int | None = None
    reason: str = ""
    by: str | None = None


def _conn_key(conn: object) -> int | str:
    return conn if isinstance(conn, int | str) and not isinstance(conn, bool) else str(conn)


class TranscriptWriter:
    """Write a transcript; see the module docstring for the format and the redaction.

    Independent of who calls it: a server records what it received as ``client_sent`` and
    what it sent as ``server_sent``; a client the other way round. Each line is flushed as
    it is written, so a crash loses nothing written before it.

    Args:
        target: a path (created or truncated) or an open text file (left open by `close`).
        clock: seconds, monotonic; ``t`` is measured from the first reading.
        secrets: values to redact wherever they appear (more are learnt as they are seen).

    Raises:
        OSError: the path cannot be opened for writing.
    """

    def __init__(
        self,
        target: str | os.PathLike[str] | IO[str],
        *,
        clock: Callable[[], float] = time.monotonic,
        secrets: tuple[str, ...] = (),
    ) -> None:
        if isinstance(target, str | os.PathLike):
            self.path: Path | None = Path(target)  # where it writes, when given a path
            self._file: IO[str] = self.path.open("w", encoding="utf-8")
            self._owned = True  # opened here: closed by close()
        else:
            self.path = None
            self._file = target
            self._owned = False
        self._clock = clock
        self._start = clock()
        self._secrets: set[str] = {s for s in secrets if len(s) >= 4}
        self.closed_file = False  # close() was called: further events are ignored
        started = datetime.now(UTC).isoformat(timespec="seconds").replace("+00:00", "Z")
        self._write({"transcript": "metis-env", "version": TRANSCRIPT_VERSION, "started": started})

    def __repr__(self) -> str:
        return f"<TranscriptWriter {self.path or self._file!r}>"

    # Events

    def opened(self, conn: object, url: str, headers: Mapping[str, str] | None = None) -> None:
        """A connection opened: ``url`` (a full URL or just the path) and request headers."""
        clean_headers = {
            str(k): self._redact_header(str(k), str(v)) for k, v in (headers or {}).items()
        }
        self._event(conn, "open", path=self._redact_url(url), headers=clean_headers)

    def client_sent(self, conn: object, data: Data | Any) -> None:
        """The client sent ``data``: a frame payload (``str``/``bytes``) or a JSON value."""
        self._event(conn, "client", **self._payload(data))

    def server_sent(self, conn: object, data: Data | Any) -> None:
        """The server sent ``data``: a frame payload (``str``/``bytes``) or a JSON value."""
        self._event(conn, "server", **self._payload(data))

    def closed(
        self, conn: object, code: int | None, reason: str = "", by: str | None = None
    ) -> None:
        """The connection closed with ``code`` (``None``: no close frame) and ``reason``.

        Raises:
            ConfigError: ``by`` is not ``"client"``, ``"server"`` or ``None``.
        """
        if by not in _CLOSERS:
            raise ConfigError("by", by, "must be 'client', 'server' or None")
        self._event(conn, "close", code=code, reason=self._redact_str(reason), by=by)

    def close(self) -> None:
        """Stop writing; closes the file when the writer opened it. Idempotent."""
        if self.closed_file:
            return
        self.closed_file = True
        if self._owned:
            self._file.close()
        else:
            self._file.flush()

    def __enter__(self) -> TranscriptWriter:
        return self

    def __exit__(
        self,
        exc_type: type[BaseException] | None,
        exc: BaseException | None,
        tb: TracebackType | None,
    ) -> None:
        self.close()

    # Writing and redaction

    def _event(self, conn: object, event: str, **fields: Any) -> None:
        if self.closed_file:
            return
        t = round((self._clock() - self._start) * 1000, 1)
        self._write({"t": t, "conn": _conn_key(conn), "event": event, **fields})

    def _write(self, obj: Mapping[str, Any]) -> None:
        self._file.write(json.dumps(obj, ensure_ascii=False, separators=(",", ":")) + "\n")
        self._file.flush()

    def _learn(self, value: Any) -> None:
        if isinstance(value, str) and len(value) >= 4:
            self._secrets.add(value)

    def _redact_str(self, text: str) -> str:
        return redact_text(text, sorted(self._secrets, key=len, reverse=True))

    def _redact_header(self, name: str, value: str) -> str:
        if not is_secret_key(name):
            return self._redact_str(value)
        self._learn(value)
        _scheme, _, credentials = value.partition(" ")
        if credentials:
            self._learn(credentials)  # "Bearer <token>": the token alone is secret too
        return REDACTED

    def _redact_url(self, url: str) -> str:
        parts = urlsplit(url)
        path = parts.path or "/"
        if not parts.query:
            return self._redact_str(path)
        pairs = []
        for key, value in parse_qsl(parts.query, keep_blank_values=True):
            if is_secret_key(key):
                self._learn(value)
                value = REDACTED
            pairs.append(f"{quote(key, safe='')}={quote(value, safe='*')}")
        return self._redact_str(path) + "?" + "&".join(pairs)

    def _redact_json(self, value: Any) -> Any:
        if isinstance(value, dict):
            out: dict[str, Any] = {}
            for key, item in value.items():
                if isinstance(key, str) and is_secret_key(key) and item is not None:
                    self._learn(item)
                    out[key] = REDACTED
                else:
                    out[key] = self._redact_json(item)
            return out
        if isinstance(value, list):
            return [self._redact_json(item) for item in value]
        if isinstance(value, str):
            return self._redact_str(value)
        return value

    def _payload(self, data: Any) -> dict[str, Any]:
        if isinstance(data, bytes | bytearray | memoryview):
            return {"base64": base64.b64encode(bytes(data)).decode("ascii")}
        if isinstance(data, str):
            value = decode(data)
            if value is data:  # not JSON: plain text
                return {"text": self._redact_str(data)}
            data = value
        return {"json": self._redact_json(data)}


def _fail(path: Path, line: int, value: Any, rule: str) -> ConfigError:
    return ConfigError(f"{path}:{line}", value, rule)


def read_transcript(path: str | os.PathLike[str]) -> list[TranscriptEvent]:
    """Read a transcript written by `TranscriptWriter`: its events, in file order.

    Raises:
        OSError: the file cannot be read.
        ConfigError: a line is not a transcript line; the key names ``file:line``.
    """
    source = Path(path)
    return list(_events(source, source.read_text(encoding="utf-8").splitlines()))


def _events(path: Path, lines: list[str]) -> Iterator[TranscriptEvent]:
    for number, line in enumerate(lines, start=1):
        if not line.strip():
            continue
        try:
            obj = json.loads(line)
        except ValueError:
            raise _fail(path, number, line[:60], "must be one JSON object per line") from None
        if not isinstance(obj, dict):
            raise _fail(path, number, obj, "must be a JSON object")
        if "transcript" in obj:
            if obj.get("version") != TRANSCRIPT_VERSION:
                rule = f"transcript version must be {TRANSCRIPT_VERSION}"
                raise _fail(path, number, obj.get("version"), rule)
            continue
        yield _event(path, number, obj)


def _event(path: Path, number: int, obj: dict[str, Any]) -> TranscriptEvent:
    event, t, conn = obj.get("event"), obj.get("t"), obj.get("conn")
    if event not in _EVENTS:
        raise _fail(path, number, event, f"'event' must be one of {sorted(_EVENTS)}")
    if isinstance(t, bool) or not isinstance(t, int | float) or t < 0:
        raise _fail(path, number, t, "'t' must be a number of milliseconds >= 0")
    if isinstance(conn, bool) or not isinstance(conn, int | str):
        raise _fail(path, number, conn, "'conn' must be an integer or a string")
    if event == "open":
        headers = obj.get("headers") or {}
        return TranscriptEvent(
            float(t), conn, event, path=str(obj.get("path", "/")), headers=headers
        )
    if event == "close":
        code = obj.get("code")
        by = obj.get("by")
        if by not in _CLOSERS:
            raise _fail(path, number, by, "'by' must be 'client', 'server' or null")
        return TranscriptEvent(
            float(t), conn, event, code=code, reason=str(obj.get("reason", "")), by=by
        )
    if "json" in obj:
        return TranscriptEvent(float(t), conn, event, obj["json"], is_json=True)
    if isinstance(obj.get("text"), str):
        return TranscriptEvent(float(t), conn, event, obj["text"])
    if isinstance(obj.get("base64"), str):
        try:
            data = base64.b64decode(obj["base64"], validate=True)
        except ValueError:
            raise _fail(path, number, obj["base64"][:60], "'base64' must be base64") from None
        return TranscriptEvent(float(t), conn, event, data)
    raise _fail(path, number, obj, "a message needs 'json', 'text' or 'base64'")
