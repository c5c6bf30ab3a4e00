"""TargetEnvSchema hooks and TargetSchema declarations."""

from __future__ import annotations

from typing import Any

import pytest

from metis_env.schema import NumberParameter, SchemaError, TargetEnvSchema, TargetSchema


async def _one(context: Any) -> None:
    """A script taking only the context."""


async def _two(context: Any, args: dict[str, Any]) -> None:
    """A script taking the context and the arguments."""


def test_hooks_kept_in_order_per_event() -> None:
    """Several hooks per event are kept in registration order; the decorator form works."""
    env = TargetEnvSchema("Env", "d", "1.2.3", multi_realm_support=True)

    async def a1(context: Any) -> None: ...

    async def a2(context: Any) -> None: ...

    env.on("environment-setup", a1)

    @env.on("environment-teardown")
    async def t1(context: Any) -> None: ...

    env.on("environment-setup", a2)
    assert env.hooks("environment-setup") == (a1, a2)
    assert env.hooks("environment-teardown") == (t1,)
    assert env.multi_realm_support and env.id is None


def test_bad_hook_declarations() -> None:
    """An unknown event or a non-async hook is refused with the rule."""
    env = TargetEnvSchema("Env")
    with pytest.raises(
        SchemaError, match="event: must be one of environment-setup, environment-teardown"
    ):
        env.on("session-start", _one)  # type: ignore[call-overload]

    def sync_hook(context: Any) -> None: ...

    with pytest.raises(SchemaError, match="sync_hook must be declared with 'async def'"):
        env.on("environment-setup", sync_hook)  # type: ignore[arg-type]


def test_env_id_assigned_once() -> None:
    """The id is assigned by the loader; a different second id is refused."""
    env = TargetEnvSchema("Env")
    env.assign_id("my-env")
    env.assign_id("my-env")
    with pytest.raises(SchemaError, match="already assigned"):
        env.assign_id("other")


def test_target_seed_spelling_and_signature_detection() -> None:
    """_id= and args= are accepted; the script's signature decides whether args are passed."""
    seed = TargetSchema(
        _id="t", name="T", args=[{"_id": "n", "name": "N", "type": "number"}], script=_one
    )
    plain = TargetSchema("u", "U", "desc", [NumberParameter(id="n", name="N")], _two)
    assert (seed.id, [p.id for p in seed.parameters], seed.takes_args) == ("t", ["n"], False)
    assert (plain.id, plain.description, plain.takes_args) == ("u", "desc", True)


async def test_target_run_passes_args_only_when_wanted() -> None:
    """run() calls script(context) or script(context, args) per its signature."""
    seen: list[Any] = []

    async def one(context: Any) -> None:
        seen.append(("one", context))

    async def two(context: Any, args: dict[str, Any]) -> None:
        seen.append(("two", context, args))

    await TargetSchema("a", "A", script=one).run("ctx", {"x": 1})
    await TargetSchema("b", "B", script=two).run("ctx", {"x": 1})
    assert seen == [("one", "ctx"), ("two", "ctx", {"x": 1})]


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"name": "T", "script": _one}, "target: id: must be a non-empty string (got None)"),
        ({"id": "t", "script": _one}, "target 't': name: must be a non-empty string (got None)"),
        ({"id": "t", "name": "T"}, "target 't': script: must be an async function"),
        (
            {
                "id": "t",
                "name": "T",
                "script": _one,
                "parameters": [{"_id": "d", "name": "D", "type": "number", "min": 9, "max": 1}],
            },
            "target 't': parameters.d.min: must not be greater than max (1) (got 9)",
        ),
        (
            {
                "id": "t",
                "name": "T",
                "script": _one,
                "parameters": [{"name": "D", "type": "number"}],
            },
            "target 't': parameters[0]._id: is missing",
        ),
        (
            {
                "id": "t",
                "name": "T",
                "script": _one,
                "parameters": [
                    {"_id": "a", "name": "A", "type": "text", "dependencies": ["TRUTHY/zz/[]"]}
                ],
            },
            "target 't': parameters.a.dependencies: refers to unknown parameter 'zz'",
        ),
        (
            {
                "id": "t",
                "name": "T",
                "script": _one,
                "parameters": [{"_id": "a", "name": "A", "type": "text"}] * 2,
            },
            "target 't': parameters.a: duplicate parameter id",
        ),
    ],
)
def test_bad_target_declarations_name_target_and_rule(kwargs: dict[str, Any], message: str) -> None:
    """A bad target declaration names the target, the key and the rule."""
    with pytest.raises(SchemaError) as info:
        TargetSchema(**kwargs)
    assert str(info.value).startswith(message)


def test_script_must_take_context() -> None:
    """A script taking no argument (or more than two required) is refused."""

    async def none() -> None: ...

    async def three(a: Any, b: Any, c: Any) -> None: ...

    with pytest.raises(SchemaError, match="must take the context"):
        TargetSchema("t", "T", script=none)
    with pytest.raises(SchemaError, match="at most two arguments"):
        TargetSchema("t", "T", script=three)
