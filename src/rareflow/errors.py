"""Errors a person can act on.

Every problem with an input names the file, the path inside it, what is wrong and how to
fix it. Problems are collected, not raised one by one, so a user fixes a file in one pass.
"""

from __future__ import annotations

from dataclasses import dataclass, field


@dataclass(frozen=True)
class Problem:
    path: str
    message: str
    fix: str = ""
    file: str = ""

    def __str__(self) -> str:
        where = f"{self.file}: " if self.file else ""
        at = f"{self.path}: " if self.path else ""
        fix = f" Fix: {self.fix}" if self.fix else ""
        return f"{where}{at}{self.message}.{fix}"


class RareflowError(Exception):
    """Base of every error rareflow raises on purpose (the CLI prints these without a traceback)."""


@dataclass
class ScenarioError(RareflowError):
    problems: list[Problem] = field(default_factory=list)

    def __str__(self) -> str:
        n = len(self.problems)
        head = f"{n} problem{'s' if n != 1 else ''} in the scenario:"
        return "\n".join([head, *(f"  - {p}" for p in self.problems)])


class SolveError(RareflowError):
    """The solver could not produce an optimal answer; the message says why in words."""


class MassBalanceError(RareflowError):
    """A solved model broke a balance row by more than the tolerance: never trust such a result."""
