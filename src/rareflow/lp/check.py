"""The mass-balance check that runs after every solve: a result that loses tonnes is refused."""

from __future__ import annotations

import numpy as np

from rareflow.errors import MassBalanceError
from rareflow.lp.matrix import Frozen
from rareflow.tolerances import BALANCE_T

TOLERANCE = BALANCE_T  # tonnes


def balance_residual(lp: Frozen, x: np.ndarray) -> np.ndarray:
    """Left side minus right side of every balance row, computed afresh from the solution."""
    a = lp.a[: lp.n_balance] if lp.n_balance else lp.a[:0]
    return a @ x - lp.row_lb[: lp.n_balance]


def check_mass_balance(lp: Frozen, x: np.ndarray, labels, tol: float = TOLERANCE) -> float:
    """Largest |residual| over balance rows and bound violations; raises if over `tol`.

    `labels` (a DataFrame, or a callable returning one) names the rows in the error."""
    res = balance_residual(lp, x)
    worst = float(np.max(np.abs(res))) if len(res) else 0.0
    if worst > tol:
        i = int(np.argmax(np.abs(res)))
        row = (labels() if callable(labels) else labels).iloc[i]
        raise MassBalanceError(
            f"mass balance broken by {res[i]:.3g} t for {row['commodity']} in {row['region']} "
            f"in {row['period']} (tolerance {tol:g} t); the solver's answer is not trustworthy — "
            "check for extreme scales in the data (tiny and huge numbers together)")
    low = float(np.max(lp.lb - x, initial=0.0))
    high = float(np.max(np.where(np.isfinite(lp.ub), x - lp.ub, 0.0), initial=0.0))
    if max(low, high) > tol:
        raise MassBalanceError(
            f"a variable breaks its bounds by {max(low, high):.3g}; the solver's answer is not "
            "trustworthy — check for extreme scales in the data")
    return worst
