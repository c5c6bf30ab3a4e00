"""Parameter kinds: declarations, argument resolution, CLI parsing, dependencies."""

from __future__ import annotations

import re
from typing import Any

import pytest

from metis_env.api.errors import ConfigError
from metis_env.schema import (
    ArgumentError,
    BooleanParameter,
    DropdownOption,
    DropdownParameter,
    NumberParameter,
    SchemaError,
    StringParameter,
    TargetDependency,
    parameter_from_dict,
    parse_cli_args,
    parse_cli_value,
    resolve_arguments,
)


def _num(**kw: Any) -> NumberParameter:
    return NumberParameter(id="n", name="N", **kw)


def _mode(required: bool = True) -> DropdownParameter:
    options = [
        DropdownOption(id="fast", name="Fast", value=10),
        DropdownOption(id="slow", name="Slow", value={"delay": 500}),
    ]
    return DropdownParameter(
        id="mode",
        name="Mode",
        options=options,
        required=required,
        default="fast" if required else None,
    )


def test_seed_dict_declaration() -> None:
    """The seed's {_id, name, type, required, default} dicts build parameters that resolve."""
    duration = parameter_from_dict(
        {"_id": "duration", "name": "Duration", "type": "number", "required": True, "default": 60}
    )
    command = parameter_from_dict(
        {"_id": "command", "name": "Command", "type": "text", "required": True, "default": "ls"}
    )
    wait = parameter_from_dict(
        {"_id": "waitForResponse", "name": "Wait", "type": "boolean", "default": True}
    )
    assert resolve_arguments([duration, command, wait], {}) == {
        "duration": 60,
        "command": "ls",
        "waitForResponse": True,
    }


def test_dict_declaration_kinds() -> None:
    """Each 'type' value builds its class, camelCase and snake_case keys both work."""
    built = [
        parameter_from_dict({"_id": "a", "name": "A", "type": "number", "integersOnly": True}),
        parameter_from_dict({"_id": "b", "name": "B", "type": "number", "integers_only": True}),
        parameter_from_dict({"_id": "c", "name": "C", "type": "text"}),
        parameter_from_dict({"_id": "d", "name": "D", "type": "large-string"}),
        parameter_from_dict({"_id": "e", "name": "E", "type": "boolean", "default": True}),
    ]
    assert [type(p).__name__ for p in built] == [
        "NumberParameter",
        "NumberParameter",
        "StringParameter",
        "LargeStringParameter",
        "BooleanParameter",
    ]
    assert built[0].integers_only and built[1].integers_only  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    ("declaration", "message"),
    [
        (
            {"_id": "x", "name": "X", "type": "numbr"},
            "type: must be one of string, text, large-string, number",
        ),
        (
            {"_id": "x", "name": "X", "type": "number", "required": True},
            "default: is required when required=True",
        ),
        (
            {"_id": "x", "name": "X", "type": "number", "min": 5, "max": 1},
            "min: must not be greater than max (1) (got 5)",
        ),
        (
            {"_id": "x", "name": "X", "type": "number", "max": 3, "required": True, "default": 9},
            "default: must be at most 3 (got 9)",
        ),
        (
            {"_id": "x", "name": "X", "type": "number", "mni": 1},
            "mni: is not a key of a number parameter",
        ),
        (
            {"_id": "x", "name": "X", "type": "string", "pattern": "("},
            "pattern: is not a valid regular expression",
        ),
        (
            {"_id": "x", "name": "X", "type": "dropdown", "options": []},
            "options: must be a non-empty list of options",
        ),
        ({"_id": "x", "type": "boolean"}, "name: is missing"),
        ({"name": "X", "type": "boolean"}, "_id: is missing"),
        (
            {
                "_id": "x",
                "name": "X",
                "type": "dropdown",
                "required": True,
                "default": "zz",
                "options": [{"_id": "a", "name": "A", "value": 1}],
            },
            "default: must be an option id (a) (got 'zz')",
        ),
    ],
)
def test_bad_declarations_name_the_key_and_rule(declaration: dict[str, Any], message: str) -> None:
    """A bad declaration raises SchemaError naming the key and the rule."""
    with pytest.raises(SchemaError) as info:
        parameter_from_dict(declaration)
    assert message in str(info.value)
    assert isinstance(info.value, ConfigError)


