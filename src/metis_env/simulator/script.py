"""Simulator scripts: a Python file that builds a `Simulator` and declares its handlers.

`load_script` runs the file as a fresh module each time it is called (so every call gets a
fresh simulator, with fresh one-shot handlers) and returns the module's `Simulator`: the
only instance at its top level, or, when there are several, the one named ``sim`` (else
``simulator``). ``docs/simulator.md`` has a complete script.
"""

from __future__ import annotations

import importlib.util
import itertools
import os
import sys
from pathlib import Path

from metis_env.api.errors import ConfigError
from metis_env.simulator.server import Simulator

__all__ = ["load_script"]

_numbers = itertools.count(1)  # module names stay unique across loads


def load_script(path: str | os.PathLike[str]) -> Simulator:
    """Run the simulator script at ``path`` and return its `Simulator` (not started).

    Raises:
        ConfigError: the file does not exist or is not a ``.py`` file; running it raised
            (the rule names the exception and its message; ``SystemExit`` included); or it
            defines no `Simulator` at top level, or several and none named ``sim`` or
            ``simulator``.
    """
    file = Path(path)
    if not file.is_file() or file.suffix != ".py":
        raise ConfigError("script", str(path), "must be an existing Python file (.py)")
    name = f"_metis_env_sim_script_{next(_numbers)}"
    spec = importlib.util.spec_from_file_location(name, file)
    if spec is None or spec.loader is None:
        raise ConfigError("script", str(path), "must be a Python file importlib can load")
    module = importlib.util.module_from_spec(spec)
    sys.modules[name] = module  # dataclasses and pickling look the module up by name
    try:
        spec.loader.exec_module(module)
    except (Exception, SystemExit) as exc:
        sys.modules.pop(name, None)
        rule = f"must run without error, but raised {type(exc).__name__}: {exc}"
        raise ConfigError("script", str(path), rule) from exc
    found = list({id(v): v for v in vars(module).values() if isinstance(v, Simulator)}.values())
    if len(found) == 1:
        return found[0]
    for preferred in ("sim", "simulator"):
        candidate = getattr(module, preferred, None)
        if isinstance(candidate, Simulator):
            return candidate
    what = "none" if not found else f"{len(found)}, none named 'sim' or 'simulator'"
    rule = f"must define one Simulator at top level (e.g. sim = Simulator()); found {what}"
    raise ConfigError("script", str(path), rule)
