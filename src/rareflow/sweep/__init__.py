"""Disruption sweeps: sample futures from a scenario's `uncertainty` block and re-solve each warm.

    from rareflow.sweep import sweep
    s = sweep("china-controls-2025", n=1000, seed=1, workers=2)
    s.summary        # region × sector: p_shortfall, expected_unserved_t, cvar95_t, periods short
"""

from .api import SweepResult, sweep
from .stats import cvar

__all__ = ["sweep", "SweepResult", "cvar"]
