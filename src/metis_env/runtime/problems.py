"""`Problem`: one thing wrong with an environment's files, always tied to a path."""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path
from typing import Literal

__all__ = ["Problem", "ProblemList", "Severity"]

#: ``error``: something was skipped (an environment, a target, the configs); ``warning``:
#: everything still loads but looks wrong (no targets, a duplicate config id).
Severity = Literal["error", "warning", "note"]


@dataclass(frozen=True)
class Problem:
    """A problem found while loading, with the file (or folder) it is about."""

    path: Path
    message: str
    severity: Severity = "error"

    def __str__(self) -> str:
        return f"{self.path}: {self.message}"


class ProblemList:
    """Mixin for results that carry ``problems``: the errors, the warnings, and whether ok."""

    problems: list[Problem]

    @property
    def errors(self) -> list[Problem]:
        """Problems that made something be skipped."""
        return [p for p in self.problems if p.severity == "error"]

    @property
    def warnings(self) -> list[Problem]:
        """Problems that skipped nothing."""
        return [p for p in self.problems if p.severity == "warning"]

    @property
    def notes(self) -> list[Problem]:
        """What was passed over on purpose (folders that cannot be environments)."""
        return [p for p in self.problems if p.severity == "note"]

    @property
    def ok(self) -> bool:
        """True when there is no error."""
        return not self.errors
