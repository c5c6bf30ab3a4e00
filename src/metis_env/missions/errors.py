"""Errors of the missions package.

The hierarchy (roots in `metis_env.api.errors`)::

    MetisEnvError
    ├── ConfigError (+ ValueError)
    │   ├── MissionFormatError          a mission file or mapping breaks a rule of the format
    │   └── ComponentSpecError          a CLI component spec matches nothing, or too much
    └── ComponentNotFoundError (+ LookupError)
                                        a mission-changing call names an id the mission lacks

A component of a type a method does not take is the builtin `TypeError` (METIS crashes
with one there too); a non-finite operand is a `ValueError`.
"""

from __future__ import annotations

from collections.abc import Sequence
from typing import Any

from metis_env.api.errors import ConfigError, MetisEnvError

__all__ = ["ComponentNotFoundError", "ComponentSpecError", "MissionFormatError"]

_UNSET: Any = object()


class MissionFormatError(ConfigError):
    """Raised when a mission file or mapping breaks a rule of METIS's format.

    Attributes:
        key: the offending field as a path (``forces[0].nodes[2].color``), or ``None`` for
            the file as a whole.
        value: the offending value, when there is one.
        rule: what the field must be, in words (METIS's own text where it has one).
        source: the file the mission came from, or ``None`` for a mapping.
    """

    def __init__(
        self,
        key: str | None,
        value: Any = _UNSET,
        rule: str = "",
        *,
        source: str | None = None,
    ) -> None:
        if value is _UNSET:
            super().__init__(key, rule=rule)
        else:
            super().__init__(key, value, rule)
        self.has_value = value is not _UNSET
        self.source = source

    def from_source(self, source: str) -> MissionFormatError:
        """A copy that names the file ``source`` in its message."""
        value = self.value if self.has_value else _UNSET
        return MissionFormatError(self.key, value, self.rule, source=source)

    def __str__(self) -> str:
        text = super().__str__() if self.key is not None else self.rule
        where = f"mission {self.source!r}" if self.source else "mission"
        return f"{where}: {text}"


class ComponentNotFoundError(MetisEnvError, LookupError):
    """Raised when a mission-changing call names a component id the mission does not hold.

    The message is METIS's, verbatim (scripts may match on it):
    ``Could not find <kind> with ID "<id>" in the mission with ID "<missionId>".``
    """

    def __init__(self, kind: str, component_id: str, mission_id: str) -> None:
        super().__init__(kind, component_id, mission_id)
        self.kind = kind
        self.component_id = component_id
        self.mission_id = mission_id

    def __str__(self) -> str:
        return (
            f'Could not find {self.kind} with ID "{self.component_id}" '
            f'in the mission with ID "{self.mission_id}".'
        )


class ComponentSpecError(ConfigError):
    """Raised when a component spec (``node:Crane Control``) resolves to nothing or to several.

    Attributes:
        key: the spec as given.
        candidates: what the spec could have meant (``node "Crane Control" (<id>)``), when
            several matched or as suggestions when nothing did.
    """

    def __init__(self, spec: str, rule: str, candidates: Sequence[str] = ()) -> None:
        super().__init__(spec, rule=rule)
        self.candidates = tuple(candidates)

    def __str__(self) -> str:
        text = f"component {self.key!r}: {self.rule}"
        if self.candidates:
            text += "\n" + "\n".join(f"  - {c}" for c in self.candidates)
        return text
