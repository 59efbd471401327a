"""Among a scenario's optimal answers, the one closest to a reference run.

Supply-chain LPs have many optima: two suppliers with the same delivered cost can swap
customers at no cost, and HiGHS picks one vertex or another depending on the data around them.
Two runs that differ by one policy then differ in hundreds of flows that the policy never
touched, and a comparison drowns the real answer ("India's 1,000 t to Japan stop; Japan buys
them from Malaysia") in equal-cost swaps ("Malaysia now ships to Japan what it shipped to
China, and Australia the reverse").

So a comparison first moves the scenario's answer to the optimum nearest the reference. The
optimal answers are exactly the feasible ones that keep complementary slackness with the first
solve's duals: every column with a nonzero reduced cost stays at its bound and every side row
with a nonzero dual stays active. A second LP pins those, keeps every other row, and minimises
the total absolute change of flows, plant activity and stocks against the reference (matched by
their labels; anything the reference lacks is compared with zero). Unserved demand is pinned
too: equal-priority sectors may share a shortfall in many ways, and the comparison must tell the
same shares as `run` and `explain` do. No cost row with a slack is
needed, so nothing is traded for a rounding of the objective. What is left is what had to
change. Prices (duals) are those of the first solve: any optimal dual pairs with any optimal
primal.

This module works on the LP's arrays (a `Frozen`, a `Solution`, which columns to match and
their reference values); which columns those are and where the reference values come from (a
live run's vectors or a stored run's tables) is the comparison's business (analyze/compare.py).
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from rareflow.errors import MassBalanceError
from rareflow.lp import highs
from rareflow.lp.check import check_mass_balance
from rareflow.lp.matrix import CSC, Frozen
from rareflow.tolerances import COST_REL, DUAL

DUAL_TOL = DUAL  # below it a reduced cost or row dual counts as zero (the column may move)
COST_TOL = COST_REL  # the moved answer may cost this much more (relative) or it is not taken


def closest_optimum(f: Frozen, old: highs.Solution, cols: np.ndarray, target: np.ndarray,
                    pinned: np.ndarray, balance_labels: pd.DataFrame | Callable[[], pd.DataFrame],
                    note: dict | None = None) -> tuple[highs.Solution, float] | None:
    """The optimal answer of `f` nearest `target` on the columns `cols` (total absolute change),
    starting from the optimal solution `old`; columns where `pinned` is True keep their values.

    Returns the moved solution (duals those of `old`; `info` adds `aligned_change`, the total
    change against the target, `aligned_cost` and `note`) and its mass-balance residual, or None
    when nothing could be gained: `old` not optimal, a MIP, no columns, the second solve fails,
    costs more than `COST_TOL`, or does not balance — so a comparison never breaks on it.
    """
    if old.status != "optimal" or len(f.integer) or not len(cols):
        return None
    cols = np.asarray(cols, dtype=np.int64)
    n = f.shape[1]
    k = len(cols)
    # the optimal face: pin what the duals price
    lb, ub = f.lb.copy(), f.ub.copy()
    pinned = (np.abs(old.col_dual) > DUAL_TOL) | pinned
    lb[pinned] = ub[pinned] = old.x[pinned]
    row_lb, row_ub = f.row_lb.copy(), f.row_ub.copy()
    side = np.abs(old.row_dual) > DUAL_TOL
    side[: f.n_balance] = False  # balance rows are equalities already
    row_lb[side] = row_ub[side] = old.row_value[side]
    import scipy.sparse as sp  # here, not at import: `rareflow run` never aligns (lp/matrix.py)

    eye = sp.identity(k, format="csc")
    select = sp.csc_matrix((np.ones(k), (np.arange(k), cols)), shape=(k, n))
    a = sp.bmat([[f.a, None, None], [select, -eye, eye]], format="csc")
    lp = Frozen(CSC(a.data, a.indices, a.indptr, a.shape), np.concatenate([lb, np.zeros(2 * k)]),
                np.concatenate([ub, np.full(2 * k, np.inf)]),
                np.concatenate([np.zeros(n), np.ones(2 * k)]),
                np.concatenate([row_lb, target]), np.concatenate([row_ub, target]), f.n_balance)
    sol = highs.run(highs.new_solver(lp))
    if sol.status != "optimal":
        return None
    x = np.clip(sol.x[:n], f.lb, f.ub)
    cost = float(f.cost @ x)
    if cost > old.objective + COST_TOL * max(1.0, abs(old.objective)):
        return None
    try:
        worst = check_mass_balance(f, x, balance_labels)
    except MassBalanceError:  # the first answer stands if the second is not clean
        return None
    aligned = highs.Solution(old.status, old.objective, x, old.row_dual, old.col_dual,
                             f.a @ x, old.seconds + sol.seconds, old.iterations + sol.iterations,
                             {**old.info, **(note or {}), "aligned_change": float(sol.objective),
                              "aligned_cost": cost})
    return aligned, worst
