"""TLS settings from options: verification on by default, a private CA, client certificates."""

from __future__ import annotations

import logging
import os
import ssl
from typing import Protocol

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


def build_ssl_context(options: _TLSOptions) -> ssl.SSLContext | None:
    """Return the SSL context for a ``wss`` connection (``None`` for ``ws``).

    ``rejectUnauthorized`` unset or true verifies the certificate chain and host name against
    the system CAs plus ``caFile``; false disables both (development only; the client logs a
    warning on every connect).
    """
    if options.protocol != "wss":
        return None
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
