"""``metis-env init``: a new environment that checks clean and passes its own test at once."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

from metis_env.cli import app

pytest_plugins = ["pytester"]


def test_init_then_check_and_the_generated_test_pass(pytester: pytest.Pytester) -> None:
    """init ROOT ENV → check ROOT exits 0 → pytest ROOT/tests passes (in a subprocess)."""
    root = pytester.path / "envs"
    runner = CliRunner()
    made = runner.invoke(app, ["init", str(root), "drone-fleet"])
    assert made.exit_code == 0, made.output
    assert (root / "drone-fleet" / "simulator.py").is_file()
    checked = runner.invoke(app, ["check", str(root)])
    assert checked.exit_code == 0, checked.output
    assert "0 error(s), 0 warning(s) in 1 environment(s), 1 target(s)" in checked.output
    result = pytester.runpytest_subprocess("-q", "-p", "no:cacheprovider", str(root / "tests"))
    result.assert_outcomes(passed=1)


def test_init_never_overwrites_and_checks_the_name(tmp_path: Path) -> None:
    """A second init of the same ENV, or a name METIS would refuse: exit 2, nothing written."""
    runner = CliRunner()
    assert runner.invoke(app, ["init", str(tmp_path), "drone-fleet"]).exit_code == 0
    before = sorted(p.as_posix() for p in tmp_path.rglob("*"))
    again = runner.invoke(app, ["init", str(tmp_path), "drone-fleet"])
    assert again.exit_code == 2 and "would overwrite" in again.output
    bad = runner.invoke(app, ["init", str(tmp_path), "Drone_Fleet"])
    assert bad.exit_code == 2 and "lowercase" in bad.output
    assert sorted(p.as_posix() for p in tmp_path.rglob("*")) == before
