"""An LP with some columns fixed, written as the smaller LP of the columns that are left.

A sweep sample holds every column of the periods before its first event at the base plan
(lower = upper = the base value; docs/sweep.md, "Events are surprises"). Solving the full LP
with those columns fixed spends the simplex's time on thousands of columns and rows that
cannot move. `fix_columns` removes them instead:

    min c·x  s.t.  L ≤ A x ≤ U,  l ≤ x ≤ u,  x_H = v
  = c_H·v + min c_K·x_K  s.t.  L − A_H v ≤ A_K x_K ≤ U − A_H v,  l_K ≤ x_K ≤ u_K

where H are the fixed ("held") columns, K the kept ones, and A_H, A_K the matrix's columns
split likewise. The two problems have the same feasible x_K, the same objective up to the
constant c_H·v, hence the same optima: the reduction is exact, not an approximation. A row
with no kept column reads L ≤ A_H v ≤ U, a fact about v alone: it is dropped after checking
that it holds (if it did not, the full LP would be infeasible, and the caller solves that
instead, so that the failure is reported as before).

The full solution is `expand`: the kept columns' values, and v on the held ones.

A warm start: a basis of the full LP (the base solve's) restricted to the kept rows and
columns. Its count of basic variables is at most the kept rows' count — the full basis matrix
is nonsingular and the dropped rows meet only removed columns, so at least as many basic
variables leave as rows do — and a gap is filled with slacks of kept rows that the removed
basic columns met (then of any kept row), which is the usual repair of a basis that lost
columns; HiGHS's factorisation swaps in slacks for any column still left singular. The start
changes how many pivots the simplex takes, never which LP it solves.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

from rareflow.lp.matrix import CSC, Frozen
from rareflow.tolerances import BALANCE_T

BASIC = 1  # HiGHS's HighsBasisStatus.kBasic


@dataclass
class Reduced:
    """The LP of the columns left once `held` are fixed at `value` (see the module)."""

    lp: Frozen  # the reduced LP: kept rows × kept columns, row bounds shifted
    cols: np.ndarray  # kept columns (indices into the full LP), increasing
    rows: np.ndarray  # kept rows, increasing
    held: np.ndarray  # fixed columns
    value: np.ndarray  # their values
    shift: np.ndarray  # (len(rows),) A_H v on each kept row: full row bounds − shift
    objective_shift: float  # c_H · v
    dropped: np.ndarray  # rows with no kept column
    dropped_activity: np.ndarray  # A_H v on each of them (their whole activity)
    n_cols: int  # of the full LP

    def row_bounds(self, row_lb: np.ndarray, row_ub: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
        """The kept rows' bounds in the reduced LP for full-LP row bounds `row_lb`, `row_ub`."""
        return row_lb[self.rows] - self.shift, row_ub[self.rows] - self.shift

    def dropped_hold(self, row_lb: np.ndarray, row_ub: np.ndarray, tol: float = BALANCE_T) -> bool:
        """Do the dropped rows hold for these full-LP row bounds (to `tol`, tonnes)?"""
        act = self.dropped_activity
        return bool(np.all(row_lb[self.dropped] - tol <= act) and np.all(act <= row_ub[self.dropped] + tol))

    def expand(self, x_kept: np.ndarray) -> np.ndarray:
        """The full LP's solution from the reduced one's: held columns at their values."""
        x = np.empty(self.n_cols)
        x[self.cols] = x_kept
        x[self.held] = self.value
        return x


def fix_columns(lp: Frozen, held: np.ndarray, value: np.ndarray) -> Reduced:
    """Remove columns `held` from `lp`, substituting `value` for them (see the module)."""
    n_rows, n_cols = lp.shape
    held = np.asarray(held, dtype=np.int64)
    value = np.asarray(value, dtype=np.float64)
    keep = np.ones(n_cols, dtype=bool)
    keep[held] = False
    cols = np.flatnonzero(keep)
    a = sp.csc_matrix(lp.a)
    a_held = a[:, held]
    activity = a_held @ value if len(held) else np.zeros(n_rows)
    a_kept = a[:, cols]
    # rows that meet a kept column through a stored coefficient other than zero
    live = np.zeros(n_rows, dtype=bool)
    live[a_kept.indices[a_kept.data != 0]] = True
    rows = np.flatnonzero(live)
    dropped = np.flatnonzero(~live)
    shift = activity[rows]
    sub = a_kept[rows, :].tocsc()
    sub.sort_indices()
    n_balance = int(np.searchsorted(rows, lp.n_balance))  # balance rows come first
    red = Frozen(csc=CSC.of(sub), lb=lp.lb[cols].copy(), ub=lp.ub[cols].copy(), cost=lp.cost[cols].copy(),
                 row_lb=lp.row_lb[rows] - shift, row_ub=lp.row_ub[rows] - shift,
                 n_balance=n_balance, integer=np.zeros(0, dtype=np.int64))
    return Reduced(lp=red, cols=cols, rows=rows, held=held, value=value, shift=shift,
                   objective_shift=float(lp.cost[held] @ value) if len(held) else 0.0,
                   dropped=dropped, dropped_activity=activity[dropped], n_cols=n_cols)


def restrict_basis(red: Reduced, a: sp.csc_matrix, col_status: np.ndarray,
                   row_status: np.ndarray) -> tuple[np.ndarray, np.ndarray] | None:
    """The full LP's basis (HiGHS status codes) on the reduced LP's rows and columns, with
    as many basic variables as kept rows (see the module), or None if it has too many —
    which a basis of the full LP cannot have; the caller then solves the full LP."""
    col = np.ascontiguousarray(col_status[red.cols], dtype=np.int8)
    row = np.ascontiguousarray(row_status[red.rows], dtype=np.int8)
    gap = len(red.rows) - int((col == BASIC).sum() + (row == BASIC).sum())
    if gap < 0:
        return None
    if gap:
        # kept rows met by the removed basic columns first (they lost the variable that was
        # basic there), then the rest, each in row order: a deterministic choice
        pos = np.full(a.shape[0], -1, dtype=np.int64)
        pos[red.rows] = np.arange(len(red.rows))
        gone = red.held[col_status[red.held] == BASIC]
        met = pos[np.unique(sp.csc_matrix(a)[:, gone].indices)] if len(gone) else np.zeros(0, np.int64)
        met = met[met >= 0]
        free = row != BASIC
        first = met[free[met]]
        rest = np.flatnonzero(free)
        rest = rest[~np.isin(rest, first)]
        pick = np.concatenate([first, rest])[:gap]
        if len(pick) < gap:
            return None
        row[pick] = BASIC
    return col, row
