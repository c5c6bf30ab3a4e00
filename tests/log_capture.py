"""A log handler that keeps every record as the texts a leaked secret could hide in."""

from __future__ import annotations

import logging

__all__ = ["SERVER_SIDE_LOGGERS", "LogCapture"]

#: Loggers of a test's own server: it must see the secrets (they are its credentials).
SERVER_SIDE_LOGGERS = ("websockets.server", "metis_env.simulator")


class LogCapture(logging.Handler):
    """Every record at DEBUG but the test server's own, kept as the texts a leak could hide in."""

    def __init__(self) -> None:
        super().__init__(logging.DEBUG)
        self.texts: list[str] = []

    def emit(self, record: logging.LogRecord) -> None:
        if record.name.startswith(SERVER_SIDE_LOGGERS):
            return
        self.texts.append(logging.Formatter("%(name)s %(levelname)s %(message)s").format(record))
        self.texts.append(repr(record.args) + repr(getattr(record, "metis", None)))

    def text(self) -> str:
        return "\n".join(self.texts)
