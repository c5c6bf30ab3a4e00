"""TLS settings from options: verification on by default, a private CA, client certificates.

Contexts are cached per TLS setting: building one loads the system's CA store, which takes
milliseconds (tens of them on a busy machine), and used to be paid on every ``wss`` connect
and reconnect. The key includes each named file's size, modification time and inode, so a
rotated certificate or CA file is read again on the next connect; a change to the system
store itself is seen by contexts built afterwards (a new setting or a new process). A cached
context is shared by every connection with that setting: nobody may modify it.
"""

from __future__ import annotations

import logging
import os
import ssl
from typing import Any, Protocol

from metis_env.api.errors import ConfigError

__all__ = ["build_ssl_context"]

logger = logging.getLogger("metis_env.api")


class _TLSOptions(Protocol):
    @property
    def protocol(self) -> str: ...
    @property
    def reject_unauthorized(self) -> bool | None: ...
    @property
    def ca_file(self) -> str | None: ...
    @property
    def cert_file(self) -> str | None: ...
    @property
    def key_file(self) -> str | None: ...


def _readable(key: str, path: str) -> str:
    if not os.path.isfile(path):
        raise ConfigError(key, path, "must name an existing, readable PEM file")
    return path


#: Contexts by TLS setting (`_cache_key`); the oldest is dropped past `_CACHE_SIZE`.
_CACHE: dict[tuple[Any, ...], ssl.SSLContext] = {}
_CACHE_SIZE = 32


def _file_key(path: str | None) -> tuple[Any, ...] | None:
    """A file's identity for the cache: path, size, mtime, inode (``None``: not given)."""
    if not path:
        return None
    try:
        info = os.stat(path)
    except OSError:
        return (path,)  # building fails with a ConfigError, and failures are not cached
    return (path, info.st_size, info.st_mtime_ns, info.st_ino)


def _cache_key(options: _TLSOptions) -> tuple[Any, ...]:
    return (
        options.reject_unauthorized is False,
        _file_key(options.ca_file),
        _file_key(options.cert_file),
        _file_key(options.key_file),
    )


def build_ssl_context(options: _TLSOptions) -> ssl.SSLContext | None:
    """Return the SSL context for a ``wss`` connection (``None`` for ``ws``).

    ``rejectUnauthorized`` unset or true verifies the certificate chain and host name against
    the system CAs plus ``caFile``; false disables both (development only; the client logs a
    warning on every connect). The context is shared with every connection that has the
    same TLS setting and the same files (see the module docstring).

    Raises:
        ConfigError: a named file is missing or unreadable, or holds no valid PEM.
    """
    if options.protocol != "wss":
        return None
    key = _cache_key(options)
    ctx = _CACHE.get(key)
    if ctx is None:
        ctx = _new_context(options)
        if len(_CACHE) >= _CACHE_SIZE:
            _CACHE.pop(next(iter(_CACHE)))
        _CACHE[key] = ctx
    return ctx


def _new_context(options: _TLSOptions) -> ssl.SSLContext:
    ctx = ssl.create_default_context()
    if options.ca_file:
        try:
            ctx.load_verify_locations(cafile=_readable("caFile", options.ca_file))
        except ssl.SSLError as exc:
            raise ConfigError(
                "caFile", options.ca_file, f"must hold PEM certificates ({exc})"
            ) from exc
    if options.cert_file:
        try:
            ctx.load_cert_chain(
                _readable("certFile", options.cert_file),
                _readable("keyFile", options.key_file) if options.key_file else None,
            )
        except ssl.SSLError as exc:
            raise ConfigError(
                "certFile", options.cert_file, f"must hold a PEM certificate and its key ({exc})"
            ) from exc
    if options.reject_unauthorized is False:
        ctx.check_hostname = False
        ctx.verify_mode = ssl.CERT_NONE
    return ctx
