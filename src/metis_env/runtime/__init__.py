"""What runs target environments: loading, configs, hosts, contexts, sessions, events."""

from metis_env.runtime.clients import (
    SessionClients,
    client_stats,
)
from metis_env.runtime.configs import (
    CONFIGS_FILE,
    ConfigsLoad,
    MissingEnvVarError,
    TargetEnvConfig,
    find_config,
    load_configs,
    resolve_env_refs,
)
from metis_env.runtime.context import (
    ContextConfig,
    EnvHookContext,
    TargetScriptContext,
)
from metis_env.runtime.events import (
    ClientEvent,
    ClientEventKind,
    EventSink,
    MissionChangeRecord,
    SessionEvent,
    TaskEvent,
    client_event_listeners,
    emit_safely,
)
from metis_env.runtime.host import (
    ContextHost,
    EffectInfo,
    EnvironmentInfo,
    OutdatedContextError,
    SessionInfo,
    StoreScope,
    TargetInfo,
    trigger_type,
)
from metis_env.runtime.loader import (
    ENV_ID_PATTERN,
    PACKAGE_ROOT,
    EnvironmentNotFoundError,
    LoadedEnvironment,
    LoadReport,
    NotFoundError,
    TargetNotFoundError,
    load_environment,
    load_environments,
)
from metis_env.runtime.local import (
    REALM,
    Force,
    LocalHost,
    Mission,
    MissionChangeError,
)
from metis_env.runtime.problems import (
    Problem,
    ProblemList,
    Severity,
)
from metis_env.runtime.records import (
    OutputRecord,
    OutputSource,
    SessionResult,
    SessionStatus,
    TaskKind,
    TaskRecord,
    TaskStatus,
)
from metis_env.runtime.runner import (
    ConfigNotFoundError,
    prepare_target,
    run_target,
)
from metis_env.runtime.session import (
    EffectRequest,
    OutputSink,
    Session,
)
from metis_env.runtime.shutdown import (
    abandoned_at_exit,
    run_bounded,
)
from metis_env.runtime.state import (
    LIVE_STATES,
    TRANSITIONS,
    SessionState,
    SessionStateError,
    check_transition,
)
from metis_env.runtime.stores import (
    SessionStores,
    StoreState,
    TargetEnvStore,
)
from metis_env.runtime.tasks import (
    HookBatch,
    TaskRunner,
    abandoned_text,
)

__all__ = [
    "CONFIGS_FILE",
    "ENV_ID_PATTERN",
    "LIVE_STATES",
    "PACKAGE_ROOT",
    "REALM",
    "TRANSITIONS",
    "ClientEvent",
    "ClientEventKind",
    "ConfigNotFoundError",
    "ConfigsLoad",
    "ContextConfig",
    "ContextHost",
    "EffectInfo",
    "EffectRequest",
    "EnvHookContext",
    "EnvironmentInfo",
    "EnvironmentNotFoundError",
    "EventSink",
    "Force",
    "HookBatch",
    "LoadReport",
    "LoadedEnvironment",
    "LocalHost",
    "MissingEnvVarError",
    "Mission",
    "MissionChangeError",
    "MissionChangeRecord",
    "NotFoundError",
    "OutdatedContextError",
    "OutputRecord",
    "OutputSink",
    "OutputSource",
    "Problem",
    "ProblemList",
    "Session",
    "SessionClients",
    "SessionEvent",
    "SessionInfo",
    "SessionResult",
    "SessionState",
    "SessionStateError",
    "SessionStatus",
    "SessionStores",
    "Severity",
    "StoreScope",
    "StoreState",
    "TargetEnvConfig",
    "TargetEnvStore",
    "TargetInfo",
    "TargetNotFoundError",
    "TargetScriptContext",
    "TaskEvent",
    "TaskKind",
    "TaskRecord",
    "TaskRunner",
    "TaskStatus",
    "abandoned_at_exit",
    "abandoned_text",
    "check_transition",
    "client_event_listeners",
    "client_stats",
    "emit_safely",
    "find_config",
    "load_configs",
    "load_environment",
    "load_environments",
    "prepare_target",
    "resolve_env_refs",
    "run_bounded",
    "run_target",
    "trigger_type",
]
