"""Replay: play the server's side of a transcript (`metis_env.simulator.transcript`).

The k-th connection a client opens plays the k-th connection of the transcript (in the
order they opened). Each recorded connection is cut into *turns*: what the server sent
before the first client message, then each client message with what the server sent after
it, until the next client message. On connect, the first turn's messages go out; on each
client message that matches the next recorded one, that turn's messages go out, in order,
each at its recorded delay after the client message (``fast``: all at once); a recorded
close by the server ends the turn with the same code and reason (1006: a dropped connection).

Matching (`match`): JSON is compared by structure (same keys, same list lengths, equal
values); a recorded ``***`` (a redacted secret) matches anything, also inside a string;
values under *generated* keys (`is_generated_key`: ``id``, ``requestId``, ``*_id``,
``timestamp``, ``ts``, ``nonce``, ``createdAt`` …) match any value, and the pair (recorded,
received) is remembered for the connection. In the server's messages, every string equal to
a remembered recorded value, and every number under a generated key equal to one, is
replaced by what the client sent: an echoed id comes back as this run's id.

A client message that does not match, or that comes after the recorded connection's last
one, is reported (what was expected, what came, where they differ) through ``report`` and
the log, kept in `Replay.mismatches`, and the connection is closed with
`REPLAY_MISMATCH_CODE` (4400). A connection beyond those recorded is closed with
`REPLAY_NO_CONNECTION_CODE` (4404) and reported the same way.
"""

from __future__ import annotations

import json
import logging
import re
from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from typing import Any

from metis_env.api.secrets import REDACTED
from metis_env.simulator.context import HandlerContext
from metis_env.simulator.server import Simulator
from metis_env.simulator.transcript import TranscriptEvent

__all__ = [
    "REPLAY_MISMATCH_CODE",
    "REPLAY_NO_CONNECTION_CODE",
    "Replay",
    "is_generated_key",
    "match",
]

logger = logging.getLogger("metis_env.simulator.replay")

#: Close code when a client message matches nothing (or comes after the recorded last one).
REPLAY_MISMATCH_CODE = 4400
#: Close code for a connection the transcript has no recording for.
REPLAY_NO_CONNECTION_CODE = 4404

_GENERATED_NAMES = frozenset({"id", "timestamp", "time", "ts", "nonce", "uuid", "date"})
_GENERATED_SUFFIX = re.compile(
    r"(Id|ID|Uuid|Timestamp|Time|At)$|[_-](id|uuid|timestamp|time|ts|at)$"
)


def is_generated_key(key: str) -> bool:
    """Whether values under ``key`` are made up per run (ids, timestamps) and match loosely."""
    return key.lower() in _GENERATED_NAMES or bool(_GENERATED_SUFFIX.search(key))


def _show(value: Any, limit: int = 200) -> str:
    if isinstance(value, bytes):
        text = f"<{len(value)} bytes {value[:24]!r}>"
    elif isinstance(value, str):
        text = repr(value)
    else:
        text = json.dumps(value, ensure_ascii=False, separators=(",", ":"))
    return text if len(text) <= limit else text[: limit - 3] + "..."


def _text_matches(expected: str, actual: str) -> bool:
    if REDACTED not in expected:
        return expected == actual
    pattern = ".*".join(re.escape(part) for part in expected.split(REDACTED))
    return re.fullmatch(pattern, actual, re.DOTALL) is not None


def _scalar(value: Any) -> bool:
    return isinstance(value, str | int | float) and not isinstance(value, bool)


