"""`TargetSchema`: one thing an effect can do in an environment, and its parameters.

A target module exposes one instance (see `metis_env.runtime.loader`)::

    target = TargetSchema(
        id="monitor-system",
        name="Monitor System Status",
        parameters=[{"_id": "duration", "name": "Duration (s)", "type": "number",
                     "required": True, "default": 60}],
        script=monitor,
    )

``script`` is ``async def script(context)`` or ``async def script(context, args)``: the
runtime looks at the signature and passes the resolved arguments as the second argument
only when the script takes one (the original always passes them). The seed's spellings
``_id=`` and ``args=[...]`` are accepted for ``id`` and ``parameters``.
"""

from __future__ import annotations

import inspect
from collections.abc import Awaitable, Callable, Mapping, Sequence
from typing import Any

from metis_env.schema.arguments import PlannedArguments, plan_arguments, resolve_arguments
from metis_env.schema.declarations import to_parameter
from metis_env.schema.environment import check_async
from metis_env.schema.errors import SchemaError
from metis_env.schema.parameters import Parameter

__all__ = ["ScriptFn", "TargetSchema"]

#: ``async def script(context)`` or ``async def script(context, args)``.
ScriptFn = Callable[..., Awaitable[Any]]


def _takes_args(script: ScriptFn, owner: str) -> bool:
    """Whether ``script`` takes a second positional argument (the resolved arguments)."""
    try:
        signature = inspect.signature(script)
    except (TypeError, ValueError):
        return False
    kinds = inspect.Parameter
    positional = [
        p
        for p in signature.parameters.values()
        if p.kind in (kinds.POSITIONAL_ONLY, kinds.POSITIONAL_OR_KEYWORD)
    ]
    variadic = any(p.kind is kinds.VAR_POSITIONAL for p in signature.parameters.values())
    required = [p for p in positional if p.default is inspect.Parameter.empty]
    if not positional and not variadic:
        raise SchemaError(
            "script", rule="must take the context: async def script(context[, args])", owner=owner
        )
    if len(required) > 2:
        raise SchemaError(
            "script", rule="takes at most two arguments: (context, args)", owner=owner
        )
    return variadic or len(positional) >= 2


class TargetSchema:
    """A target: id, name, description, parameters and the async script that runs it.

    Args:
        id: unique within the environment (the seed's ``_id=`` is accepted too).
        name: shown to people.
        description: what the target does.
        parameters: `Parameter` objects or the seed's dicts (``args=`` is accepted too).
        script: ``async def script(context)`` or ``async def script(context, args)``.
        migrations: the original's migration registry; kept, not run.

    Raises:
        SchemaError: a missing or invalid field, naming the target and the key.
    """

    def __init__(
        self,
        id: str | None = None,
        name: str | None = None,
        description: str = "",
        parameters: Sequence[Parameter | Mapping[str, Any]] | None = None,
        script: ScriptFn | None = None,
        *,
        _id: str | None = None,
        args: Sequence[Parameter | Mapping[str, Any]] | None = None,
        migrations: Any = None,
    ) -> None:
        if id is not None and _id is not None and id != _id:
            raise SchemaError(
                "_id", _id, f"conflicts with id {id!r}; give one of them", owner="target"
            )
        target_id = id if id is not None else _id
        if not isinstance(target_id, str) or not target_id:
            raise SchemaError("id", target_id, "must be a non-empty string", owner="target")
        owner = f"target '{target_id}'"
        if not isinstance(name, str) or not name:
            raise SchemaError("name", name, "must be a non-empty string", owner=owner)
        if not isinstance(description, str):
            raise SchemaError("description", description, "must be a string", owner=owner)
        if parameters is not None and args is not None:
            raise SchemaError("args", rule="give parameters= or args=, not both", owner=owner)
        declared = parameters if parameters is not None else (args if args is not None else [])
        check_async("script", script, "async def script(context[, args])", owner=owner)
        assert script is not None  # checked just above; for the type checker
        self.id = target_id
        self.name = name
        self.description = description
        self.parameters = self._build_parameters(declared, owner)
        self.script = script
        self.migrations = migrations
        self.takes_args = _takes_args(script, owner)
        self.env_id: str | None = None

    @staticmethod
    def _build_parameters(declared: Any, owner: str) -> tuple[Parameter, ...]:
        if isinstance(declared, str | Mapping) or not isinstance(declared, Sequence):
            raise SchemaError("parameters", declared, "must be a list", owner=owner)
        built: list[Parameter] = []
        for index, item in enumerate(declared):
            raw_id = (
                item.get("_id", item.get("id"))
                if isinstance(item, Mapping)
                else getattr(item, "id", None)
            )
            where = (
                f"parameters.{raw_id}"
                if isinstance(raw_id, str) and raw_id
                else f"parameters[{index}]"
            )
            try:
                parameter = to_parameter(item)
            except SchemaError as exc:
                raise exc.within(owner, where) from None
            if any(p.id == parameter.id for p in built):
                raise SchemaError(where, rule="duplicate parameter id", owner=owner)
            built.append(parameter)
        ids = {p.id for p in built}
        for parameter in built:
            for dep in parameter.dependencies:
                if dep.dependent_id not in ids:
                    raise SchemaError(
                        f"parameters.{parameter.id}.dependencies",
                        dep.encode(),
                        f"refers to unknown parameter '{dep.dependent_id}'"
                        f" (parameters: {', '.join(sorted(ids))})",
                        owner=owner,
                    )
        return tuple(built)

    def assign_env(self, env_id: str) -> None:
        """Set the environment id (the loader does this once)."""
        if self.env_id is not None and self.env_id != env_id:
            raise SchemaError(
                "env_id",
                env_id,
                f"is already assigned ({self.env_id!r})",
                owner=f"target '{self.id}'",
            )
        self.env_id = env_id

    def parameter(self, parameter_id: str) -> Parameter | None:
        """The parameter with that id, or ``None``."""
        return next((p for p in self.parameters if p.id == parameter_id), None)

    def resolve_arguments(self, given: Mapping[str, Any]) -> dict[str, Any]:
        """The arguments the script receives for ``given`` values (see `resolve_arguments`)."""
        return resolve_arguments(self.parameters, given, target_id=self.id)

    def plan_arguments(self, given: Mapping[str, Any]) -> PlannedArguments:
        """Phase one for ``given`` values: checked now, bound when the script starts."""
        return plan_arguments(self.parameters, given, target_id=self.id)

    async def run(self, context: Any, args: Mapping[str, Any]) -> None:
        """Call the script with ``context`` (and ``args`` when it takes them); result ignored."""
        if self.takes_args:
            await self.script(context, dict(args))
        else:
            await self.script(context)

    def __repr__(self) -> str:
        return f"TargetSchema(id={self.id!r}, name={self.name!r}, env_id={self.env_id!r})"
