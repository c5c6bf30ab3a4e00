"""Errors of the schema layer: bad declarations and bad argument values.

Both are `ConfigError`s (and so `ValueError`s): they name the key, the value and the rule.

* `SchemaError` is raised while a module is being imported, when a `TargetEnvSchema`,
  `TargetSchema`, parameter or dependency is declared wrongly. The loader catches it and
  reports it with the file's path, so the message itself names the owner (``target 'x'``)
  and the key (``parameters.duration.min``).
* `ArgumentError` is raised before anything runs, when a value given for a parameter (from
  the CLI or from `run_target(args=...)`) breaks the parameter's rules.
"""

from __future__ import annotations

from typing import Any

from metis_env.api.errors import ConfigError, redact_value

__all__ = ["ArgumentError", "SchemaError"]

_UNSET: Any = object()


class SchemaError(ConfigError):
    """Raised when an environment, target, parameter or dependency declaration is invalid.

    Attributes:
        owner: what the declaration belongs to (``target 'send-message'``), or ``None``.
    """

    def __init__(
        self, key: str | None, value: Any = _UNSET, rule: str = "", *, owner: str | None = None
    ) -> None:
        if value is _UNSET:
            super().__init__(key, rule=rule)
        else:
            super().__init__(key, value, rule)
        self.owner = owner
        self.has_value = value is not _UNSET

    def within(self, owner: str | None = None, prefix: str | None = None) -> SchemaError:
        """A copy with ``prefix`` put before the key and ``owner`` set (kept when ``None``)."""
        key = self.key
        if prefix:
            key = prefix if not key else f"{prefix}.{key}"
        value = self.value if self.has_value else _UNSET
        return SchemaError(key, value, self.rule, owner=owner or self.owner)

    def __str__(self) -> str:
        text = super().__str__()
        return f"{self.owner}: {text}" if self.owner else text


class ArgumentError(ConfigError):
    """Raised when an argument value (or name) given for a target breaks the parameter's rules.

    Raised before any hook or script runs. ``key`` is the parameter id (or the unknown name),
    ``target_id`` the target it was given to, when known.
    """

    def __init__(
        self, key: str, value: Any = _UNSET, rule: str = "", *, target_id: str | None = None
    ) -> None:
        if value is _UNSET:
            super().__init__(key, rule=rule)
        else:
            super().__init__(key, value, rule)
        self.target_id = target_id
        self.has_value = value is not _UNSET

    def for_target(self, target_id: str) -> ArgumentError:
        """A copy that names ``target_id`` in its message."""
        value = self.value if self.has_value else _UNSET
        return ArgumentError(self.key or "", value, self.rule, target_id=target_id)

    def __str__(self) -> str:
        where = f"argument '{self.key}'"
        if self.target_id is not None:
            where += f" of target '{self.target_id}'"
        if not self.has_value:
            return f"{where}: {self.rule}"
        return f"{where}: {self.rule} (got {redact_value(self.key, self.value)})"
