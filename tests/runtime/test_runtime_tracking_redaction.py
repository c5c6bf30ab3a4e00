"""Client tracking without ContextVar tokens, and the one redaction function used for
configs, options, URLs and stats."""

from __future__ import annotations

import contextvars
import gc
from pathlib import Path
from typing import Any

from runtime_inmemory import StandIn, environment

from metis_env.api import WebSocketApiOptions
from metis_env.api.secrets import (
    REDACTED,
    redact,
    redact_mapping,
    redact_text,
    redact_url,
    secret_values,
)
from metis_env.api.tracking import ClientScope, current_scope, register_client, track_clients
from metis_env.runtime import Session, client_stats


def test_track_clients_left_from_another_context_prints_nothing() -> None:
    """Entering in one context and leaving in another raises nothing (the token error the
    generator-based scope printed at garbage collection)."""
    scope_cm = track_clients()
    context = contextvars.copy_context()
    scope = context.run(scope_cm.__enter__)
    context.run(register_client, "a client")
    contextvars.copy_context().run(scope_cm.__exit__, None, None, None)  # another context
    assert scope.clients == ["a client"]
    assert current_scope() is None
    del scope_cm
    gc.collect()  # an unraisable exception here fails the test (pytest filterwarnings)


def test_scope_activated_in_a_context_reaches_its_copies() -> None:
    """A scope set into a context collects clients created in copies of it."""
    seen: list[Any] = []
    scope = ClientScope(on_client=seen.append)
    context = contextvars.copy_context()
    context.run(scope.activate)
    context.copy().run(register_client, "from a task")
    register_client("outside")
    assert (scope.clients, seen) == (["from a task"], ["from a task"])


async def test_unended_session_is_collected_quietly(tmp_path: Path) -> None:
    """A session started and dropped without end() is garbage collected without noise."""

    async def setup(context: Any) -> None:
        StandIn("x")

    session = Session([environment("env-a", tmp_path, setup=[setup])])
    await session.start()
    del session
    gc.collect()


def test_redact_one_function_for_every_shape() -> None:
    """Secret keys, query strings, URLs (password and secret parameters), nested data."""
    data = {
        "host": "example.org",
        "apiKey": "k-1",
        "query": "token=t-2&room=1",
        "proxy": "http://user:p-3@proxy:3128",
        "headers": {"Authorization": "Bearer b-4", "X-Trace": "on"},
        "urls": ["wss://h/ws?access_token=a-5&x=1"],
        "keepAliveInterval": 1000,
        "nothing": None,
    }
    assert redact(data) == {
        "host": "example.org",
        "apiKey": REDACTED,
        "query": "token=***&room=1",
        "proxy": "http://user:***@proxy:3128",
        "headers": {"Authorization": REDACTED, "X-Trace": "on"},
        "urls": ["wss://h/ws?access_token=***&x=1"],
        "keepAliveInterval": 1000,
        "nothing": None,
    }
    assert redact_mapping(data) == redact(data)
    found = secret_values(data)
    assert found[0] == "Bearer b-4" and sorted(found[1:]) == ["a-5", "b-4", "k-1", "p-3", "t-2"]
    text = "sent Bearer b-4 to proxy with p-3"
    assert redact_text(text, secret_values({"token": "Bearer b-4"})) == "sent *** to proxy with p-3"
    assert redact_url("ws://u:pw12@h:1/p?token=abcd#f") == "ws://u:***@h:1/p?token=***#f"


def test_redact_matches_what_options_and_clients_show() -> None:
    """Options' own redaction and a client's stats agree with redact()."""
    options = WebSocketApiOptions.parse(
        {"host": "h", "query": "token=q-secret&room=1", "proxy": "http://u:pp-secret@p:1"}
    )
    shown = options.redacted()
    assert redact({"query": options.query, "proxy": options.proxy}) == {
        "query": shown["query"],
        "proxy": shown["proxy"],
    }

    class Client:
        redacted_url = "ws://h:1/?apiKey=***"
        url = "ws://h:1/?apiKey=never-shown"

        def stats(self) -> dict[str, Any]:
            return {"messages_in": 1, "last_url": self.url}

    assert client_stats(Client()) == {
        "url": "ws://h:1/?apiKey=***",
        "messages_in": 1,
        "last_url": "ws://h:1/?apiKey=***",
    }
