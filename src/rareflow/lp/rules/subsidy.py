"""subsidy: a payment per unit of a process's activity in one region (DESIGN, "Subsidy").

The activity of `process` in `region` (facilities and candidates; for a facility with several
recipes, that recipe's activity) earns `amount` per unit in the window's periods.

* Without a budget the objective gets −amount·x (discounted like every cost).
* With one: a column z[t] per period, the activity that is paid for, with
  z[t] − Σ x[t] ≤ 0 (row `subsidy_activity`) and Σ_t amount[t]·z[t] ≤ budget (row
  `subsidy_budget`, undiscounted money); the objective gets −amount[t]·z[t], discounted.

Neither row limits what can be made or delivered, so neither is ever named as the cause of a
shortfall; explanations say when the budget runs out (analyze/mechanisms_b.py).
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rareflow.scenario import series

from .base import RuleBuild

PAID_KIND = "subsidised"  # z[t]: units of activity paid for
ACTIVITY_KIND = "subsidy_activity"
BUDGET_KIND = "subsidy_budget"


def activity_cols(pol, b: RuleBuild) -> np.ndarray:
    """Activity columns (n × T) of `pol.process` in `pol.region`: facility recipes and
    candidates (one row per facility recipe, so a multi-recipe plant counts only this one)."""
    parts = []
    for frame, cols in ((b.facilities, b.fac_cols), (b.candidates, b.cand_cols)):
        if len(frame):
            sel = ((frame["region"] == pol.region) & (frame["process"] == pol.process)).to_numpy()
            parts.append(cols[sel])
    return np.vstack(parts) if parts else np.zeros((0, b.T), dtype=np.int64)


def window(pol, b: RuleBuild) -> tuple[np.ndarray, np.ndarray]:
    """(periods that pay, amount per unit of activity in each of them)."""
    amount = series.values(pol.amount, b.periods)
    t = np.flatnonzero(b.active(pol.start, pol.end) & (amount > 0))
    return t, amount[t]


def apply(pol, b: RuleBuild) -> None:
    t, amount = window(pol, b)
    x = activity_cols(pol, b)
    if not len(t) or not len(x):
        return
    if pol.budget is None:
        b.add_cost(x[:, t], -(amount * b.disc[t])[None, :])
        return
    labels = pd.DataFrame({"policy": pol.label(), "region": pol.region, "process": pol.process,
                           "period": b.labels[t]})
    z = b.add_cols(PAID_KIND, labels, 0.0, np.inf, -amount * b.disc[t])
    rows = b.add_rows(ACTIVITY_KIND, labels, -np.inf, 0.0)
    b.add_coeffs(rows, z, 1.0)
    b.add_coeffs(np.broadcast_to(rows, (len(x), len(t))), x[:, t], -1.0)
    first, last = b.labels[t[0]], b.labels[t[-1]]
    span = first if first == last else f"{first}–{last}"
    budget = b.add_rows(BUDGET_KIND, pd.DataFrame({"policy": [pol.label()], "window": [span]}),
                        -np.inf, pol.budget)
    b.add_coeffs(np.repeat(budget, len(t)), z, amount)
