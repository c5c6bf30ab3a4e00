"""What environment authors declare: environments, targets, parameters, dependencies."""

from metis_env.schema.arguments import (
    dependencies_met,
    parse_cli_args,
    parse_cli_value,
    resolve_arguments,
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
from metis_env.schema.parameters import (
    BOOLEAN_WORDS,
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
    "CONDITIONS",
    "HOOK_EVENTS",
    "PARAMETER_TYPES",
    "ArgumentError",
    "BooleanParameter",
    "DropdownOption",
    "DropdownParameter",
    "HookEvent",
    "HookFn",
    "LargeStringParameter",
    "NumberParameter",
    "Parameter",
    "SchemaError",
    "ScriptFn",
    "StringParameter",
    "TargetDependency",
    "TargetEnvSchema",
    "TargetSchema",
    "check_async",
    "dependencies_met",
    "js_strict_equals",
    "js_truthy",
    "option_from_dict",
    "parameter_from_dict",
    "parse_cli_args",
    "parse_cli_value",
    "resolve_arguments",
    "to_parameter",
]
