"""Every numerical tolerance of rareflow in one place, each named by what it decides.

The LP is solved to feasibility tolerances of 1e-9 (lp/highs.py); what the rest of the package
treats as "zero", "at its bound" or "a change worth telling" follows from that and from tonnes
being the unit. Before these lived here, seven modules carried their own 1e-6 … 1e-9 and two of
them disagreed about when a shortfall counts.
"""

from __future__ import annotations

BALANCE_T = 1e-6
"""Tonnes a balance row (or a bound) may be off before a result is refused (lp/check.py)."""

ZERO = 1e-9
"""Solver noise: values closer to zero than this are reported as exactly 0."""

SHOWN_T = 1e-6
"""Amounts (t), prices and changes below this are not told, drawn, built or counted as short."""

DUAL = 1e-7
"""A reduced cost or row dual below this counts as zero: the column or row is not binding."""

COST_REL = 1e-7
"""An answer moved to another optimum may cost this much more (relative) and still be one."""

AT_BOUND_REL = 1e-6
"""A value this close to its bound (relative to the bound, at least 1) sits at it."""
