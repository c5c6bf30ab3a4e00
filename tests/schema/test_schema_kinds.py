"""Parameter kinds describe themselves (type, aliases, keys; one place to add a kind), and
arguments resolve in two phases: validated when planned, bound when the script starts."""

from __future__ import annotations

from collections.abc import Iterator, Mapping
from typing import Any, ClassVar

import pytest

from metis_env.schema import (
    COMMON_KEYS,
    PARAMETER_KINDS,
    PARAMETER_TYPES,
    ArgumentError,
    BooleanParameter,
    DropdownParameter,
    LargeStringParameter,
    MissionComponentParameter,
    NumberParameter,
    Parameter,
    SchemaError,
    StringParameter,
    TargetDependency,
    TargetSchema,
    parameter_from_dict,
    plan_arguments,
    resolve_arguments,
)


def test_every_kind_registers_its_type_and_aliases() -> None:
    """The registry is filled by the classes themselves; declarations read it."""
    assert {name: cls for name, cls in PARAMETER_KINDS.items()} == {
        "string": StringParameter,
        "text": StringParameter,
        "large-string": LargeStringParameter,
        "number": NumberParameter,
        "boolean": BooleanParameter,
        "dropdown": DropdownParameter,
        "mission-component": MissionComponentParameter,
    }
    assert PARAMETER_TYPES is PARAMETER_KINDS


def test_each_kind_declares_its_keys() -> None:
    """declaration_keys = the common keys + the kind's own, in both spellings."""
    number = NumberParameter.declaration_keys()
    assert set(number) == set(COMMON_KEYS) | {
        "required",
        "default",
        "min",
        "max",
        "unit",
        "integersOnly",
        "integers_only",
    }
    assert set(DropdownParameter.declaration_keys()) - set(COMMON_KEYS) == {
        "required",
        "default",
        "options",
    }
    with pytest.raises(SchemaError, match=r"known keys: .*integersOnly"):
        parameter_from_dict({"_id": "n", "name": "N", "type": "number", "integerOnly": True})


@pytest.fixture
def percent_kind() -> Iterator[None]:
    """Keep the registry as it was after the test."""
    yield
    PARAMETER_KINDS.pop("percent", None)


def test_one_class_adds_a_kind(percent_kind: None) -> None:
    """Writing one class adds a kind: it registers itself and is usable from declarations
    and in both phases."""

    class _Percent(Parameter):
        """A kind added by writing one class (a test of the extension point)."""

        type = "percent"
        keys: ClassVar[Mapping[str, str]] = {"rounded": "rounded"}

        def __init__(self, *, rounded: bool = False, **common: Any) -> None:
            super().__init__(**common)
            self.rounded = rounded

        def validate(self, value: Any) -> Any:
            if not isinstance(value, int | float) or not 0 <= value <= 100:
                raise self.fail(value, "must be a number from 0 to 100")
            return round(value) if self.rounded else value

        def bind(self, stored: Any = None) -> Any:
            return 0 if stored is None else stored / 100

    assert PARAMETER_KINDS["percent"] is _Percent
    parameter = parameter_from_dict({"_id": "p", "name": "P", "type": "percent", "rounded": True})
    assert isinstance(parameter, _Percent) and parameter.rounded is True
    assert resolve_arguments([parameter], {"p": 41.6}) == {"p": 0.42}
    with pytest.raises(ArgumentError, match="must be a number from 0 to 100"):
        plan_arguments([parameter], {"p": 101})


def _parameters() -> list[Parameter]:
    target = TargetSchema(
        id="t",
        name="T",
        parameters=[
            {
                "_id": "mode",
                "name": "Mode",
                "type": "dropdown",
                "required": True,
                "default": "a",
                "options": [
                    {"_id": "a", "name": "Alpha", "value": "alpha"},
                    {"_id": "b", "name": "Beta", "value": 2},
                ],
            },
            {
                "_id": "detail",
                "name": "Detail",
                "type": "string",
                "dependencies": [TargetDependency.EQUALS("mode", 2)],
            },
            {"_id": "n", "name": "N", "type": "number", "required": True, "default": 7},
        ],
        script=_noop,
    )
    return list(target.parameters)


async def _noop(context: Any) -> None:
    return None


def test_phase_one_validates_and_stores_phase_two_binds() -> None:
    """plan: names and values checked, the stored form kept (a dropdown stores the option
    id); bind: defaults, option values, dependencies."""
    planned = plan_arguments(_parameters(), {"mode": "Beta", "detail": "x"}, target_id="t")
    assert planned.stored == {"mode": "b", "detail": "x"}
    assert planned.bind().values == {"mode": 2, "detail": "x", "n": 7}
    assert planned.value("detail") == "x" and planned.value("nope") is None
    unmet = plan_arguments(_parameters(), {"detail": "x"})
    assert unmet.bind().values == {"mode": "alpha", "detail": None, "n": 7}
    assert unmet.value("detail") is None
    with pytest.raises(ArgumentError, match="argument 'mode' of target 't': must be one of"):
        plan_arguments(_parameters(), {"mode": "gamma"}, target_id="t")
    with pytest.raises(ArgumentError, match="is not a parameter"):
        plan_arguments(_parameters(), {"zzz": 1}, target_id="t")


def test_resolve_is_both_phases() -> None:
    """resolve_arguments and Parameter.resolve equal plan + bind."""
    params = _parameters()
    given = {"mode": "b", "detail": "d"}
    assert resolve_arguments(params, given) == plan_arguments(params, given).bind().values
    assert params[0].resolve("a", given=True) == "alpha"
    assert params[2].resolve() == 7
