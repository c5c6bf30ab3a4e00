"""The session's states and the transitions between them: a table, checked on every change.

The states are METIS's (metis-behaviour §6); which transitions exist is ours, because the
runtime also tears down after a failed setup and can end a session that never started:

======================  =====================================================================
from                    to
======================  =====================================================================
``unstarted``           ``starting`` (`Session.start`), ``ended`` (`Session.end`: nothing ran)
``starting``            ``started`` (setup succeeded), ``ending`` (`Session.end`; also after a
                        failed setup: the session stays ``starting`` until then)
``started``             ``resetting`` (`Session.reset`), ``ending`` (`Session.end`)
``resetting``           ``started`` (set up again), ``ending`` (`Session.end`; also after a
                        failed re-setup: the session stays ``resetting`` until then)
``ending``              ``ended``
``ended``               nothing: a session is used once
======================  =====================================================================
"""

from __future__ import annotations

import enum
from collections.abc import Mapping

from metis_env.api.errors import MetisEnvError

__all__ = ["LIVE_STATES", "TRANSITIONS", "SessionState", "SessionStateError", "check_transition"]


class SessionState(enum.StrEnum):
    """Where a session is. A `str`, so ``session.state == "ended"`` reads naturally."""

    #: Created; no hook has run.
    UNSTARTED = "unstarted"
    #: ``environment-setup`` hooks are running (or failed: scripts are skipped).
    STARTING = "starting"
    #: Set up: scripts run.
    STARTED = "started"
    #: Torn down and being set up again under a new instance id (`Session.reset`).
    RESETTING = "resetting"
    #: Running scripts are cancelled, ``environment-teardown`` hooks run, clients close.
    ENDING = "ending"
    #: Done: stores cleared, clients closed. Guarded context members raise.
    ENDED = "ended"


S = SessionState
#: Every allowed change of state (see the module docstring).
TRANSITIONS: Mapping[SessionState, frozenset[SessionState]] = {
    S.UNSTARTED: frozenset({S.STARTING, S.ENDED}),
    S.STARTING: frozenset({S.STARTED, S.ENDING}),
    S.STARTED: frozenset({S.RESETTING, S.ENDING}),
    S.RESETTING: frozenset({S.STARTED, S.ENDING}),
    S.ENDING: frozenset({S.ENDED}),
    S.ENDED: frozenset(),
}
#: States in which guarded context members work (METIS lets starting/resetting/ending pass).
LIVE_STATES = frozenset({S.STARTING, S.STARTED, S.RESETTING, S.ENDING})


class SessionStateError(MetisEnvError, RuntimeError):
    """Raised when a session is asked for a step its state does not allow (e.g. start twice)."""

    def __init__(self, session_id: str, old: SessionState, new: SessionState) -> None:
        allowed = ", ".join(sorted(TRANSITIONS[old])) or "nothing (a session is used once)"
        super().__init__(
            f"session {session_id}: cannot go from {old} to {new} (from {old}: {allowed})"
        )
        self.old, self.new = old, new


def check_transition(session_id: str, old: SessionState, new: SessionState) -> None:
    """Raise `SessionStateError` unless ``old -> new`` is in `TRANSITIONS`."""
    if new not in TRANSITIONS[old]:
        raise SessionStateError(session_id, old, new)
