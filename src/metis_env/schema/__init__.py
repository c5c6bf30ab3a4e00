"""What environment authors declare: environments, targets, parameters, dependencies."""

from metis_env.schema.arguments import (
    BoundArguments,
    PlannedArguments,
    dependencies_met,
    parse_cli_args,
    parse_cli_value,
    plan_arguments,
    resolve_arguments,
)
from metis_env.schema.component_parameter import (
    COMPONENT_TYPES,
    MissionComponentParameter,
    component_ref,
)
from metis_env.schema.declarations import (
    PARAMETER_TYPES,
    option_from_dict,
    parameter_from_dict,
    to_parameter,
)
from metis_env.schema.dependencies import (
    CONDITIONS,
    TargetDependency,
    js_strict_equals,
    js_truthy,
)
from metis_env.schema.environment import (
    HOOK_EVENTS,
    HookEvent,
    HookFn,
    TargetEnvSchema,
    check_async,
)
from metis_env.schema.errors import ArgumentError, SchemaError
from metis_env.schema.parameter_base import REQUIRED_DEFAULT_KEYS, RequiredDefaultParameter
from metis_env.schema.parameters import (
    BOOLEAN_WORDS,
    COMMON_KEYS,
    PARAMETER_KINDS,
    BooleanParameter,
    DropdownOption,
    DropdownParameter,
    LargeStringParameter,
    NumberParameter,
    Parameter,
    StringParameter,
)
from metis_env.schema.target import ScriptFn, TargetSchema

__all__ = [
    "BOOLEAN_WORDS",
    "COMMON_KEYS",
    "COMPONENT_TYPES",
    "CONDITIONS",
    "HOOK_EVENTS",
    "PARAMETER_KINDS",
    "PARAMETER_TYPES",
    "REQUIRED_DEFAULT_KEYS",
    "ArgumentError",
    "BooleanParameter",
    "BoundArguments",
    "DropdownOption",
    "DropdownParameter",
    "HookEvent",
    "HookFn",
    "LargeStringParameter",
    "MissionComponentParameter",
    "NumberParameter",
    "Parameter",
    "PlannedArguments",
    "RequiredDefaultParameter",
    "SchemaError",
    "ScriptFn",
    "StringParameter",
    "TargetDependency",
    "TargetEnvSchema",
    "TargetSchema",
    "check_async",
    "component_ref",
    "dependencies_met",
    "js_strict_equals",
    "js_truthy",
    "option_from_dict",
    "parameter_from_dict",
    "parse_cli_args",
    "parse_cli_value",
    "plan_arguments",
    "resolve_arguments",
    "to_parameter",
]
