"""What every policy shares: an id, its dates, and where it came from.

A policy is data (a pydantic block) plus `apply(ctx)`, which turns it into bounds, rows or
columns of the LP being built. Adding a policy type is one module with one class.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from rareflow.scenario.types import Block, PeriodKey

if TYPE_CHECKING:
    from rareflow.errors import Problem


class PolicyBase(Block):
    id: str | None = None
    headline: str = ""
    source: str = ""
    event: str | None = None
    start: PeriodKey | None = None
    end: PeriodKey | None = None

    def label(self) -> str:
        return self.id or f"{self.type}"  # type: ignore[attr-defined]

    def check(self, scn, path: str) -> list[Problem]:  # noqa: ARG002
        """Reference checks beyond the schema (regions, commodities, routes exist)."""
        return []

    # Every concrete policy defines `apply(self, ctx: Build) -> None`.


def known(kind: str, value: str, options, path: str) -> list[Problem]:
    """A Problem if `value` is not among `options`, listing the known ones as the fix."""
    from rareflow.errors import Problem

    if value in options:
        return []
    opts = ", ".join(sorted(options)) or "none defined"
    return [Problem(path, f"unknown {kind} '{value}'", f"use one of the known {kind}s: {opts}")]
