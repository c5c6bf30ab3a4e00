"""MkDocs hooks: the site picks up new guide pages and new public packages by itself.

- Every ``docs/*.md`` that ``nav`` does not name is appended to the "Guides" section, titled
  by MkDocs from its first heading, so a new guide needs no edit of ``mkdocs.yml``.
- Every subpackage of ``metis_env`` that declares ``__all__`` (and is not the CLI, whose
  reference is ``cli.md``) gets a generated page ``reference/<name>.md`` holding one
  mkdocstrings directive, listed under "API reference". The reference is generated from the
  docstrings of the names in ``__all__``: nothing in it is written by hand.
- A reference page that lacks an entry for a name of its package's ``__all__`` is a warning,
  so ``mkdocs build --strict`` (``make docs``) fails on it.
"""

from __future__ import annotations

import ast
import importlib
import logging
from pathlib import Path
from typing import Any

from mkdocs.config.defaults import MkDocsConfig
from mkdocs.structure.files import File, Files
from mkdocs.structure.pages import Page

log = logging.getLogger("mkdocs.hooks.metis_env")

ROOT = Path(__file__).resolve().parents[1]
PACKAGE = ROOT / "src" / "metis_env"
#: Documented elsewhere (cli.md) or private.
NOT_REFERENCED = {"cli", "examples"}
GUIDES = "Guides"
REFERENCE = "API reference"


def _declares_all(init: Path) -> bool:
    tree = ast.parse(init.read_text(encoding="utf-8"))
    return any(
        isinstance(node, ast.Assign | ast.AnnAssign)
        and any(
            isinstance(t, ast.Name) and t.id == "__all__"
            for t in (node.targets if isinstance(node, ast.Assign) else [node.target])
        )
        for node in tree.body
    )


def public_packages() -> list[str]:
    """The subpackages of ``metis_env`` that declare ``__all__``, sorted (the top-level
    package only re-exports their names)."""
    names: list[str] = []
    for init in sorted(PACKAGE.glob("*/__init__.py")):
        if init.parent.name not in NOT_REFERENCED and _declares_all(init):
            names.append(f"metis_env.{init.parent.name}")
    return names


def _named_pages(nav: list[Any]) -> set[str]:
    found: set[str] = set()
    for item in nav:
        value = next(iter(item.values())) if isinstance(item, dict) else item
        if isinstance(value, list):
            found |= _named_pages(value)
        elif isinstance(value, str):
            found.add(value)
    return found


def _section(nav: list[Any], title: str) -> list[Any]:
    for item in nav:
        if isinstance(item, dict) and title in item:
            section: list[Any] = item[title]
            return section
    section = []
    nav.append({title: section})
    return section


def on_config(config: MkDocsConfig) -> MkDocsConfig:
    nav = config.nav
    assert isinstance(nav, list), "mkdocs.yml must have a nav"
    named = _named_pages(nav)
    guides = _section(nav, GUIDES)
    docs_dir = Path(config.docs_dir)
    for page in sorted(docs_dir.glob("*.md")):
        if page.name not in named:
            guides.append(page.name)
    reference = _section(nav, REFERENCE)
    for name in public_packages():
        page = f"reference/{name}.md"
        if page not in named:
            reference.append({f"{name}": page})
    return config


def on_files(files: Files, config: MkDocsConfig) -> Files:
    for name in public_packages():
        page = f"reference/{name}.md"
        if files.get_file_from_path(page) is None:
            content = f"# `{name}`\n\n::: {name}\n"
            files.append(File.generated(config, page, content=content))
    return files


def on_page_content(html: str, page: Page, config: MkDocsConfig, files: Files) -> str:
    name = page.file.src_uri.removeprefix("reference/").removesuffix(".md")
    if page.file.src_uri.startswith("reference/") and name in public_packages():
        exported = importlib.import_module(name).__all__
        missing = [n for n in exported if f'id="{name}.{n}"' not in html]
        if missing:
            log.warning("%s: no reference entry for %s", page.file.src_uri, ", ".join(missing))
    return html
