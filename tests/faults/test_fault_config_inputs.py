"""Bad input, generated: options and ``configs.json`` give a client or a ConfigError, nothing else.

Properties (hypothesis), each checked on hundreds of generated inputs:

* ``WebSocketApi.from_config(data)`` and ``WebSocketApi(data, **options)`` return a usable
  client (a ws/wss URL, CLOSED, a repr) or raise `ConfigError`; never any other exception;
* ``load_configs`` on any file content (random JSON documents, shaped or not, random text,
  random bytes) never raises: problems come back as `Problem` records; reading a loaded
  config's ``data`` raises at most `MissingEnvVarError` (a `ConfigError`), and feeding it to
  ``from_config`` obeys the first property.
"""

from __future__ import annotations

import json
import math
import os
import sys
import tempfile
import warnings
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import pytest
from fault_helpers import COUNTS
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from metis_env.api import ConfigError, WebSocketApi
from metis_env.api.options import ALIASES, ConfigWarning
from metis_env.runtime.configs import CONFIGS_FILE, find_config, load_configs

SETTINGS = settings(
    max_examples=400,
    deadline=None,
    database=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)

SCALARS = (
    st.none()
    | st.booleans()
    | st.integers(min_value=-(2**70), max_value=2**70)
    | st.floats()
    | st.text(max_size=24)
    | st.sampled_from(["ws", "wss", "localhost", "127.0.0.1", "[::1]", "a/b?c=d", "${env:X}"])
    | st.sampled_from(["http://u:p@proxy:3128", "socks5://h:1", "env", "websockets", "picows"])
    | st.integers(min_value=0, max_value=70000)
)
JSON = st.recursive(
    SCALARS,
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=10), inner, max_size=4)
    ),
    max_leaves=10,
)
KEYS = st.sampled_from(sorted(set(ALIASES) | set(ALIASES.values()))) | st.text(max_size=14)
CONFIG = st.dictionaries(KEYS, JSON, max_size=8)


