"""Find and import target environments: ``<root>/<env-id>/schema.py`` + ``targets/**/schema.py``.

Each environment is imported as a package of its own, under a synthetic name unique to this
load (``metis_env_user.<env_id with _ for ->``, plus ``_2``, ``_3``… when loaded again), so

* ``from ...schema import environment`` in ``targets/<t>/schema.py`` and sibling imports
  (``from .helpers import x``) work, and
* a target and the environment's hooks share **one** module instance (a hook sets a module
  global, the target reads it), as the original's module cache does (metis-behaviour §7.1).

How a module exposes its schema (first rule that applies):

1. a module-level name: ``environment`` in an environment's ``schema.py``, ``target`` in a
   target's;
2. a module-level ``default`` (the seed's ``export default``);
3. the only instance of the class among the module's globals.

Anything else (a wrong type under those names, several candidates, none) is a problem.

Kept from the original (metis-behaviour §4.4): the folder-name rule (lowercase letters,
digits and single hyphens, at least 3 characters), skipping an environment without
``schema.py`` or ``targets/``, walking ``targets/`` recursively, duplicate target ids, and
"one broken target does not hide the others". Every problem carries its path.
"""

from __future__ import annotations

import importlib
import importlib.util
import re
import sys
import traceback
import types
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

from metis_env.api.errors import ConfigError
from metis_env.runtime.configs import ConfigsLoad, load_configs
from metis_env.runtime.problems import Problem, ProblemList
from metis_env.schema import TargetEnvSchema, TargetSchema

__all__ = [
    "ENV_ID_PATTERN",
    "PACKAGE_ROOT",
    "EnvironmentNotFoundError",
    "LoadReport",
    "LoadedEnvironment",
    "NotFoundError",
    "TargetNotFoundError",
    "load_environment",
    "load_environments",
]

#: The original's folder-name rule, verbatim.
ENV_ID_PATTERN = re.compile(r"(?!^.*--.*$)^[a-z0-9][a-z0-9-]+[a-z0-9]$")
#: The synthetic top-level package every environment is imported under.
PACKAGE_ROOT = "metis_env_user"
_SCHEMA_FILE = "schema.py"
_T = TypeVar("_T")


class NotFoundError(ConfigError):
    """Raised when a named thing (environment, target, config) does not exist.

    Reads as a sentence: ``target 'peek' is not a target of environment 'x' (targets: a)``.
    """

    def __str__(self) -> str:
        return f"{self.key} {self.value!r} {self.rule}"


class EnvironmentNotFoundError(NotFoundError):
    """Raised when a requested environment does not exist or did not load."""


class TargetNotFoundError(NotFoundError):
    """Raised when an environment has no target with the requested id."""


@dataclass
class LoadedEnvironment:
    """An environment that imported: its schema, its targets and where they came from."""

    id: str
    path: Path
    schema: TargetEnvSchema
    package: str
    targets: dict[str, TargetSchema] = field(default_factory=dict)
    target_paths: dict[str, Path] = field(default_factory=dict)

    def configs(self) -> ConfigsLoad:
        """``configs.json`` read now (see `load_configs`)."""
        return load_configs(self.path, self.id)

    def target(self, target_id: str) -> TargetSchema:
        """The target with that id.

        Raises:
            TargetNotFoundError: no such target; the message lists the ids there are.
        """
        if target_id not in self.targets:
            known = ", ".join(sorted(self.targets)) or "none"
            rule = f"is not a target of environment '{self.id}' (targets: {known})"
            raise TargetNotFoundError("target", target_id, rule)
        return self.targets[target_id]

    def unload(self) -> None:
        """Forget this environment's modules (a later load imports fresh ones)."""
        for name in [
            n for n in sys.modules if n == self.package or n.startswith(self.package + ".")
        ]:
            del sys.modules[name]


@dataclass
class LoadReport(ProblemList):
    """What `load_environments` found: the environments that loaded and every problem."""

    environments: dict[str, LoadedEnvironment] = field(default_factory=dict)
    problems: list[Problem] = field(default_factory=list)


def _root_package() -> None:
    if PACKAGE_ROOT not in sys.modules:
        module = types.ModuleType(PACKAGE_ROOT, "Target environments loaded by metis-env.")
        module.__path__ = []
        sys.modules[PACKAGE_ROOT] = module


