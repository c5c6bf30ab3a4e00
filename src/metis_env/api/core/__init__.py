"""The client's sans-I/O core: connection state, inputs in, actions out; no asyncio."""

from metis_env.api.core.machine import ClientCore
from metis_env.api.core.policy import GiveUp, ReconnectPolicy, Retry

__all__ = ["ClientCore", "GiveUp", "ReconnectPolicy", "Retry"]
