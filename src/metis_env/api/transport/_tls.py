"""The TLS context a transport uses for wss:// when the caller gave none.

Building one loads the system's CA certificates (milliseconds), so it is built once and
shared: an `ssl.SSLContext` is safe to use for many connections at once.
"""

from __future__ import annotations

import functools
import ssl

__all__ = ["default_context"]


@functools.cache
def default_context() -> ssl.SSLContext:
    """A verifying client context (system CAs, host name checked), built on first use."""
    return ssl.create_default_context()
