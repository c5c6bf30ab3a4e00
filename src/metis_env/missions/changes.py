"""`MissionChange`: one record per value a mission-changing call changed (issue 14).

Records use METIS's spelling in JSON (``method`` is the context method's METIS name, e.g.
``blockNodes``), so the CLI's ``--json`` lines, the pytest fixtures and the bridge to METIS
all show the same thing.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

__all__ = ["MissionChange"]


@dataclass(frozen=True)
class MissionChange:
    """One changed value of one component.

    Attributes:
        method: METIS's name of the call (``blockNodes``, ``modifyResourcePool``, …).
        component_type: ``node``, ``action``, ``resourcePool`` or ``missionFile``.
        id: the changed component's ``_id``.
        name: its name, for people reading the record.
        field: what changed, in METIS's spelling: ``blocked``, ``opened``, ``alerts``,
            ``successChance``, ``processTime``, ``resourceCosts``, ``balance``, ``access``.
        old: the value before (``None`` for a new alert).
        new: the value after: effective values for actions, the balance for pools, the
            alert for ``alerts``, the list of force ids for ``access``.
        force_id: the force that holds the component (for ``access``: the force granted or
            revoked).
        node_id: the node that holds an action.
        resource_id: the resource of a pool or of a cost.
        details: what METIS would broadcast besides (the ``modifier``, the ``operand``).
    """

    method: str
    component_type: str
    id: str
    name: str
    field: str
    old: Any
    new: Any
    force_id: str | None = None
    node_id: str | None = None
    resource_id: str | None = None
    details: Mapping[str, Any] = dataclasses.field(default_factory=dict)

    @property
    def _id(self) -> str:
        return self.id

    def to_json(self) -> dict[str, Any]:
        """The record in METIS's spelling; ids that do not apply are left out."""
        out: dict[str, Any] = {
            "method": self.method,
            "componentType": self.component_type,
            "_id": self.id,
            "name": self.name,
            "field": self.field,
            "old": self.old,
            "new": self.new,
        }
        for key, value in (
            ("forceId", self.force_id),
            ("nodeId", self.node_id),
            ("resourceId", self.resource_id),
        ):
            if value is not None:
                out[key] = value
        out.update(self.details)
        return out

    def describe(self) -> str:
        """One readable line: ``blockNodes: node "Crane Control" blocked False -> True``."""
        return (
            f'{self.method}: {self.component_type} "{self.name}" {self.field} '
            f"{_show(self.old)} -> {_show(self.new)}"
        )


def _show(value: Any) -> str:
    if isinstance(value, Mapping) and "message" in value:
        return f"[{value.get('severityLevel')}] {value['message']}"
    if isinstance(value, float):
        return f"{value:g}"
    return str(value)
