"""JSON in and out, the way METIS's JavaScript original writes and reads it.

Outgoing (`encode`): ``str`` is sent as is (text frame); ``bytes``-like as binary; anything
else as compact JSON, byte-compatible with ``JSON.stringify``: no spaces, non-ASCII kept,
``NaN``/``Infinity`` refused. ``None`` becomes ``"null"`` (Python has no ``undefined``).

Incoming (`decode`): text that parses as JSON gives the parsed value, otherwise the text;
binary that is valid UTF-8 JSON gives the parsed value, otherwise the bytes unchanged (never a
lossy decode). ``NaN``/``Infinity`` tokens are not JSON in JavaScript, so such text stays text.
"""

from __future__ import annotations

import json
from typing import Any

from metis_env.api.errors import EncodeError

__all__ = ["Data", "DataLike", "decode", "encode"]

#: What a message payload is on the wire: text or binary.
Data = str | bytes
#: What `encode` accepts for binary frames.
BytesLike = bytes | bytearray | memoryview
#: What `send` accepts.
DataLike = Any

_encoder = json.JSONEncoder(
    separators=(",", ":"), ensure_ascii=False, allow_nan=False, check_circular=True
)


def _reject_constant(token: str) -> Any:
    raise ValueError(f"{token} is not valid JSON")


_decoder = json.JSONDecoder(parse_constant=_reject_constant)
# Characters JSON.parse treats as surrounding whitespace (json.loads accepts the same set).
_JSON_WS = " \t\n\r"
_JSON_START = frozenset('{["-0123456789tfn')


def encode(data: Any) -> Data:
    """Turn a message into a frame payload: ``str``/``bytes`` as is, anything else as JSON.

    Raises:
        EncodeError: the value cannot be written as JSON (circular, NaN, unknown type).
    """
    if isinstance(data, str):
        return data
    if isinstance(data, bytes):
        return data
    if isinstance(data, bytearray | memoryview):
        return bytes(data)
    try:
        return _encoder.encode(data)
    except (TypeError, ValueError, RecursionError) as exc:
        raise EncodeError(
            f"Cannot send {type(data).__name__} as JSON: {exc}. "
            "Send a str, bytes, or JSON-serialisable dict/list/number/bool/None."
        ) from exc


def _parse(text: str) -> tuple[bool, Any]:
    stripped = text.lstrip(_JSON_WS)
    if not stripped or stripped[0] not in _JSON_START:
        return False, None
    try:
        return True, _decoder.decode(text)
    except ValueError:
        return False, None


def decode(raw: Data) -> Any:
    """Parse a received payload: the JSON value when it is JSON, else ``raw`` unchanged."""
    if isinstance(raw, str):
        ok, value = _parse(raw)
        return value if ok else raw
    try:
        text = raw.decode("utf-8")
    except UnicodeDecodeError:
        return raw
    ok, value = _parse(text)
    return value if ok else raw