def test_resolution_defaults_per_kind() -> None:
    """Blank arguments follow the original's start values and required-default rules."""
    params = [
        NumberParameter(id="req", name="R", required=True, default=60),
        NumberParameter(id="opt", name="O", default=5),  # a default on an optional is ignored
        StringParameter(id="s", name="S", required=True, default="hello"),
        StringParameter(id="t", name="T"),
        BooleanParameter(id="b", name="B", default=True),
        BooleanParameter(id="c", name="C"),
        _mode(required=True),
        DropdownParameter(
            id="d2", name="D2", options=[DropdownOption(id="a", name="A", value="va")]
        ),
    ]
    assert resolve_arguments(params, {}) == {
        "req": 60,
        "opt": None,
        "s": "hello",
        "t": "",
        "b": True,
        "c": False,
        "mode": 10,
        "d2": None,
    }


def test_resolution_given_values_and_dropdown_value() -> None:
    """Given values pass through; a dropdown gives the chosen option's value (by id or name)."""
    params = [_num(), StringParameter(id="s", name="S", required=True, default="d"), _mode()]
    assert resolve_arguments(params, {"n": 2.5, "s": "", "mode": "slow"}) == {
        "n": 2.5,
        "s": "d",
        "mode": {"delay": 500},
    }
    assert resolve_arguments(params, {"mode": "Slow"})["mode"] == {"delay": 500}


@pytest.mark.parametrize(
    ("parameter", "value", "message"),
    [
        (_num(min=1), 0, "argument 'n' of target 't': must be at least 1 (got 0)"),
        (_num(max=10), 11, "argument 'n' of target 't': must be at most 10 (got 11)"),
        (
            _num(integers_only=True),
            1.5,
            "argument 'n' of target 't': must be a whole number (integersOnly) (got 1.5)",
        ),
        (_num(), "5", "argument 'n' of target 't': must be a number (got '5')"),
        (_num(), True, "argument 'n' of target 't': must be a number (got True)"),
        (
            StringParameter(id="host", name="H", pattern=r"^[a-z]+$"),
            "Bad1",
            "argument 'host' of target 't': must match the pattern /^[a-z]+$/ (got 'Bad1')",
        ),
        (
            BooleanParameter(id="b", name="B"),
            "yes",
            "argument 'b' of target 't': must be true or false (got 'yes')",
        ),
        (
            _mode(),
            "medium",
            "argument 'mode' of target 't': must be one of the options: fast, slow (got 'medium')",
        ),
    ],
)
def test_value_validation_messages(parameter: Any, value: Any, message: str) -> None:
    """A bad value raises ArgumentError with the exact message."""
    with pytest.raises(ArgumentError) as info:
        resolve_arguments([parameter], {parameter.id: value}, target_id="t")
    assert str(info.value) == message


def test_unknown_argument_name() -> None:
    """An argument naming no parameter is refused, listing the parameters."""
    with pytest.raises(ArgumentError) as info:
        resolve_arguments([_num()], {"x": 1}, target_id="t")
    assert (
        str(info.value)
        == "argument 'x' of target 't': is not a parameter of target 't' (parameters: n)"
    )


def test_parse_cli_value_per_kind() -> None:
    """CLI text converts per kind: numbers, booleans, dropdown id or name, strings as is."""
    flag = BooleanParameter(id="b", name="B")
    assert parse_cli_value(_num(), "5") == 5 and isinstance(parse_cli_value(_num(), "5"), int)
    assert parse_cli_value(_num(), "2.5") == 2.5
    assert parse_cli_value(_num(integers_only=True), "1e3") == 1000
    assert parse_cli_value(_num(), " ") is None
    assert [parse_cli_value(flag, t) for t in ("true", "FALSE", "1", "0", "yes", "No")] == [
        True,
        False,
        True,
        False,
        True,
        False,
    ]
    assert parse_cli_value(_mode(), "Slow") == "slow"
    assert parse_cli_value(StringParameter(id="s", name="S"), " a b ") == " a b "


