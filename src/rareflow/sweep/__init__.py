"""Disruption sweeps: sample futures from a scenario's `uncertainty` block and re-solve each warm.

    from rareflow.sweep import sweep
    s = sweep("china-controls-2025", n=1000, seed=1, workers=2)
    s.summary        # region × sector × commodity: p_shortfall, expected_unserved_t, cvar95_t, periods short

The names are imported on first use, so that the CLI (which registers `rareflow sweep` from
`rareflow.sweep.commands`) does not pay for the sweep machinery on every start.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from rareflow.sweep.api import SweepResult, sweep
    from rareflow.sweep.stats import cvar

__all__ = ["sweep", "SweepResult", "cvar"]


def __getattr__(name: str):
    if name in ("sweep", "SweepResult"):
        from rareflow.sweep import api

        return getattr(api, name)
    if name == "cvar":
        from rareflow.sweep.stats import cvar

        return cvar
    raise AttributeError(f"module 'rareflow.sweep' has no attribute {name!r}")
