"""Solve a sample on the LP of its unheld periods only: the past it holds is substituted out.

A sample whose first event acts on period k holds every column of periods 0…k−1 at the base
plan (docs/sweep.md, "Events are surprises"). `Kernel` used to solve the full LP with those
columns fixed (lower = upper); here they are removed instead (`rareflow.lp.reduce`): their
values are moved into the right-hand sides, the rows left with no free column are dropped
(after checking that the base plan meets them, which it does: it is a solution of the full
LP), and HiGHS solves the LP of periods k… alone, warm from the base basis restricted to it.
It is the same LP with its fixed columns substituted, so its optimal objective and its optimal
plans are the full LP's (where there are several optimal plans, the simplex may reach another
of them than it reached on the full LP: same objective, same feasibility; docs/sweep.md), and
the full solution (held columns at the base plan) is handed back for the rationing, the
mass-balance and bounds check and the statistics, which run on it unchanged. On
china-controls-2025 most samples first strike in 2027 or later, where the LP solved has at
most 9 of the 45 periods.

One `PastHeld` per k, built the first time a sample holds k periods and kept by the worker
(at most T of them). Per sample it sends HiGHS only the bounds that differ from what it
holds, clears it and starts from the restricted base basis — like the full kernel, so a
sample's answer depends on the sample alone, whatever the worker solved before. Anything
that would make the substitution wrong for a sample (a held column whose base value lies
outside the sample's bounds, a dropped row whose right-hand side the sample changed) or a
solve that does not end optimal sends the sample back to the full LP (`solve` returns None).
"""

from __future__ import annotations

import numpy as np

from rareflow.lp import highs, solving
from rareflow.lp.reduce import fix_columns, restrict_basis
from rareflow.lp.solving import warm_iteration_limit


class PastHeld:
    """The plan's LP with the columns `held` fixed at the base plan, as its own HiGHS model."""

    def __init__(self, plan, held: np.ndarray, options: dict | None = None) -> None:
        lp = plan.frozen
        held = np.sort(held)
        self.red = red = fix_columns(lp, held, plan.base_x[held])
        self.options = options
        nb_full = lp.n_balance
        basis = restrict_basis(red, lp.a, plan.base_col_status, plan.base_row_status)
        # the kernel changes a balance row as an equality (a demand shock's right-hand side)
        self.usable = (basis is not None and red.dropped_hold(lp.row_lb, lp.row_ub)
                       and np.array_equal(lp.row_lb[:nb_full], lp.row_ub[:nb_full]))
        self.h = None
        # dropped balance rows and their base right-hand sides: a sample that changes one
        # goes to the full LP (the base plan was checked against the base value only)
        d = red.dropped[red.dropped < nb_full]
        self.bal_dropped, self.bal_dropped_rhs = d, lp.row_lb[d].copy()
        if not self.usable or not len(red.cols):
            return
        self.h = highs.new_solver(red.lp, options)
        solving.configure(self.h, red.lp, options)
        self.basis = highs.make_basis(*basis)
        if not highs.accepts_basis(self.h, self.basis):
            self.usable = False
            return
        self.limit = warm_iteration_limit(red.lp.shape[0])
        self.h_lb, self.h_ub = red.lp.lb.copy(), red.lp.ub.copy()
        nb = red.lp.n_balance  # kept balance rows come first, as in the full LP
        self.bal = red.rows[:nb]
        self.bal_shift = red.shift[:nb]
        self.h_rhs = red.lp.row_lb[:nb].copy()

    def solve(self, lb: np.ndarray, ub: np.ndarray, rhs: np.ndarray) -> highs.Solution | None:
        """The sample with full-LP column bounds `lb`, `ub` and balance right-hand sides `rhs`,
        or None when it must be solved on the full LP (see the module)."""
        red = self.red
        v = red.value
        if not self.usable or not (np.all(lb[red.held] <= v) and np.all(v <= ub[red.held])):
            return None
        if not np.array_equal(rhs[self.bal_dropped], self.bal_dropped_rhs):
            return None
        if self.h is None:  # every column held: the base plan is the answer
            return highs.Solution("optimal", red.objective_shift, red.expand(np.zeros(0)), None,
                                  None, None, 0.0, 0, {}, solving.WARM)
        h = self.h
        nl, nu = lb[red.cols], ub[red.cols]
        ch = np.flatnonzero((nl != self.h_lb) | (nu != self.h_ub))
        if len(ch):
            highs.change_col_bounds(h, ch, nl[ch], nu[ch])
            self.h_lb[ch], self.h_ub[ch] = nl[ch], nu[ch]
        new = rhs[self.bal] - self.bal_shift
        ch = np.flatnonzero(new != self.h_rhs)
        if len(ch):  # balance rows are equalities; only a sampled demand shock changes one
            highs.change_row_bounds(h, ch, new[ch], new[ch])
            self.h_rhs[ch] = new[ch]
        sol = solving.solve(h, red.lp, self.options, basis=self.basis, iteration_limit=self.limit,
                            duals=False)
        if sol.status != "optimal":
            return None  # the full LP solves it again and reports it as it always has
        sol.x = red.expand(sol.x)
        sol.objective += red.objective_shift
        return sol