def _new_package(env_dir: Path, env_id: str) -> str:
    """Create a fresh package for ``env_dir`` and return its dotted name."""
    _root_package()
    base = f"{PACKAGE_ROOT}.{re.sub(r'[^0-9a-zA-Z_]', '_', env_id)}"
    name, counter = base, 1
    while name in sys.modules:
        counter += 1
        name = f"{base}_{counter}"
    init = env_dir / "__init__.py"
    if init.is_file():
        spec = importlib.util.spec_from_file_location(
            name, init, submodule_search_locations=[str(env_dir)]
        )
    else:
        spec = importlib.util.spec_from_loader(name, loader=None, is_package=True)
    assert spec is not None
    if spec.submodule_search_locations is not None and not init.is_file():
        spec.submodule_search_locations.append(str(env_dir))
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module
    if spec.loader is not None:
        spec.loader.exec_module(module)
    return name


def _describe_failure(exc: BaseException, path: Path) -> str:
    """``<Type>: <message> (line N)``, N being the deepest line of ``path`` in the traceback."""
    line: int | None = None
    if isinstance(exc, SyntaxError) and exc.filename and Path(exc.filename) == path:
        line = exc.lineno
    for frame in traceback.extract_tb(exc.__traceback__):
        if Path(frame.filename) == path:
            line = frame.lineno
    text = str(exc) if isinstance(exc, ConfigError) else f"{type(exc).__name__}: {exc}"
    return text + (f" (line {line})" if line else "")


def _pick(module: Any, cls: type[_T], name: str) -> _T:
    """The schema a module exposes (see the module docstring), or `LookupError`."""
    for attribute in (name, "default"):
        if hasattr(module, attribute):
            value = getattr(module, attribute)
            if isinstance(value, cls):
                return value
            if attribute == name:
                raise LookupError(
                    f"'{name}' must be a {cls.__name__} instance, not {type(value).__name__}"
                )
    found: list[_T] = []
    for value in vars(module).values():
        if isinstance(value, cls) and not any(value is f for f in found):
            found.append(value)
    if len(found) == 1:
        return found[0]
    if found:
        raise LookupError(
            f"exposes {len(found)} {cls.__name__} instances; name the one to use '{name}'"
        )
    raise LookupError(
        f"does not export a valid {cls.__name__} instance (define '{name} = {cls.__name__}(...)')"
    )


def _import(module_name: str, path: Path, cls: type[_T], name: str) -> _T:
    """Import ``module_name`` and pick its schema; raises `LookupError` with a message.

    Anything the module raises is a problem of that file, ``SystemExit`` (``sys.exit()``)
    included; only ``KeyboardInterrupt`` goes through.
    """
    try:
        module = importlib.import_module(module_name)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit from user code: its failure
        raise LookupError(f"failed to import: {_describe_failure(exc, path)}") from exc
    try:
        return _pick(module, cls, name)
    except LookupError as exc:
        raise LookupError(f'The module at path "{path}" {exc}') from None


def _target_dirs(directory: Path, report: LoadReport) -> list[Path]:
    """Every folder under ``directory`` (itself included) holding a ``schema.py``, sorted.

    Symlinked folders are followed once: a folder whose real path was already walked is
    skipped, as an error when it is one of its own ancestors (a symlink loop, which would
    otherwise be walked until the path is too long), else as a warning.
    """
    found: list[Path] = []
    seen: dict[Path, Path] = {}  # real path -> the path it was first walked as
    stack: list[tuple[Path, tuple[Path, ...]]] = [(directory, ())]  # (folder, its ancestors)
    while stack:
        folder, ancestors = stack.pop()
        try:
            real = folder.resolve(strict=True)
        except (OSError, RuntimeError) as exc:  # RuntimeError: a loop on older Pythons
            report.problems.append(Problem(folder, f"cannot read this folder: {exc}"))
            continue
        if real in seen:
            if real in ancestors:
                message = (
                    f'symlink loop: "{folder}" leads back to "{seen[real]}"; not walked again '
                    "(remove the link or point it elsewhere)"
                )
                report.problems.append(Problem(folder, message))
            else:
                message = f'same folder as "{seen[real]}" (through a symlink); skipped'
                report.problems.append(Problem(folder, message, "warning"))
            continue
        seen[real] = folder
        if (folder / _SCHEMA_FILE).is_file():
            found.append(folder)
        try:
            children = sorted(folder.iterdir())
        except OSError as exc:
            report.problems.append(Problem(folder, f"cannot list this folder: {exc}"))
            continue
        for child in reversed(children):
            if child.is_dir() and not child.name.startswith((".", "__")):
                stack.append((child, (*ancestors, real)))
    return found


