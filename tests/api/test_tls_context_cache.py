"""TLS contexts are built once per TLS setting and file version, and shared."""

from __future__ import annotations

import os
import ssl
from pathlib import Path

import pytest
import trustme

from metis_env.api import ConfigError, WebSocketApiOptions
from metis_env.api.tls import build_ssl_context


def wss(**kw: object) -> WebSocketApiOptions:
    return WebSocketApiOptions.parse({"protocol": "wss", "host": "h", **kw})


def test_ws_has_no_context() -> None:
    """Plain ws needs no TLS context."""
    assert build_ssl_context(WebSocketApiOptions.parse({"host": "h"})) is None


def test_same_setting_shares_one_context() -> None:
    """Two clients with the same TLS setting get the very same (verifying) context."""
    first, second = build_ssl_context(wss()), build_ssl_context(wss(port=9))
    assert first is not None and first is second
    assert first.verify_mode is ssl.CERT_REQUIRED and first.check_hostname


def test_reject_unauthorized_false_gets_its_own_context() -> None:
    """Opting out of verification never leaks into the verifying context, or back."""
    loose, strict = build_ssl_context(wss(rejectUnauthorized=False)), build_ssl_context(wss())
    assert loose is not None and strict is not None and loose is not strict
    assert loose.verify_mode is ssl.CERT_NONE and not loose.check_hostname
    assert strict.verify_mode is ssl.CERT_REQUIRED
    assert build_ssl_context(wss(rejectUnauthorized=True)) is strict


def test_changed_ca_file_is_read_again(tmp_path: Path) -> None:
    """A CA file rewritten on disk (rotation) gives a new context; unchanged, the same."""
    ca_file = tmp_path / "ca.pem"
    trustme.CA().cert_pem.write_to_path(str(ca_file))
    first = build_ssl_context(wss(caFile=str(ca_file)))
    assert build_ssl_context(wss(caFile=str(ca_file))) is first
    trustme.CA().cert_pem.write_to_path(str(ca_file))
    stat = ca_file.stat()
    os.utime(ca_file, ns=(stat.st_atime_ns, stat.st_mtime_ns + 1_000_000))
    second = build_ssl_context(wss(caFile=str(ca_file)))
    assert second is not None and second is not first
    assert second is not build_ssl_context(wss())


def test_missing_file_fails_every_time(tmp_path: Path) -> None:
    """A failure is not cached: each connect reports the missing file again."""
    options = wss(caFile=str(tmp_path / "missing.pem"))
    for _ in range(2):
        with pytest.raises(ConfigError) as info:
            build_ssl_context(options)
        assert info.value.key == "caFile"