def build(data: Any, **kwargs: Any) -> WebSocketApi | None:
    """The client, or None after a ConfigError; any other exception fails the property."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        try:
            ws = WebSocketApi.from_config(data, **kwargs)
        except ConfigError as error:
            assert str(error)  # says what is wrong
            return None
    assert ws.url.startswith(("ws://", "wss://"))
    assert ws.state is WebSocketApi.CLOSED and not ws.is_connected
    assert repr(ws).startswith("<WebSocketApi ")
    return ws


@SETTINGS
@given(CONFIG)
def test_any_config_mapping_gives_a_client_or_a_config_error(config: dict[str, Any]) -> None:
    """from_config over generated mappings: a client or ConfigError, never another exception."""
    build(config)
    COUNTS["config inputs tried"] += 1


@SETTINGS
@given(JSON)
def test_any_json_value_as_config_gives_a_client_or_a_config_error(value: Any) -> None:
    """Not even a mapping (a list, a number, null): still only ConfigError."""
    ws = build(value)
    assert ws is None or isinstance(value, dict)
    COUNTS["config inputs tried"] += 1


@SETTINGS
@given(CONFIG, st.dictionaries(st.sampled_from(sorted(ALIASES)), JSON, max_size=4))
def test_keyword_options_over_a_config_give_a_client_or_a_config_error(
    config: dict[str, Any], options: dict[str, Any]
) -> None:
    """Keyword options merged over a config obey the same rule."""
    build(config, **options)
    COUNTS["config inputs tried"] += 1


# ------------------------------------------------------------------ configs.json

UNSET_REF = st.sampled_from(["${env:METIS_FAULT_UNSET}"])  # a variable that is never set
OPTION_DATA = st.dictionaries(KEYS, JSON | UNSET_REF, max_size=6)
ENTRY = st.fixed_dictionaries(
    {
        "_id": st.text(max_size=6) | JSON,
        "name": st.text(max_size=6) | JSON,
    },
    optional={"description": st.text(max_size=8) | JSON, "data": OPTION_DATA | JSON},
)
DOCUMENT = st.lists(ENTRY, max_size=4) | JSON


@pytest.fixture(scope="module")
def env_dir() -> Iterator[Path]:
    """One folder, rewritten per example (hypothesis forbids function-scoped tmp_path reuse)."""
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "env"
        path.mkdir()
        yield path


def load_everything(env_dir: Path) -> int:
    """Load the file, read every config and build a client from each; return how many."""
    loaded = load_configs(env_dir)
    for problem in loaded.problems:
        assert str(problem)
    for config in loaded.configs:
        assert find_config(env_dir, config.id) is not None
        assert repr(config)
        try:
            data = config.data
        except ConfigError:  # MissingEnvVarError: a ${env:NAME} that is not set
            continue
        build(data)
    return len(loaded.configs)


@SETTINGS
@given(DOCUMENT, st.booleans())
def test_any_json_document_in_configs_json_loads_without_raising(
    env_dir: Path, document: Any, pretty: bool
) -> None:
    """Random documents (shaped like configs.json or not): problems, never an exception."""
    os.environ.pop("METIS_FAULT_UNSET", None)
    text = json.dumps(document, indent=2 if pretty else None)
    (env_dir / CONFIGS_FILE).write_text(text, encoding="utf-8")
    load_everything(env_dir)
    COUNTS["configs.json inputs tried"] += 1


@SETTINGS
@given(st.binary(max_size=64) | st.text(max_size=64).map(str.encode))
def test_any_bytes_in_configs_json_load_without_raising(env_dir: Path, content: bytes) -> None:
    """Not JSON, not even UTF-8: reported as a problem."""
    (env_dir / CONFIGS_FILE).write_bytes(content)
    load_everything(env_dir)
    COUNTS["configs.json inputs tried"] += 1


EDGE_FILES = {
    "invalid-utf8": b'[{"_id": "a", "name": "\xff\xfe", "data": {}}]',
    "utf8-bom": b'\xef\xbb\xbf[{"_id": "a", "name": "b", "data": {}}]',
    "deep-nesting": b"[" * 100_000 + b"]" * 100_000,
    "deep-data": b'[{"_id": "a", "name": "b", "data": '
    + b'{"a":' * 5000
    + b"1"
    + b"}" * 5001
    + b"]",
    "data-nested-600": b'[{"_id": "a", "name": "b", "data": {"x": '
    + b"[" * 600
    + b'"${env:HOME}"'
    + b"]" * 600
    + b"}}]",
    "huge-int": b'[{"_id": "a", "name": "b", "data": {"port": ' + b"9" * 5000 + b"}}]",
    "nan": b'[{"_id": "a", "name": "b", "data": {"connectTimeout": NaN, "port": Infinity}}]',
    "empty": b"",
    "null": b"null",
    "utf16": '[{"_id": "a", "name": "b", "data": {}}]'.encode("utf-16"),
}


#: What the reported problem must say, for the files that cannot be used.
EXPECTED_PROBLEMS = {
    "invalid-utf8": "not UTF-8",
    "utf16": "not UTF-8",
    "deep-nesting": "nested too deeply",
    # 5000 levels: the json module of Python 3.11/3.12 gives up (RecursionError); 3.13's
    # parses them, and the 64-level rule on ``data`` rejects the entry instead.
    "deep-data": "nested too deeply" if sys.version_info < (3, 13) else "deeper than 64 levels",
    "data-nested-600": "deeper than 64 levels",
    "utf8-bom": "not valid JSON",
    "empty": "not valid JSON",
}


@pytest.mark.parametrize("name", sorted(EDGE_FILES))
def test_hostile_configs_json_files_load_without_raising(tmp_path: Path, name: str) -> None:
    """Hand-picked nasties: bad encodings, absurd nesting and numbers, NaN, empty, null."""
    (tmp_path / CONFIGS_FILE).write_bytes(EDGE_FILES[name])
    load_everything(tmp_path)
    expected = EXPECTED_PROBLEMS.get(name)
    if expected is not None:
        problems = [str(p) for p in load_configs(tmp_path).problems]
        assert any(expected in p for p in problems), problems
    COUNTS["configs.json inputs tried"] += 1


def test_nan_and_infinity_in_config_data_are_config_errors() -> None:
    """JSON's NaN/Infinity extensions never become a timeout or a port."""
    assert build({"connectTimeout": math.nan}) is None
    assert build({"port": math.inf}) is None
