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


MAX_PROBLEMS = 50
"""Problems shown at once: a person fixes the first fifty and runs again; a file with 200,000
bad keys is not answered with 200,000 lines (nor with minutes of work to word them)."""


@dataclass
class ScenarioError(RareflowError):
    problems: list[Problem] = field(default_factory=list)
    more: int = 0  # problems found but not listed (beyond MAX_PROBLEMS)

    def __post_init__(self) -> None:
        if len(self.problems) > MAX_PROBLEMS:
            self.more += len(self.problems) - MAX_PROBLEMS
            self.problems = self.problems[:MAX_PROBLEMS]

    @property
    def total(self) -> int:
        return len(self.problems) + self.more

    def __str__(self) -> str:
        n = self.total
        head = f"{n:,} problem{'s' if n != 1 else ''} in the scenario:"
        tail = [f"  … and {self.more:,} more (fix these first, then check again)"] if self.more else []
        return "\n".join([head, *(f"  - {p}" for p in self.problems), *tail])


class SolveError(RareflowError):
    """The solver could not produce an optimal answer; the message says why in words."""


class MassBalanceError(RareflowError):
    """A solved model broke a balance row by more than the tolerance: never trust such a result."""
