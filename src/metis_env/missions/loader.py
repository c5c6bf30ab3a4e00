"""Reading and writing `.metis` files (metis-missions §1.1).

`load_mission` takes what METIS exports (a ``.metis.zip``), its ``data.json``, a plain
``.metis`` JSON file of build 37 or later, raw bytes or an already-parsed mapping; it runs the
import builds the file needs (`metis_env.missions.migrate`) and enforces the save rules
(`metis_env.missions.parse`). `dump_mission` writes the definition back as METIS's export
would write ``data.json``: session state is never part of a stored mission.

Decided deviation: METIS picks the container by the file's build (``.metis`` up to 39,
``.metis.zip`` from 40) and rejects a wrong extension. The reference's own example is a
build-58 ``.metis``, so here the content decides (a zip starts with ``PK``) and any extension
loads; builds below 37 are refused, since their import builds are not implemented.
"""

from __future__ import annotations

import copy
import hashlib
import io
import json
import os
import zipfile
from collections.abc import Mapping
from importlib import resources
from pathlib import Path
from typing import Any

from metis_env.missions._reader import is_number
from metis_env.missions.errors import MissionFormatError
from metis_env.missions.migrate import CURRENT_BUILD, OLDEST_BUILD, migrate
from metis_env.missions.mission import Mission
from metis_env.missions.parse import parse_definition
from metis_env.missions.serialize import definition_to_json

__all__ = [
    "BUILTIN_MISSION",
    "MissionSource",
    "builtin_mission",
    "dump_mission",
    "load_mission",
    "save_mission",
]

#: Anything `load_mission` accepts: a path, file bytes, or a parsed document.
MissionSource = str | os.PathLike[str] | bytes | Mapping[str, Any]

#: The file name of the mission shipped with metis-env (package data).
BUILTIN_MISSION = "builtin.metis.json"

_BUILD_RULE = "The schemaBuildNumber field is missing or invalid in the JSON."
_MAX_BYTES = 64 * 1024 * 1024  # a data.json larger than this is refused, not read


def load_mission(source: MissionSource, *, mission_id: str | None = None) -> Mission:
    """Load a mission from a file, bytes or a mapping, ready for a session.

    Args:
        source: a path to a ``.metis.zip``, ``data.json`` or ``.metis`` file; the bytes of
            one; or a parsed document (it is copied, never changed).
        mission_id: the id error texts name. ``None``: the document's ``_id`` when it has one,
            else an id derived from its content (the same file always gets the same id).

    Raises:
        MissionFormatError: the file cannot be read, is not JSON, is of a build below 37, or
            breaks a rule of the format; the error names the field and the rule.
    """
    name = None
    try:
        if isinstance(source, Mapping):
            doc: Any = copy.deepcopy(dict(source))
            attachments: dict[str, bytes] = {}
        else:
            if isinstance(source, bytes):
                data = source
            else:
                name = os.fspath(source)
                data = _read(Path(name))
            doc, attachments = _parse_bytes(data)
        if mission_id is None:
            mission_id = _mission_id(doc)
        definition = parse_definition(_upgrade(doc))
    except MissionFormatError as error:
        raise error.from_source(name) if name else error from None
    return Mission(definition, mission_id, attachments)


def builtin_mission() -> Mission:
    """The small two-force mission metis-env ships, a fresh copy on every call."""
    text = resources.files("metis_env.missions").joinpath("data", BUILTIN_MISSION).read_bytes()
    return load_mission(text)


def dump_mission(mission: Mission) -> dict[str, Any]:
    """The definition as METIS exports it in ``data.json`` (no session state, no ``_id``).

    ``schemaBuildNumber`` comes last, as in an export; `load_mission` reads the result back
    to an equal definition.
    """
    return definition_to_json(mission.definition) | {"schemaBuildNumber": CURRENT_BUILD}


def save_mission(mission: Mission, path: str | os.PathLike[str]) -> Path:
    """Write ``dump_mission(mission)`` to ``path``, indented 2 spaces as METIS does.

    A path ending in ``.metis.zip`` gets a zip with ``data.json`` and the ``files/`` bytes
    the mission was loaded with; any other path gets the JSON itself.
    """
    target = Path(path)
    text = json.dumps(dump_mission(mission), indent=2, ensure_ascii=False)
    if target.name.lower().endswith(".zip"):
        with zipfile.ZipFile(target, "w", zipfile.ZIP_DEFLATED) as archive:
            archive.writestr("data.json", text)
            for file_name, data in mission.attachments.items():
                archive.writestr(f"files/{file_name}", data)
    else:
        target.write_text(text + "\n", encoding="utf-8")
    return target


def _read(path: Path) -> bytes:
    try:
        if path.stat().st_size > _MAX_BYTES:
            raise MissionFormatError(None, rule=f"is larger than {_MAX_BYTES} bytes")
        return path.read_bytes()
    except OSError as error:
        raise MissionFormatError(
            None, rule=f"cannot be read ({error.strerror or error}); check the path"
        ) from error


def _parse_bytes(data: bytes) -> tuple[Any, dict[str, bytes]]:
    """The document in ``data`` (zip or JSON) and, for a zip, its ``files/`` by name."""
    attachments: dict[str, bytes] = {}
    if data[:2] == b"PK":
        try:
            with zipfile.ZipFile(io.BytesIO(data)) as archive:
                names = archive.namelist()
                if "data.json" not in names:
                    raise MissionFormatError(
                        "data.json", rule="is missing from the zip (a .metis.zip holds data.json)"
                    )
                if archive.getinfo("data.json").file_size > _MAX_BYTES:
                    raise MissionFormatError("data.json", rule=f"is larger than {_MAX_BYTES} bytes")
                data = archive.read("data.json")
                for entry in names:
                    if entry.startswith("files/") and not entry.endswith("/"):
                        attachments[entry[len("files/") :]] = archive.read(entry)
        except (zipfile.BadZipFile, zipfile.LargeZipFile, OSError, EOFError, ValueError) as error:
            raise MissionFormatError(None, rule=f"is not a readable zip ({error})") from error
    try:
        text = data.decode("utf-8-sig")
        doc = json.loads(text)
    except (UnicodeDecodeError, ValueError, RecursionError) as error:
        raise MissionFormatError(None, rule=f"Error parsing JSON. {error}") from error
    return doc, attachments


def _mission_id(doc: Any) -> str:
    if isinstance(doc, dict) and isinstance(doc.get("_id"), str) and doc["_id"]:
        return str(doc["_id"])
    try:
        canonical = json.dumps(doc, sort_keys=True, default=str)
    except (ValueError, RecursionError):
        canonical = repr(doc)
    return hashlib.sha1(canonical.encode("utf-8", "replace")).hexdigest()[:24]


def _upgrade(doc: Any) -> Any:
    """Check the build, run the import builds it needs, drop ``schemaBuildNumber``."""
    if not isinstance(doc, dict):
        raise MissionFormatError("mission", doc, "must be a JSON object")
    raw: Any = doc.get("schemaBuildNumber")
    if not is_number(raw):
        raise MissionFormatError("schemaBuildNumber", rule=_BUILD_RULE)
    build = float(raw)
    if build < OLDEST_BUILD:
        raise MissionFormatError(
            "schemaBuildNumber",
            build,
            f"must be {OLDEST_BUILD} or later: import older files into METIS and export them",
        )
    try:
        migrate(doc, build)
    except (TypeError, ValueError, KeyError, AttributeError, RecursionError) as error:
        raise MissionFormatError(
            "schemaBuildNumber", build, f"the import builds above it failed ({error!r})"
        ) from error
    del doc["schemaBuildNumber"]
    return doc
