"""Every Python example in README.md and docs/**/*.md runs, as a script, and succeeds.

How a page's examples are run:

- Each fenced ``python`` block runs as a script of its own (``python -``), in an empty folder,
  and must exit 0 without a traceback. New pages are picked up by themselves.
- A block that connects uses ``localhost:8765``, the port of ``metis-env serve``: the test
  starts an embedded `Simulator` on a free port and rewrites ``8765`` in the block to it.
- A block opts out only with ``<!-- docs-test: skip REASON -->`` on the line before its
  fence; the skips are counted and capped (`MAX_SKIPPED`).
- A page whose examples need a server of their own is listed in `DELEGATED` with the test
  that runs them; a test here checks that the delegate exists and reads that page.
"""

from __future__ import annotations

import asyncio
import re
import sys
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import pytest

from metis_env.simulator import Simulator

REPO = Path(__file__).resolve().parents[1]
PAGES = [REPO / "README.md", *sorted((REPO / "docs").rglob("*.md"))]
#: Pages whose blocks another test runs (against a server speaking their protocol).
DELEGATED = {"docs/patterns.md": "tests/features/test_feature_docs.py"}
#: The most blocks that may opt out with a skip marker.
MAX_SKIPPED = 2
#: The port examples are written with (`metis-env serve`'s default).
DOCS_PORT = "8765"

FENCE = re.compile(r"^```python\s*$")
SKIP = re.compile(r"^<!--\s*docs-test:\s*skip\s+(?P<reason>\S.*?)\s*-->\s*$")


@dataclass(frozen=True)
class Block:
    """One fenced python block: where it is, its code, and its skip reason if any."""

    page: str
    line: int
    code: str
    skip: str | None

    @property
    def id(self) -> str:
        return f"{self.page}:{self.line}"


def blocks_of(path: Path, root: Path = REPO) -> list[Block]:
    """Every ``python`` block of a Markdown page, in order (pages named relative to root)."""
    page = path.relative_to(root).as_posix()
    lines = path.read_text(encoding="utf-8").splitlines()
    found: list[Block] = []
    index = 0
    while index < len(lines):
        if FENCE.match(lines[index]):
            start = index
            end = start + 1
            while end < len(lines) and lines[end].strip() != "```":
                end += 1
            marker = SKIP.match(lines[start - 1]) if start > 0 else None
            code = "\n".join(lines[start + 1 : end]) + "\n"
            found.append(Block(page, start + 1, code, marker["reason"] if marker else None))
            index = end
        index += 1
    return found


ALL_BLOCKS = [block for path in PAGES for block in blocks_of(path)]
RUN_HERE = [block for block in ALL_BLOCKS if block.page not in DELEGATED]


def test_the_docs_have_examples_and_few_opt_outs() -> None:
    """The pages keep their examples (a broken fence would skip them) and skips stay rare."""
    assert len(RUN_HERE) >= 8
    skipped = [f"{b.id}: {b.skip}" for b in ALL_BLOCKS if b.skip]
    assert len(skipped) <= MAX_SKIPPED, skipped
    for page in ("README.md", "docs/index.md"):
        assert any(b.page == page and not b.skip for b in RUN_HERE), page


@pytest.mark.parametrize(("page", "test"), sorted(DELEGATED.items()))
def test_delegated_pages_are_run_by_their_own_test(page: str, test: str) -> None:
    """A page left to another test has examples, and that test exists and reads the page."""
    assert any(block.page == page for block in ALL_BLOCKS), page
    assert Path(page).name in (REPO / test).read_text(encoding="utf-8")


def test_the_marker_is_recognised_only_before_a_fence(tmp_path: Path) -> None:
    """A skip marker applies to the block right after it, and to nothing else."""
    page = tmp_path / "page.md"
    page.write_text(
        "<!-- docs-test: skip needs a real range -->\n```python\nraise SystemExit(1)\n```\n"
        "text\n```python\nprint('runs')\n```\n",
        encoding="utf-8",
    )
    first, second = blocks_of(page, tmp_path)
    assert (first.skip, second.skip) == ("needs a real range", None)
    assert second.code == "print('runs')\n"


@pytest.fixture
async def simulator() -> AsyncIterator[Simulator]:
    """The simulator the examples talk to, on a free port."""
    async with Simulator(stream_interval_ms=20) as sim:
        yield sim


@pytest.mark.parametrize("block", RUN_HERE, ids=[block.id for block in RUN_HERE])
async def test_example_runs(block: Block, simulator: Simulator, tmp_path: Path) -> None:
    """The block runs as a script against the simulator: exit 0, no traceback."""
    if block.skip:
        pytest.skip(f"opted out: {block.skip}")
    code = block.code.replace(DOCS_PORT, str(simulator.port))
    proc = await asyncio.create_subprocess_exec(
        sys.executable,
        "-",
        cwd=tmp_path,
        stdin=asyncio.subprocess.PIPE,
        stdout=asyncio.subprocess.PIPE,
        stderr=asyncio.subprocess.PIPE,
    )
    try:
        out, err = await asyncio.wait_for(proc.communicate(code.encode()), 30)
    finally:
        if proc.returncode is None:
            proc.kill()
            await proc.wait()
    assert proc.returncode == 0, f"{block.id}\n{out.decode()}\n{err.decode()}"
    assert "Traceback" not in err.decode(), f"{block.id}\n{err.decode()}"


def first_target_files() -> dict[str, str]:
    """The files of docs/index.md's "A first target", by the path its text gives each."""
    text = (REPO / "docs" / "index.md").read_text(encoding="utf-8")
    section = text.split("## A first target", 1)[1].split("\n## ", 1)[0]
    files: dict[str, str] = {}
    pattern = r"`(my-envs/[\w/.-]+\.(?:py|json))`[^`]*?\n\n```(?:python|json)\n(.*?)```"
    for path, body in re.findall(pattern, section, re.S):
        files[path] = body
    return files


async def test_the_home_pages_first_target_runs(simulator: Simulator, tmp_path: Path) -> None:
    """docs/index.md's environment, target and configs.json, written out, run and succeed."""
    from metis_env.runtime import run_target

    files = first_target_files()
    assert sorted(files) == [
        "my-envs/my-range/configs.json",
        "my-envs/my-range/schema.py",
        "my-envs/my-range/targets/ping/schema.py",
    ]
    for path, body in files.items():
        (tmp_path / path).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / path).write_text(body, encoding="utf-8")
    result = await run_target(
        tmp_path / "my-envs",
        "my-range",
        "ping",
        config_id="local",
        config_overrides={"port": simulator.port},
        arg_texts=["command=status"],
        timeout_ms=10_000,
    )
    assert result.status == "success", result.error
    assert [o.message for o in result.outputs if o.source == "effect"] == ["status: nominal"]