def _load_targets(env: LoadedEnvironment, report: LoadReport) -> None:
    targets_dir = env.path / "targets"
    for directory in _target_dirs(targets_dir, report):
        path = directory / _SCHEMA_FILE
        parts = directory.relative_to(env.path).parts
        if any("." in part for part in parts):
            report.problems.append(
                Problem(path, "folder names under targets/ must not contain '.'")
            )
            continue
        try:
            target = _import(
                ".".join((env.package, *parts, "schema")), path, TargetSchema, "target"
            )
        except LookupError as exc:
            report.problems.append(Problem(path, str(exc)))
            continue
        if target.id in env.targets:
            message = (
                f'Duplicate target ID "{target.id}" found in target environment '
                f'"{env.schema.name}". Each target must have a unique ID. '
                f'(first declared in "{env.target_paths[target.id]}")'
            )
            report.problems.append(Problem(path, message))
            continue
        target.assign_env(env.id)
        env.targets[target.id] = target
        env.target_paths[target.id] = path


def _load_one(env_dir: Path, report: LoadReport) -> LoadedEnvironment | None:
    env_id = env_dir.name
    if not ENV_ID_PATTERN.match(env_id):
        rule = (
            f"invalid target-environment folder name {env_id!r}: use lowercase letters, digits "
            "and single hyphens, at least 3 characters, starting and ending with a letter or "
            "digit. Skipping target environment..."
        )
        report.problems.append(Problem(env_dir, rule))
        return None
    schema_path = env_dir / _SCHEMA_FILE
    if not schema_path.is_file():
        message = f'No valid schema found at "{schema_path}". Skipping target environment...'
        report.problems.append(Problem(schema_path, message))
        return None
    if not (env_dir / "targets").is_dir():
        message = (
            f'No target folder found at "{env_dir / "targets"}". Skipping target environment...'
        )
        report.problems.append(Problem(env_dir / "targets", message))
        return None
    try:
        package = _new_package(env_dir, env_id)
    except KeyboardInterrupt:
        raise
    except BaseException as exc:  # SystemExit from __init__.py too
        report.problems.append(Problem(env_dir / "__init__.py", f"failed to import: {exc}"))
        return None
    try:
        schema = _import(f"{package}.schema", schema_path, TargetEnvSchema, "environment")
    except LookupError as exc:
        report.problems.append(Problem(schema_path, f"{exc}. Skipping target environment..."))
        return None
    schema.assign_id(env_id)
    env = LoadedEnvironment(id=env_id, path=env_dir, schema=schema, package=package)
    _load_targets(env, report)
    if not env.targets:
        message = f'No valid targets found in "{schema.name}".'
        report.problems.append(Problem(env_dir / "targets", message, "warning"))
    report.problems.extend(env.configs().problems)
    return env


def load_environment(env_dir: Path | str) -> LoadReport:
    """Load the one environment in ``env_dir``; the report holds it unless it was skipped."""
    report = LoadReport()
    env_dir = Path(env_dir).resolve()
    env = _load_one(env_dir, report)
    if env is not None:
        report.environments[env.id] = env
    return report


def load_environments(root: Path | str) -> LoadReport:
    """Load every environment folder directly under ``root``, in name order.

    Hidden folders, ``__pycache__`` and files are passed over silently; folders that cannot
    be environments (a name starting with ``_``, ``tests`` and the like, or neither
    ``schema.py`` nor ``targets/``) are passed over with a ``note`` problem.

    Raises:
        EnvironmentNotFoundError: ``root`` is not a directory.
    """
    root = Path(root).resolve()
    if not root.is_dir():
        raise EnvironmentNotFoundError(
            "root", str(root), "must be a directory of target environments"
        )
    if (root / _SCHEMA_FILE).is_file() and (root / "targets").is_dir():
        raise EnvironmentNotFoundError(
            "root",
            str(root),
            "is an environment folder itself; pass its parent, the folder that holds "
            f"environment folders (e.g. {root.parent})",
        )
    report = LoadReport()
    for child in sorted(root.iterdir()):
        if not child.is_dir() or child.name.startswith(".") or child.name == "__pycache__":
            continue  # hidden folders (.git, .venv): passed over without a word
        why = _not_an_environment(child)
        if why is not None:
            report.problems.append(Problem(child, f"skipped: {why}", "note"))
            continue
        env = _load_one(child, report)
        if env is not None:
            report.environments[env.id] = env
    return report


#: Folder names under a root that are never environments (tests and helpers beside them).
NOT_ENVIRONMENTS = frozenset({"tests", "test", "node_modules", "venv", "build", "dist"})


def _not_an_environment(folder: Path) -> str | None:
    """Why ``folder`` cannot be an environment folder (so it is passed over), or None."""
    if folder.name.startswith("_"):
        return "private folder (its name starts with '_')"
    if folder.name in NOT_ENVIRONMENTS:
        return f"'{folder.name}' is not an environment folder"
    if not (folder / _SCHEMA_FILE).is_file() and not (folder / "targets").is_dir():
        return f"no {_SCHEMA_FILE} and no targets/, so not an environment folder"
    return None
