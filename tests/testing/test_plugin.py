"""The pytest plugin, used as an author would: a test file run by pytest in a subprocess."""

from __future__ import annotations

import re
import shutil
from pathlib import Path

import pytest

from metis_env.cli import find_examples_root

pytest_plugins = ["pytester"]

REPO = Path(__file__).resolve().parents[2]
DOC = REPO / "docs" / "testing.md"
EXAMPLE = find_examples_root() / "websocket-example"


def doc_test_file() -> str:
    """The complete test of docs/testing.md, as written there."""
    blocks = re.findall(r"```python\n(.*?)```", DOC.read_text(encoding="utf-8"), re.S)
    return next(b for b in blocks if "def test_" in b)


def test_the_documented_test_passes_against_the_bundled_example(
    pytester: pytest.Pytester,
) -> None:
    """docs/testing.md's complete test runs green, fixtures found through the entry point."""
    shutil.copytree(EXAMPLE, pytester.path / "environments" / "websocket-example")
    (pytester.path / "tests").mkdir()
    (pytester.path / "tests" / "test_targets.py").write_text(doc_test_file(), encoding="utf-8")
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "tests")
    result.assert_outcomes(passed=2)


def test_a_failing_expectation_fails_the_authors_test(pytester: pytest.Pytester) -> None:
    """The fixtures do not hide failures: a wrong expectation about the outputs fails."""
    shutil.copytree(EXAMPLE, pytester.path / "environments" / "websocket-example")
    wrong = doc_test_file().replace(
        'message.startswith("Received:")', 'message.startswith("Nothing like this")'
    )
    (pytester.path / "test_wrong.py").write_text(
        wrong.replace(
            'Path(__file__).parent.parent / "environments"',
            'Path(__file__).parent / "environments"',
        ),
        encoding="utf-8",
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", "test_wrong.py")
    result.assert_outcomes(passed=1, failed=1)


def test_config_points_at_the_simulator_and_keeps_overrides() -> None:
    """SimulatorHandle.config: protocol, host and port of the simulator, overrides merged."""
    from metis_env.simulator import Simulator
    from metis_env.testing import SimulatorHandle

    sim = Simulator(port=0)
    sim.port = 4321
    handle = SimulatorHandle(sim)
    assert handle.config(autoReconnect=False) == {
        "protocol": "ws",
        "host": "127.0.0.1",
        "port": 4321,
        "autoReconnect": False,
    }
    assert handle.url == "ws://127.0.0.1:4321"


def test_unknown_target_raises_config_error_like_exit_2(pytester: pytest.Pytester) -> None:
    """metis_run raises what the CLI reports with exit code 2."""
    shutil.copytree(EXAMPLE, pytester.path / "environments" / "websocket-example")
    pytester.makepyfile(
        test_bad="""
        import pytest
        from metis_env.api import ConfigError

        @pytest.mark.asyncio
        async def test_unknown(metis_run):
            with pytest.raises(ConfigError, match="no-such-target"):
                await metis_run("environments", "websocket-example", "no-such-target")
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)


SIM_SCRIPT = """
from metis_env.simulator import Simulator

sim = Simulator(seed_protocol=False)


@sim.on("ping", times=1)
def ping(ctx):
    ctx.reply({"type": "pong"})
"""


def test_a_users_simulator_script_is_served_and_its_expectations_checked(
    pytester: pytest.Pytester,
) -> None:
    """metis_simulator_script serves the script; an unused times= handler fails the test."""
    (pytester.path / "sim.py").write_text(SIM_SCRIPT, encoding="utf-8")
    pytester.makepyfile(
        test_sim="""
        import pytest
        from metis_env.api import WebSocketApi

        @pytest.mark.asyncio
        async def test_ping_gets_pong(metis_simulator_script):
            sim = await metis_simulator_script("sim.py")
            async with WebSocketApi.from_config(sim.config(keepAliveInterval=0)) as ws:
                pong = ws.wait_for("pong", timeout=2000)
                await ws.send({"type": "ping"})
                assert (await pong)["type"] == "pong"

        @pytest.mark.asyncio
        async def test_forgets_to_ping(metis_simulator_script):
            await metis_simulator_script("sim.py")
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=2, errors=1)
    result.stdout.fnmatch_lines(["*ping*"])


def test_metis_run_on_a_mission_asserts_on_its_changes(pytester: pytest.Pytester) -> None:
    """A target run on the built-in mission; the test reads what changed."""
    shutil.copytree(EXAMPLE.parent / "mission-example", pytester.path / "envs" / "mission-example")
    pytester.makepyfile(
        test_mission="""
        import pytest

        @pytest.mark.asyncio
        async def test_block(metis_run):
            result = await metis_run(
                "envs", "mission-example", "block-nodes",
                arg_texts=["nodes=node:North Substation"],
            )
            assert result.ok, result.error
            [change] = result.mission_changes
            assert (change["method"], change["name"], change["new"]) == (
                "blockNodes", "North Substation", True
            )
        """
    )
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider")
    result.assert_outcomes(passed=1)