@pytest.mark.parametrize(
    ("parameter", "text", "message"),
    [
        (_num(), "abc", "argument 'n': must be a number (got 'abc')"),
        (_num(), "nan", "argument 'n': must be a number (got nan)"),
        (_num(min=1, max=3), "4", "argument 'n': must be at most 3 (got 4)"),
        (
            _num(integers_only=True),
            "2.5",
            "argument 'n': must be a whole number (integersOnly) (got 2.5)",
        ),
        (
            BooleanParameter(id="b", name="B"),
            "maybe",
            "argument 'b': must be one of: true, false, 1, 0, yes, no (got 'maybe')",
        ),
        (_mode(), "x", "argument 'mode': must be one of the options: fast, slow (got 'x')"),
        (
            StringParameter(id="s", name="S", pattern="^a"),
            "b",
            "argument 's': must match the pattern /^a/ (got 'b')",
        ),
    ],
)
def test_parse_cli_value_errors(parameter: Any, text: str, message: str) -> None:
    """Bad CLI text raises ArgumentError with the exact message."""
    with pytest.raises(ArgumentError) as info:
        parse_cli_value(parameter, text)
    assert str(info.value) == message


def test_parse_cli_args_pairs() -> None:
    """NAME=VALUE items parse into a mapping; a missing '=' is refused."""
    assert parse_cli_args([_num(), _mode()], ["n=3", "mode=fast"]) == {"n": 3, "mode": "fast"}
    with pytest.raises(ArgumentError, match="must look like NAME=VALUE"):
        parse_cli_args([_num()], ["n3"], target_id="t")


def test_dependencies_met_and_unmet() -> None:
    """Unmet dependencies give None; met ones pass the value through."""
    params = [
        BooleanParameter(id="toggle", name="T"),
        StringParameter(id="detail", name="D", dependencies=[TargetDependency.TRUTHY("toggle")]),
        _mode(),
        NumberParameter(id="delay", name="Dl", dependencies=[TargetDependency.EQUALS("mode", 10)]),
        StringParameter(id="why", name="W", dependencies=[TargetDependency.REGEX("detail", r"^x")]),
    ]
    off = resolve_arguments(params, {"detail": "xyz", "delay": 3, "mode": "slow"})
    assert (off["detail"], off["delay"], off["why"]) == (None, None, None)
    on = resolve_arguments(params, {"toggle": True, "detail": "xyz", "delay": 3, "why": "because"})
    assert (on["detail"], on["delay"], on["why"]) == ("xyz", 3, "because")


def test_dependency_cycle_is_unmet() -> None:
    """Parameters depending on each other in a cycle both resolve to None."""
    params = [
        StringParameter(id="a", name="A", dependencies=[TargetDependency.NOT_EMPTY("b")]),
        StringParameter(id="b", name="B", dependencies=["NOT_EMPTY/a/[]"]),
        StringParameter(id="c", name="C"),
    ]
    assert resolve_arguments(params, {"a": "1", "b": "2", "c": "3"}) == {
        "a": None,
        "b": None,
        "c": "3",
    }


def test_dependency_conditions_follow_javascript() -> None:
    """Conditions use JS truthiness and strict equality; encode/decode round-trips."""
    dep = TargetDependency
    assert dep.TRUTHY("x").evaluate([]) and not dep.TRUTHY("x").evaluate(0)
    assert dep.FALSEY("x").evaluate("") and not dep.FALSEY("x").evaluate("0")
    assert not dep.EQUALS("x", 1).evaluate(True) and dep.EQUALS("x", 1).evaluate(1.0)
    assert dep.EQUALS_SOME("x", ["a", 2]).evaluate(2) and dep.NOT_EQUALS("x", "a").evaluate("b")
    assert not dep.NOT_EMPTY("x").evaluate("  ") and dep.NOT_EMPTY("x").evaluate(["a"])
    regex = dep.REGEX("x", re.compile("^ab", re.IGNORECASE))
    assert regex.encode() == 'REGEX/x/[{"type":"regex","source":"^ab","flags":"i"}]'
    assert dep.decode(regex.encode()) == regex and regex.evaluate("ABc") and not regex.evaluate(5)
    assert dep.decode('EQUALS/mode/["fast"]') == dep.EQUALS("mode", "fast")


def test_bad_dependency_declarations() -> None:
    """A '/' in the id, an unknown condition or malformed text fails with the rule."""
    with pytest.raises(SchemaError, match="must not contain '/'"):
        TargetDependency.TRUTHY("a/b")
    with pytest.raises(SchemaError, match="must be one of TRUTHY"):
        TargetDependency.decode("MAYBE/a/[]")
    with pytest.raises(SchemaError, match=r"dependencies\[0\]\.dependency: must look like"):
        StringParameter(id="s", name="S", dependencies=["nonsense"])
