"""METIS missions: the model, the `.metis` loader, the views scripts see, mission changes.

A pure package (no I/O beyond reading and writing mission files, no asyncio): the runtime
builds a context over it. The pieces, in the order a session uses them:

* `load_mission` / `builtin_mission` → a `Mission` (frozen definition + session state);
  `dump_mission` / `save_mission` write the definition back as METIS exports it.
* `MissionView` and the other views: what ``context.mission`` and component arguments show.
* `resolve_component` (CLI specs) and `resolve_selections` (stored arguments) → views.
* `CONTEXT_METHODS[name](*args)` → a frozen command; `apply(mission, command)` → a list of
  `MissionChange`.
* `mission_state_json` → the state after a run, shaped as ``context.mission``.
"""

from metis_env.missions.apply import apply
from metis_env.missions.changes import MissionChange
from metis_env.missions.commands import (
    ALERT_LEVELS,
    CONTEXT_METHODS,
    AddNodeAlert,
    ComponentRef,
    MissionCommand,
    ModifyProcessTime,
    ModifyResourceCost,
    ModifyResourcePool,
    ModifySuccessChance,
    UpdateFileAccess,
    UpdateNodeBlockStatus,
    UpdateNodeOpenState,
)
from metis_env.missions.errors import (
    ComponentNotFoundError,
    ComponentSpecError,
    MissionFormatError,
)
from metis_env.missions.loader import (
    builtin_mission,
    dump_mission,
    load_mission,
    save_mission,
)
from metis_env.missions.mission import Alert, Mission, MissionState, Modifier
from metis_env.missions.resolve import (
    VALID_COMPONENT_TYPES,
    check_component_type,
    resolve_component,
    resolve_components,
    selection_of,
    validate_component_types,
)
from metis_env.missions.snapshot import mission_state_json
from metis_env.missions.views import (
    ActionView,
    ComponentView,
    CostView,
    EffectView,
    ForceView,
    MissionFileView,
    MissionView,
    NodeView,
    ResourcePoolView,
    ResourceView,
    resolve_selections,
    view_of,
)

__all__ = [
    "ALERT_LEVELS",
    "CONTEXT_METHODS",
    "VALID_COMPONENT_TYPES",
    "ActionView",
    "AddNodeAlert",
    "Alert",
    "ComponentNotFoundError",
    "ComponentRef",
    "ComponentSpecError",
    "ComponentView",
    "CostView",
    "EffectView",
    "ForceView",
    "Mission",
    "MissionChange",
    "MissionCommand",
    "MissionFileView",
    "MissionFormatError",
    "MissionState",
    "MissionView",
    "Modifier",
    "ModifyProcessTime",
    "ModifyResourceCost",
    "ModifyResourcePool",
    "ModifySuccessChance",
    "NodeView",
    "ResourcePoolView",
    "ResourceView",
    "UpdateFileAccess",
    "UpdateNodeBlockStatus",
    "UpdateNodeOpenState",
    "apply",
    "builtin_mission",
    "check_component_type",
    "dump_mission",
    "load_mission",
    "mission_state_json",
    "resolve_component",
    "resolve_components",
    "resolve_selections",
    "save_mission",
    "selection_of",
    "validate_component_types",
    "view_of",
]
