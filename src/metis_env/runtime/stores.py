"""The three stores scripts and hooks share values through (metis-behaviour §5.1).

``store.use(key, initial)`` returns a `StoreState` holder: the first call for a key stores
``initial``, later calls return the same holder (their ``initial`` is ignored); read and
write ``holder.value``. Scope, as in the original:

* ``local_store``: one per (session, realm, environment): an environment's hooks and targets;
* ``realm_store``: one per (session, realm), shared by every environment;
* ``global_store``: one per session, shared by every realm and environment.

The runtime has a single realm, so realm and global stores reach the same scripts, but they
stay separate namespaces, as in METIS. Stores are cleared when the session ends.
"""

from __future__ import annotations

from typing import Any, Generic, TypeVar

__all__ = ["SessionStores", "StoreState", "TargetEnvStore"]

T = TypeVar("T")


class StoreState(Generic[T]):
    """A holder for one stored value; ``value`` reads and writes it."""

    __slots__ = ("key", "value")

    def __init__(self, key: str, value: T) -> None:
        self.key = key
        #: The stored value; assign to change it for every user of this key.
        self.value: T = value

    def __repr__(self) -> str:
        return f"StoreState(key={self.key!r})"


class TargetEnvStore:
    """An in-memory key → `StoreState` map with the original's single method, `use`."""

    def __init__(self, scope: str) -> None:
        self.scope = scope  # for repr: "local:my-env", "realm:default", "global"
        self._states: dict[str, StoreState[Any]] = {}

    def use(self, key: str, initial: T) -> StoreState[T]:
        """The holder for ``key``, created with ``initial`` on first use."""
        if key not in self._states:
            self._states[key] = StoreState(key, initial)
        state: StoreState[T] = self._states[key]
        return state

    def keys(self) -> list[str]:
        """The keys used so far."""
        return list(self._states)

    def clear(self) -> None:
        """Forget every key (done when the session ends)."""
        self._states.clear()

    def __repr__(self) -> str:
        return f"TargetEnvStore(scope={self.scope!r}, keys={len(self._states)})"


class SessionStores:
    """Every store of one session, created on first use."""

    def __init__(self) -> None:
        self.global_store = TargetEnvStore("global")
        self._realm: dict[str, TargetEnvStore] = {}
        self._local: dict[tuple[str, str], TargetEnvStore] = {}

    def realm(self, realm_id: str) -> TargetEnvStore:
        """The store shared by every environment of ``realm_id``."""
        return self._realm.setdefault(realm_id, TargetEnvStore(f"realm:{realm_id}"))

    def local(self, realm_id: str, env_id: str) -> TargetEnvStore:
        """The store of ``env_id`` in ``realm_id``."""
        return self._local.setdefault((realm_id, env_id), TargetEnvStore(f"local:{env_id}"))

    def of(self, scope: str, realm_id: str, env_id: str) -> TargetEnvStore:
        """The store of ``scope`` (``local``, ``realm`` or ``global``) for a context of
        ``env_id`` in ``realm_id``."""
        if scope == "local":
            return self.local(realm_id, env_id)
        if scope == "realm":
            return self.realm(realm_id)
        return self.global_store

    def clear(self) -> None:
        """Empty every store."""
        for store in (self.global_store, *self._realm.values(), *self._local.values()):
            store.clear()
