"""What every policy shares: an id, its dates, when it became known, and where it came from.

A policy is data (a pydantic block); its rule in `rareflow.lp.rules` turns it into bounds, rows
or columns of the LP being built. Adding a policy type is one module with one class.
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
    # When the measure became known (a period at or before `start`). None: from the outset.
    # A later announcement makes the answer in stages (lp/stages.py): the periods before it
    # are planned without knowledge of the measure, so nobody pre-stocks for a surprise.
    announced: PeriodKey | None = None

    def label(self) -> str:
        return self.id or f"{self.type}"  # type: ignore[attr-defined]

    def check(self, scn, path: str) -> list[Problem]:  # noqa: ARG002
        """Reference checks beyond the schema (regions, commodities, routes exist)."""
        return []



def announced_problems(announced, start, periods, path: str) -> list[Problem]:
    """`announced` must be a period of the horizon at or before the policy's `start`.

    A measure cannot surprise the plan after it is already in force, and an announcement
    outside the horizon has no stage to begin (before it: write nothing, known from the outset).
    """
    from rareflow.errors import Problem
    from rareflow.scenario.periods import parse_key

    if announced is None:
        return []
    a = parse_key(announced)[0]
    span = f"{periods.labels[0]}–{periods.labels[-1]}"
    if not periods.start[0] <= a < periods.end_month:
        return [Problem(path, f"announced {announced} is outside the horizon ({span})",
                        "use a period inside the horizon, or drop 'announced' if the measure "
                        "was known from the outset")]
    if start is None and a > periods.start[0]:
        return [Problem(path, f"announced {announced} is after the measure takes effect (it has "
                        f"no start, so it is in force from {periods.labels[0]})",
                        "give the measure a 'start' at or after its announcement, or drop "
                        "'announced'")]
    if start is not None and a > parse_key(start)[0]:
        return [Problem(path, f"announced {announced} is after start {start}: a measure is "
                        "known at the latest when it takes effect",
                        f"set 'announced' at or before {start}, or move 'start' later")]
    return []


def known(kind: str, value: str, options, path: str) -> list[Problem]:
    """A Problem if `value` is not among `options`, listing the known ones as the fix."""
    from rareflow.errors import Problem

    if value in options:
        return []
    opts = ", ".join(sorted(options)) or "none defined"
    return [Problem(path, f"unknown {kind} '{value}'", f"use one of the known {kind}s: {opts}")]
