"""``mission-component`` parameters: naming components on the command line (issue 14 §2).

A spec names one component of a mission, optionally after a kind prefix:

* by ``_id``: ``7abed47d-…`` (ids are unique, so this always wins);
* by path, ``/``-separated, each step a ``localKey`` or a name: ``1/2`` (force 1, its node 2),
  ``Blue Cell/Crane Control/Cut crane power``, ``1/2`` read as a pool with ``pool:1/2``;
* by name: ``Crane Control`` (case-insensitive when no exact match).

Prefixes are METIS's component types (``mission``, ``force``, ``node``, ``action``,
``resourcePool``, ``resource``, ``missionFile``) or the short ``pool`` and ``file``;
``mission:`` alone is the mission. Nothing or several matching is a `ComponentSpecError`
that lists what could be meant. METIS has no such syntax (its editor picks components by
clicking); this is the offline equivalent.
"""

from __future__ import annotations

import difflib
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from typing import Any

from metis_env.api.errors import ConfigError
from metis_env.missions.errors import ComponentSpecError
from metis_env.missions.mission import Mission
from metis_env.missions.views import (
    ActionView,
    ComponentView,
    ForceView,
    MissionView,
    NodeView,
    ResourcePoolView,
)

__all__ = [
    "VALID_COMPONENT_TYPES",
    "check_component_type",
    "resolve_component",
    "resolve_components",
    "selection_of",
    "validate_component_types",
]

#: What ``validComponentTypes`` may hold (metis-behaviour §4.3); ``any`` allows all.
VALID_COMPONENT_TYPES = (
    "mission",
    "force",
    "node",
    "action",
    "missionFile",
    "resource",
    "resourcePool",
    "any",
)
_ALIASES = {"pool": "resourcePool", "file": "missionFile"}


def validate_component_types(value: Any = None) -> tuple[str, ...]:
    """A parameter's ``validComponentTypes``, checked; ``None`` → ``('any',)``.

    Raises:
        ConfigError: not a non-empty list of the eight known types.
    """
    if value is None:
        return ("any",)
    if isinstance(value, str) or not isinstance(value, Sequence) or not value:
        raise ConfigError("validComponentTypes", value, "must be a non-empty list of types")
    for item in value:
        if item not in VALID_COMPONENT_TYPES:
            raise ConfigError(
                "validComponentTypes", item, "must be among " + ", ".join(VALID_COMPONENT_TYPES)
            )
    return tuple(value)


def check_component_type(view: ComponentView, valid_types: Sequence[str], spec: str = "") -> None:
    """Raise `ComponentSpecError` unless ``view``'s type is allowed by ``valid_types``."""
    if "any" in valid_types or view.component_type in valid_types:
        return
    raise ComponentSpecError(
        spec or view.id,
        f"is a {view.component_type}; this parameter takes " + ", ".join(valid_types),
    )


@dataclass(frozen=True)
class _Candidate:
    view: ComponentView
    keys: tuple[str, ...]  # the localKey path (empty: no path)
    names: tuple[str, ...]  # the name path

    def label(self) -> str:
        where = "/".join(self.names)
        return f'{self.view.component_type} "{self.view.name}" ({where}, _id {self.view.id})'


def _candidates(mission: Mission) -> Iterable[_Candidate]:
    view = MissionView(mission)
    yield _Candidate(view, (), (view.name,))
    for force in view.forces:
        fk, fn = (force.local_key,), (force.name,)
        yield _Candidate(force, fk, fn)
        for pool in force.resource_pools:
            yield _Candidate(pool, (*fk, pool.local_key), (*fn, pool.name))
        for node in force.nodes:
            nk, nn = (*fk, node.local_key), (*fn, node.name)
            yield _Candidate(node, nk, nn)
            for action in node.actions:
                yield _Candidate(action, (*nk, action.local_key), (*nn, action.name))
    for resource in view.resources:
        yield _Candidate(resource, (), (resource.name,))
    for file in view.files:
        yield _Candidate(file, (), (file.name,))


def _split(spec: str) -> tuple[str | None, str]:
    head, sep, rest = spec.partition(":")
    kind = _ALIASES.get(head, head)
    if sep and kind in VALID_COMPONENT_TYPES and kind != "any":
        return kind, rest.strip()
    return None, spec.strip()


def _matches(candidate: _Candidate, text: str, fold: bool) -> bool:
    def same(a: str, b: str) -> bool:
        return a.casefold() == b.casefold() if fold else a == b

    steps = [s.strip() for s in text.split("/")]
    if len(steps) == 1 and same(candidate.names[-1], text):
        return True
    if len(steps) != len(candidate.names) or (not candidate.keys and len(steps) > 1):
        return False
    keys = candidate.keys or (None,) * len(steps)
    return all(
        step == key or same(step, name)
        for step, key, name in zip(steps, keys, candidate.names, strict=True)
    )


def resolve_component(
    mission: Mission, spec: str, valid_types: Sequence[str] = ("any",)
) -> ComponentView:
    """The one component ``spec`` names in ``mission`` (see the module docstring).

    Args:
        valid_types: the parameter's ``validComponentTypes``: other kinds are not candidates.

    Raises:
        ComponentSpecError: nothing matches (close names suggested), several match (all
            listed), or the match's type is not allowed.
    """
    kind, text = _split(spec)
    if kind == "mission" and not text:
        found: ComponentView = MissionView(mission)
        check_component_type(found, valid_types, spec)
        return found
    pool = [c for c in _candidates(mission) if kind is None or c.view.component_type == kind]
    by_id = [c for c in pool if c.view.id == text]
    matches = by_id or [c for c in pool if _matches(c, text, fold=False)]
    matches = matches or [c for c in pool if _matches(c, text, fold=True)]
    allowed = [c for c in matches if "any" in valid_types or c.view.component_type in valid_types]
    if len(allowed) == 1:
        return allowed[0].view
    if len(allowed) > 1:
        raise ComponentSpecError(
            spec,
            f"matches {len(allowed)} components; add a kind prefix (node:…), "
            "use a path (Force/Node) or an _id",
            [c.label() for c in allowed],
        )
    if matches:
        check_component_type(matches[0].view, valid_types, spec)
    names = sorted({c.names[-1] for c in pool})
    close = difflib.get_close_matches(text, names, n=5, cutoff=0.5)
    raise ComponentSpecError(
        spec,
        "matches no component of the mission" + ("; did you mean one of these?" if close else ""),
        close,
    )


def resolve_components(
    mission: Mission, specs: Iterable[str], valid_types: Sequence[str] = ("any",)
) -> list[ComponentView]:
    """`resolve_component` for each spec, in order (duplicates kept, as in METIS)."""
    return [resolve_component(mission, spec, valid_types) for spec in specs]


def selection_of(view: ComponentView) -> dict[str, Any]:
    """The stored form METIS's editor saves for a picked component (§1.7):
    ``{componentType, lastKnownName, ids}``, whose ``ids`` path `view_of` walks back."""
    if isinstance(view, ForceView):
        ids = [view.id]
    elif isinstance(view, NodeView):
        ids = [view.force.id, view.id]
    elif isinstance(view, ActionView):
        ids = [view.force.id, view.node.id, view.id]
    elif isinstance(view, ResourcePoolView):
        ids = [view.force.id, view.id]
    elif isinstance(view, MissionView):
        ids = []
    else:
        ids = [view.id]  # resource and missionFile: their own id
    return {"componentType": view.component_type, "lastKnownName": view.name, "ids": ids}