def match(expected: Any, actual: Any, bindings: dict[Any, Any], where: str = "$") -> str | None:
    """Compare a recorded value with a received one; ``None`` when they match, else where
    and how they differ. Generated values are remembered in ``bindings`` (see the module)."""
    if expected == REDACTED:
        return None
    if isinstance(expected, dict):
        if not isinstance(actual, dict):
            return f"at {where}: expected an object, got {_show(actual, 60)}"
        if set(expected) != set(actual):
            missing, extra = (
                sorted(set(expected) - set(actual)),
                sorted(set(actual) - set(expected)),
            )
            return f"at {where}: keys differ (missing {missing}, unexpected {extra})"
        for key, value in expected.items():
            path = f"{where}.{key}"
            if is_generated_key(key) and _scalar(value) and _scalar(actual[key]):
                if value != actual[key]:
                    bindings[value] = actual[key]
                continue
            problem = match(value, actual[key], bindings, path)
            if problem is not None:
                return problem
        return None
    if isinstance(expected, list):
        if not isinstance(actual, list) or len(actual) != len(expected):
            return f"at {where}: expected a list of {len(expected)}, got {_show(actual, 60)}"
        for index, (want, got) in enumerate(zip(expected, actual, strict=True)):
            problem = match(want, got, bindings, f"{where}[{index}]")
            if problem is not None:
                return problem
        return None
    if isinstance(expected, str) and isinstance(actual, str):
        ok = _text_matches(expected, actual)
    else:
        ok = type(expected) is type(actual) or (_scalar(expected) and _scalar(actual))
        ok = ok and isinstance(expected, bool) == isinstance(actual, bool) and expected == actual
    return None if ok else f"at {where}: expected {_show(expected, 60)}, got {_show(actual, 60)}"


def substitute(value: Any, bindings: dict[Any, Any], key: str | None = None) -> Any:
    """``value`` with remembered generated values replaced (see the module docstring)."""
    if isinstance(value, dict):
        return {k: substitute(v, bindings, k) for k, v in value.items()}
    if isinstance(value, list):
        return [substitute(v, bindings, key) for v in value]
    if isinstance(value, str) and value in bindings:
        return bindings[value]
    generated = key is not None and is_generated_key(key)
    if generated and _scalar(value) and not isinstance(value, str) and value in bindings:
        return bindings[value]
    return value


@dataclass(frozen=True)
class _Turn:
    """A recorded client message (``None``: the opening) and what the server did after it."""

    expect: TranscriptEvent | None
    answers: tuple[TranscriptEvent, ...]  # server messages, in order
    close: TranscriptEvent | None  # a close by the server at the end, or None


@dataclass(frozen=True)
class _Recording:
    conn: int | str
    turns: tuple[_Turn, ...]


def _recordings(events: Iterable[TranscriptEvent]) -> list[_Recording]:
    by_conn: dict[int | str, list[TranscriptEvent]] = {}
    for event in events:
        by_conn.setdefault(event.conn, []).append(event)
    result = []
    for conn, items in by_conn.items():
        turns: list[_Turn] = []
        expect: TranscriptEvent | None = None
        answers: list[TranscriptEvent] = []
        close: TranscriptEvent | None = None
        for event in items:
            if event.event == "client":
                turns.append(_Turn(expect, tuple(answers), close))
                expect, answers, close = event, [], None
            elif event.event == "server":
                answers.append(event)
            elif event.event == "close" and event.by == "server":
                close = event
        turns.append(_Turn(expect, tuple(answers), close))
        result.append(_Recording(conn, tuple(turns)))
    return result


@dataclass
class _Cursor:
    """Where one live connection is in its recording."""

    recording: _Recording
    turn: int = 0  # index of the turn played last
    opened_at: float = 0.0  # recorded time of the connection's open (ms)
    bindings: dict[Any, Any] = field(default_factory=dict)


