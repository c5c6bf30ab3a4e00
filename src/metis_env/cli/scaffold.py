"""``metis-env init ROOT ENV``: a new environment that checks clean and passes its own test.

It writes, and never overwrites:

* ``ROOT/ENV/schema.py``: the environment (name, description, version);
* ``ROOT/ENV/targets/send-command/schema.py``: one target with a parameter, which connects
  with the selected config, sends a command and reports the correlated answer;
* ``ROOT/ENV/configs.json``: a ``simulator`` config pointing at ``metis-env serve --script``;
* ``ROOT/ENV/simulator.py``: a simulator script that plays your system (edit it as you
  learn the real protocol);
* ``ROOT/tests/test_<env>.py``: a pytest test of the target against that script, with the
  plugin's fixtures (``pip install metis-env[testing]``).
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

from rich.console import Group, RenderableType
from rich.text import Text

from metis_env.api.errors import ConfigError
from metis_env.runtime import ENV_ID_PATTERN

__all__ = ["InitReport", "scaffold"]

SCHEMA = '''"""{title}: a target environment made by `metis-env init`."""

from __future__ import annotations

from metis_env.schema import TargetEnvSchema

environment = TargetEnvSchema(
    name="{title}",
    description="Talks to {title} over WebSocket (edit me).",
    version="0.1.0",
)
'''

TARGET = '''"""Send a command to the system and report its answer."""

from __future__ import annotations

from typing import Any

from metis_env.api import WebSocketApi
from metis_env.schema import StringParameter, TargetSchema


async def script(context: Any, args: dict[str, Any]) -> None:
    config = context.config.target_env_config
    if config is None:
        raise RuntimeError("No configuration selected: run with --config simulator")
    async with WebSocketApi.from_config(config.data) as ws:
        reply = await ws.request(
            {{"type": "command", "command": args["command"]}}, correlation="id", timeout=5000
        )
    context.send_output(f"{{args['command']}}: {{reply.get('result')}}")


target = TargetSchema(
    id="send-command",
    name="Send a command",
    description="Sends one command and reports the answer.",
    script=script,
    parameters=[
        StringParameter(id="command", name="Command", required=True, default="status"),
    ],
)
'''

SIMULATOR = '''"""A simulator of {title}: `metis-env serve --script {env}/simulator.py`, and tests.

Each handler answers one message type; see docs/simulator.md for streams, closes, drops and
header checks.
"""

from __future__ import annotations

from metis_env.simulator import Simulator

sim = Simulator(seed_protocol=False)


@sim.on("command")
def command(ctx):
    """Answer every command, echoing its id so the client can match the reply."""
    message = ctx.message
    ctx.reply({{"type": "command-response", "id": message.get("id"), "result": "ok"}})
'''

TEST = '''"""Tests of {env}: its target against its simulator script (made by `metis-env init`)."""

from __future__ import annotations

from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]


@pytest.mark.asyncio
async def test_send_command_reports_the_answer(metis_simulator_script, metis_run):
    sim = await metis_simulator_script(ROOT / "{env}" / "simulator.py")
    result = await metis_run(
        ROOT,
        "{env}",
        "send-command",
        config="simulator",
        overrides=sim.config(),
        args={{"command": "status"}},
    )
    assert result.ok, result.error
    assert [output.message for output in result.outputs] == ["status: ok"]
'''


@dataclass
class InitReport:
    """What ``init`` wrote."""

    root: Path
    env_id: str
    files: list[str] = field(default_factory=list)

    def __rich__(self) -> RenderableType:
        lines: list[RenderableType] = [Text(f"created {self.env_id} in {self.root}:")]
        lines.extend(Text(f"  {name}", style="cyan") for name in self.files)
        lines.append(
            Text(
                f"next: metis-env check {self.root} · "
                f"metis-env serve --script {self.root / self.env_id / 'simulator.py'} · "
                f"metis-env run {self.root} {self.env_id} send-command -c simulator · "
                f"pytest {self.root / 'tests'}",
                style="dim",
            )
        )
        return Group(*lines)

    def json_lines(self) -> list[dict[str, object]]:
        """One ``init`` object."""
        return [{"type": "init", "root": str(self.root), "env": self.env_id, "files": self.files}]


def scaffold(root: Path, env_id: str) -> InitReport:
    """Write a new environment ``env_id`` under ``root`` (see the module docstring).

    Raises:
        ConfigError: ``env_id`` is not a valid folder name (METIS's rule), or a file it
            would write already exists (nothing is written then).
    """
    if not ENV_ID_PATTERN.match(env_id):
        raise ConfigError(
            "ENV",
            env_id,
            "must be lowercase letters, digits and single hyphens, at least 3 characters, "
            "starting and ending with a letter or digit (METIS's folder rule)",
        )
    title = env_id.replace("-", " ").title()
    test_name = f"test_{env_id.replace('-', '_')}.py"
    files = {
        f"{env_id}/schema.py": SCHEMA.format(title=title),
        f"{env_id}/targets/send-command/schema.py": TARGET.format(),
        f"{env_id}/simulator.py": SIMULATOR.format(title=title, env=env_id),
        f"{env_id}/configs.json": json.dumps(
            [
                {
                    "_id": "simulator",
                    "name": "Local simulator",
                    "description": f"metis-env serve --script {env_id}/simulator.py",
                    "data": {
                        "protocol": "ws",
                        "host": "127.0.0.1",
                        "port": 8765,
                        "autoReconnect": False,
                    },
                }
            ],
            indent=2,
        )
        + "\n",
        f"tests/{test_name}": TEST.format(env=env_id),
    }
    existing = [name for name in files if (root / name).exists()]
    if (root / env_id).exists():
        existing.insert(0, f"{env_id}/")
    if existing:
        raise ConfigError(
            "ENV", env_id, f"would overwrite {', '.join(existing)} in {root}; pick another name"
        )
    for name, text in files.items():
        path = root / name
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_text(text, encoding="utf-8")
    return InitReport(root, env_id, list(files))
