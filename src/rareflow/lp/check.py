"""The mass-balance check that runs after every solve: a result that loses tonnes is refused.

One check for a single solve (`Model.solve`) and for every sample of a sweep, whose bounds
and balance right-hand sides differ from the frozen LP's: `BalanceCheck` keeps the balance
rows of one LP and checks any solution against the bounds and right-hand sides it is given.
"""

from __future__ import annotations

import numpy as np

from rareflow.errors import MassBalanceError
from rareflow.lp.matrix import Frozen
from rareflow.tolerances import BALANCE_T

TOLERANCE = BALANCE_T  # tonnes


class BalanceCheck:
    """The balance rows of one LP (their entries picked out of its matrix once), kept to check
    many solutions of it: each check is then one sparse product.

    The first check is `np.bincount` over the entries in column order: each row's sum is built
    by the same additions, in the same order, as scipy.sparse's CSC product (y[i] += a_ij x_j,
    column by column), so the residuals are those it gives, without importing scipy.sparse on
    a single solve's path (lp/matrix.py). A check that is asked again (a sweep checks every
    sample) switches to scipy's product, 2–3× faster per call, with the same residuals bit
    for bit (tests/lp/test_matrix.py)."""

    def __init__(self, lp: Frozen) -> None:
        self.lp = lp
        a = lp.csc
        mine = a.indices < lp.n_balance
        self.rows = a.indices[mine].astype(np.intp)
        self.cols = a.entry_cols()[mine]
        self.vals = a.data[mine]
        self._a = None  # the balance rows as scipy.sparse, from the second check on
        self._checked = False

    def residual(self, x: np.ndarray, rhs: np.ndarray | None = None) -> np.ndarray:
        """Left side minus right side of every balance row, computed afresh from the solution."""
        nb = self.lp.n_balance
        if self._checked:
            if self._a is None:
                self._a = self.lp.a[:nb]  # scipy.sparse is imported here, at the second check
            lhs = self._a @ x
        else:
            lhs = np.bincount(self.rows, weights=self.vals * x[self.cols], minlength=nb)
            self._checked = True
        return lhs - (self.lp.row_lb[:nb] if rhs is None else rhs)

    def check(self, x: np.ndarray, labels, tol: float = TOLERANCE, lb: np.ndarray | None = None,
              ub: np.ndarray | None = None, rhs: np.ndarray | None = None, what: str = "",
              held: tuple[np.ndarray, np.ndarray] | None = None) -> float:
        """Largest |residual| over balance rows and bound violations; raises if over `tol`.

        `lb`, `ub`, `rhs` are the bounds and balance right-hand sides the solution was solved
        with (default: the LP's own). `held`: (columns, values) solved with lower = upper =
        value instead of their `lb`, `ub` (a sweep sample's past held at the base plan), so
        the caller need not copy both full arrays to write them in: each value lies within
        its column's `lb`…`ub`, so the largest violation of the substituted bounds is the
        largest of the violations of `lb`, `ub` elsewhere and of |x − value| on the held
        columns (on them, x − ub ≤ x − value and lb − x ≤ value − x): the same number.
        `labels` (a DataFrame with region, commodity and period per balance row, or a callable
        returning one — built only if a row must be named) and `what` (e.g. "sample 12: ")
        name the failure."""
        lp = self.lp
        lb = lp.lb if lb is None else lb
        ub = lp.ub if ub is None else ub
        res = self.residual(x, rhs)
        worst = float(np.max(np.abs(res))) if len(res) else 0.0
        if worst > tol:
            i = int(np.argmax(np.abs(res)))
            row = (labels() if callable(labels) else labels).iloc[i]
            raise MassBalanceError(
                f"{what}mass balance broken by {res[i]:.3g} t for {row['commodity']} in "
                f"{row['region']} in {row['period']} (tolerance {tol:g} t); the solver's answer "
                "is not trustworthy — check for extreme scales in the data (tiny and huge "
                "numbers together)")
        low = float(np.max(lb - x, initial=0.0))
        high = float(np.max(np.where(np.isfinite(ub), x - ub, 0.0), initial=0.0))
        if held is not None:
            cols, v = held
            off = float(np.max(np.abs(x[cols] - v), initial=0.0))
            low, high = max(low, off), max(high, off)
        if max(low, high) > tol:
            raise MassBalanceError(
                f"{what}a variable breaks its bounds by {max(low, high):.3g}; the solver's "
                "answer is not trustworthy — check for extreme scales in the data")
        return worst


def balance_residual(lp: Frozen, x: np.ndarray) -> np.ndarray:
    """Left side minus right side of every balance row, computed afresh from the solution."""
    return BalanceCheck(lp).residual(x)


def check_mass_balance(lp: Frozen, x: np.ndarray, labels, tol: float = TOLERANCE) -> float:
    """Largest |residual| over balance rows and bound violations; raises if over `tol`.

    `labels` (a DataFrame, or a callable returning one) names the rows in the error."""
    return BalanceCheck(lp).check(x, labels, tol)
