"""Write Python values as TypeScript source: the literals of the generated ``schema.ts`` files.

Output follows the style of the seed's examples (single quotes, two-space indent, trailing
commas on multi-line literals), and is deterministic: the same value always gives the same
bytes, which `metis-env export`'s idempotence rests on.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping, Sequence
from typing import Any

from metis_env.metis.parameters import Call, Regex

__all__ = ["ts_string", "ts_value"]

_IDENTIFIER = re.compile(r"^[A-Za-z_$][A-Za-z0-9_$]*$")
_ESCAPES = {
    "\\": "\\\\",
    "'": "\\'",
    "\n": "\\n",
    "\r": "\\r",
    "\t": "\\t",
    "\u2028": "\\u2028",
    "\u2029": "\\u2029",
}
# A list of scalars this short stays on one line.
_INLINE_WIDTH = 60


def ts_string(text: str) -> str:
    """``text`` as a single-quoted TypeScript string literal."""
    body = "".join(_ESCAPES.get(c, c if c >= " " else f"\\u{ord(c):04x}") for c in text)
    return f"'{body}'"


def _number(value: int | float) -> str:
    if isinstance(value, float):
        if not math.isfinite(value):
            raise ValueError(f"{value!r} has no JSON/TypeScript literal")
        if value.is_integer():
            return str(int(value))
        return repr(value)
    return str(value)


def _regex(regex: Regex) -> str:
    # A '/' ends the literal unless escaped; escape only the unescaped ones.
    source = re.sub(r"(?<!\\)((?:\\\\)*)/", r"\1\\/", regex.source) or "(?:)"
    return f"/{source}/{regex.flags}"


def _key(key: str) -> str:
    return key if _IDENTIFIER.match(key) else ts_string(key)


def _scalar(value: Any) -> bool:
    return value is None or isinstance(value, str | int | float | bool | Regex)


def ts_value(value: Any, indent: int = 0) -> str:
    """``value`` as a TypeScript expression; nested literals are indented from ``indent``.

    Accepts JSON values plus `Regex` (a ``/…/`` literal) and `Call` (a function call).

    Raises:
        ValueError: NaN or an infinity (no literal for them).
        TypeError: a value of another type.
    """
    pad, inner = "  " * indent, "  " * (indent + 1)
    if value is None:
        return "null"
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, int | float):
        return _number(value)
    if isinstance(value, str):
        return ts_string(value)
    if isinstance(value, Regex):
        return _regex(value)
    if isinstance(value, Call):
        return f"{value.function}({', '.join(ts_value(a, indent) for a in value.args)})"
    if isinstance(value, Mapping):
        if not value:
            return "{}"
        items = [f"{inner}{_key(str(k))}: {ts_value(v, indent + 1)}," for k, v in value.items()]
        return "{\n" + "\n".join(items) + f"\n{pad}}}"
    if isinstance(value, Sequence):
        if not value:
            return "[]"
        if all(_scalar(v) or isinstance(v, Call) for v in value):
            inline = "[" + ", ".join(ts_value(v, indent) for v in value) + "]"
            if len(inline) <= _INLINE_WIDTH:
                return inline
        items = [f"{inner}{ts_value(v, indent + 1)}," for v in value]
        return "[\n" + "\n".join(items) + f"\n{pad}]"
    raise TypeError(f"cannot write {type(value).__name__} as TypeScript: {value!r}")
