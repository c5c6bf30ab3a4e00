"""Structured, secret-free log records for the client.

Every record the client writes goes through `log_event`, which passes
``extra={"metis": {"event": ..., "url": <redacted URL>, ...}}`` to stdlib `logging`, so a
handler or formatter can read stable fields (``record.metis["event"]``) instead of parsing
text. The field names are documented in ``docs/observability.md``; renaming one is a
breaking change.

Secrets never reach a record: URLs are shown through `redacted_url` (query values of secret
keys and URL passwords become ``***``), and `RedactingLogger` strips the values of secret
headers and query parameters from what a transport library logs at DEBUG (websockets logs
the whole upgrade request, ``Authorization`` header included).
"""

from __future__ import annotations

import functools
import logging
from collections.abc import Iterable, Mapping, MutableMapping
from typing import TYPE_CHECKING, Any
from urllib.parse import parse_qsl, urlsplit

from metis_env.api.secrets import is_secret_key, redact_text, redact_url

if TYPE_CHECKING:
    import asyncio

__all__ = ["RedactingLogger", "log_close_failure", "log_event", "redacted_url", "url_secrets"]


@functools.lru_cache(maxsize=256)
def redacted_url(url: str) -> str:
    """`metis_env.api.secrets.redact_url`, cached: URLs are redacted on every log line.

    ``ws://h:80/ws?token=abc&room=1`` -> ``ws://h:80/ws?token=***&room=1``.
    """
    return redact_url(url)


def url_secrets(url: str, headers: Mapping[str, str] | None = None) -> list[str]:
    """The secret values in a URL's query and in ``headers``, longest first (for redaction).

    A header such as ``Authorization: Bearer abc`` contributes both the whole value and the
    part after the scheme word, so either spelling is caught.
    """
    found: set[str] = set()
    try:
        query = urlsplit(url).query
    except ValueError:
        query = ""
    for key, value in parse_qsl(query, keep_blank_values=False):
        if is_secret_key(key):
            found.add(value)
    for key, value in (headers or {}).items():
        if is_secret_key(key) and value:
            found.add(value)
            found.update(word for word in value.split(" ")[1:] if word)
    return sorted(found, key=len, reverse=True)


def log_event(
    logger: logging.Logger,
    level: int,
    event: str,
    url: str,
    msg: str,
    *args: object,
    exc_info: BaseException | None = None,
    **fields: Any,
) -> None:
    """Log ``msg % args`` with ``extra={"metis": {"event", "url", **fields}}``.

    Args:
        logger: where to log (``metis_env.api`` for the client).
        level: a `logging` level.
        event: the stable event name (``state``, ``request.timeout``…).
        url: the client's URL; redacted here, whatever the caller passes.
        msg: the %-format message; it must not contain secrets (URLs go through ``url``).
        *args: the format arguments.
        exc_info: an exception whose traceback to attach.
        **fields: more stable fields (``correlation_id``, ``timeout_ms``…).
    """
    if not logger.isEnabledFor(level):
        return
    metis = {"event": event, "url": redacted_url(url), **fields}
    logger.log(level, msg, *args, exc_info=exc_info, extra={"metis": metis}, stacklevel=2)


class RedactingLogger(logging.LoggerAdapter[logging.Logger]):
    """A logger for a transport library: each message has the given secrets replaced.

    The message is formatted here (``msg % args``) so that secrets inside the arguments are
    caught too; records also get the ``metis`` extra (event ``transport``).
    """

    def __init__(self, logger: logging.Logger, url: str, secrets: Iterable[str]) -> None:
        super().__init__(logger, {"metis": {"event": "transport", "url": redacted_url(url)}})
        self._secrets = [s for s in secrets if s]

    def process(self, msg: Any, kwargs: MutableMapping[str, Any]) -> tuple[Any, Any]:
        kwargs["extra"] = {**(kwargs.get("extra") or {}), **(self.extra or {})}
        return msg, kwargs

    def log(self, level: int, msg: object, *args: object, **kwargs: Any) -> None:
        if not self.isEnabledFor(level):
            return
        text = str(msg)
        if args:
            try:
                text = text % args
            except (TypeError, ValueError):
                text = " ".join([text, *map(str, args)])
        text = redact_text(text, self._secrets)
        msg, kwargs = self.process(text, kwargs)
        kwargs.setdefault("stacklevel", 2)
        self.logger.log(level, msg, **kwargs)


def log_close_failure(task: asyncio.Task[None]) -> None:
    """Done callback of a task running a graceful close: log its failure at DEBUG.

    The connection's ``on_close`` still reports the end, so the failure has no other use.
    """
    if task.cancelled():
        return
    error = task.exception()
    if error is not None:
        log_event(
            logging.getLogger("metis_env.api"),
            logging.DEBUG,
            "close.error",
            "",
            "closing handshake failed: %r",
            error,
        )
