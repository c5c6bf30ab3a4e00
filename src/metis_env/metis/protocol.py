"""The bridge protocol: JSON text messages between the generated TypeScript and `metis-env bridge`.

The generated ``bridge.ts`` (METIS side) opens one WebSocket connection per METIS session and
realm, and sends requests; every request has an ``id`` (made up by the sender) and the
bridge's answers to it carry the same ``id``. Each request ends with exactly one ``done`` or
``error``.

==================  =========  =================================================================
message             from       fields (besides ``type`` and ``id``)
==================  =========  =================================================================
``setup``           METIS      ``token``, ``sessionId``, ``realmId``, ``envId``, ``configId``,
                               ``session`` {_id, name, state}, ``mission`` {_id, name, forces}
``run``             METIS      the keys of ``setup`` plus ``targetId``, ``args`` (as METIS's
                               script receives them), ``effect`` {_id, name}, ``triggerType``,
                               ``triggeredBy`` (a member or null)
``teardown``        METIS      ``token``, ``sessionId``, ``realmId``, ``envId``
``output``          bridge     ``message`` (text), ``to`` (a force ``_id``, or null: everyone)
``log``             bridge     ``message``: what a Python hook logged (METIS hooks have no output)
``mission-call``    bridge     ``callId``, ``method`` (METIS's name, e.g. ``blockNodes``),
                               ``args`` (components as ``{"$component": {componentType, _id}}``)
``mission-result``  METIS      ``callId``, ``result``
``mission-error``   METIS      ``callId``, ``errorType``, ``message``
``done``            bridge     (the request succeeded)
``error``           bridge     ``errorType`` (the Python exception's class name), ``message``,
                               ``traceback`` (only when the bridge runs with ``--traceback``)
==================  =========  =================================================================

State is kept per (``sessionId``, ``realmId``, ``envId``): ``setup`` creates it and runs the
Python setup hooks, ``run`` runs a target in it, ``teardown`` cancels what still runs, runs
the teardown hooks and forgets it. The realm id is made up by ``bridge.ts``, because METIS's
context does not expose the realm; its ``localStore`` is per realm and holds the connection.
"""

from __future__ import annotations

import traceback
from collections.abc import Mapping
from typing import Any

from metis_env.api.errors import MetisEnvError

__all__ = ["REQUEST_FIELDS", "BridgeProtocolError", "error_message", "require"]

#: The fields each request must carry (``token`` may be null).
REQUEST_FIELDS: dict[str, tuple[str, ...]] = {
    "setup": ("sessionId", "realmId", "envId"),
    "run": ("sessionId", "realmId", "envId", "targetId"),
    "teardown": ("sessionId", "realmId", "envId"),
}


class BridgeProtocolError(MetisEnvError):
    """Raised when a message breaks the bridge protocol (missing field, unknown type)."""


def require(message: Mapping[str, Any], kind: str) -> None:
    """Check that ``message`` has the string fields a ``kind`` request needs.

    Raises:
        BridgeProtocolError: naming the first missing or non-string field.
    """
    for key in REQUEST_FIELDS[kind]:
        value = message.get(key)
        if not isinstance(value, str) or not value:
            raise BridgeProtocolError(f"a {kind!r} request needs a non-empty string {key!r}")


def error_message(
    request_id: Any, exc: BaseException, *, with_traceback: bool = False
) -> dict[str, Any]:
    """The ``error`` answer for ``exc``: its class name and its message; its Python traceback
    (in ``traceback``) only when asked (``metis-env bridge --traceback``)."""
    message = {
        "type": "error",
        "id": request_id,
        "errorType": type(exc).__name__,
        "message": str(exc),
    }
    if with_traceback:
        message["traceback"] = "".join(traceback.format_exception(exc))
    return message