class Replay:
    """The server's side of a transcript, installed on a `Simulator`; see the module.

    Args:
        events: the transcript's events (`read_transcript`).
        fast: send every recorded server message at once instead of at its recorded delay.
        report: called with the text of each mismatch (they are also logged and kept).
    """

    def __init__(
        self,
        events: Iterable[TranscriptEvent],
        *,
        fast: bool = False,
        report: Callable[[str], None] | None = None,
    ) -> None:
        items = list(events)
        self.fast = fast
        self.mismatches: list[str] = []  # every report, in order
        self._report = report
        self._recordings = _recordings(items)
        self._opened = {e.conn: e.t for e in items if e.event == "open"}
        self._next = 0  # index of the recording the next connection plays

    def simulator(self, host: str = "127.0.0.1", port: int = 0, **options: Any) -> Simulator:
        """A new `Simulator` (no seed protocol) that plays this replay."""
        sim = Simulator(host, port, seed_protocol=False, **options)
        self.install(sim)
        return sim

    def install(self, sim: Simulator) -> None:
        """Register the replay's handlers on ``sim`` (connect, and ``"*"`` for messages)."""
        sim.on_connect(self._connected)
        sim.on("*")(self._message)

    def _problem(self, ctx: HandlerContext, code: int, text: str, short: str) -> None:
        ctx.close(code, short)  # first: a failing report callback must not keep it open
        self.mismatches.append(text)
        logger.warning("%s", text)
        if self._report is not None:
            self._report(text)

    def _connected(self, ctx: HandlerContext) -> None:
        if self._next >= len(self._recordings):
            text = (
                f"replay: connection {ctx.conn_id} has no recording (the transcript holds "
                f"{len(self._recordings)} connection(s)); closing with {REPLAY_NO_CONNECTION_CODE}"
            )
            self._problem(ctx, REPLAY_NO_CONNECTION_CODE, text, "replay: no recorded connection")
            return
        recording = self._recordings[self._next]
        self._next += 1
        cursor = _Cursor(recording, opened_at=self._opened.get(recording.conn, 0.0))
        ctx.state["replay"] = cursor
        self._play(ctx, cursor, recording.turns[0], cursor.opened_at)

    def _message(self, ctx: HandlerContext) -> None:
        cursor = ctx.state.get("replay")
        if not isinstance(cursor, _Cursor):
            return  # the connection is being closed as having no recording
        turns = cursor.recording.turns
        index = cursor.turn + 1
        where = f"replay: connection {ctx.conn_id} (recorded {cursor.recording.conn!r})"
        if index >= len(turns):
            text = (
                f"{where}, message {index}: the recording has no more client messages, "
                f"got {_show(ctx.message)}; closing with {REPLAY_MISMATCH_CODE}"
            )
            self._problem(ctx, REPLAY_MISMATCH_CODE, text, f"replay: unexpected message {index}")
            return
        turn = turns[index]
        assert turn.expect is not None  # every turn after the opening has its message
        problem = self._compare(turn.expect, ctx, cursor.bindings)
        if problem is not None:
            text = (
                f"{where}, message {index}: expected {_show(turn.expect.data)}, "
                f"got {_show(ctx.message)}: {problem}; closing with {REPLAY_MISMATCH_CODE}"
            )
            self._problem(ctx, REPLAY_MISMATCH_CODE, text, f"replay: mismatch at message {index}")
            return
        cursor.turn = index
        self._play(ctx, cursor, turn, turn.expect.t)

    @staticmethod
    def _compare(
        expect: TranscriptEvent, ctx: HandlerContext, bindings: dict[Any, Any]
    ) -> str | None:
        actual = ctx.message
        if expect.is_json:
            if isinstance(actual, str | bytes):
                return "expected a JSON message, got a non-JSON payload"
            return match(expect.data, actual, bindings)
        raw = ctx.raw
        if isinstance(expect.data, bytes):
            return None if raw == expect.data else "the binary payloads differ"
        if not isinstance(raw, str) or not _text_matches(str(expect.data), raw):
            return "the text differs"
        return None

    def _play(self, ctx: HandlerContext, cursor: _Cursor, turn: _Turn, since: float) -> None:
        for answer in turn.answers:
            delay = 0.0 if self.fast else max(0.0, answer.t - since)
            data = answer.data
            if answer.is_json:
                data = substitute(data, cursor.bindings)
                ctx.reply(data if not isinstance(data, str) else json.dumps(data), delay)
            else:
                ctx.reply(data, delay)
        if turn.close is not None:
            code = turn.close.code
            if code == 1006:
                ctx.drop()
            else:
                usable = code if isinstance(code, int) and code not in (1005, 1015) else 1000
                ctx.close(usable, turn.close.reason)
