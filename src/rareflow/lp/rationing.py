"""Equal priority, equal pain: a shortfall shared pro rata among demands that tie.

Demands for the same commodity in the same region and period with the same priority are
indistinguishable to the LP: the balance row sees only their sum and the objective only their
common penalty, so any split of the shortfall among them is optimal, and HiGHS's vertex puts
all of it on whichever sector its pivoting reached first. "Which sector runs short first"
would then be an accident of column order. After every solve the group's unserved total is
therefore re-split in proportion to the amounts asked: the objective, every balance row and
every bound are unchanged (each share stays within its demand), so the answer is as optimal
as the solver's and the duals still price it. A sector that should be served first says so
with a higher `priority`.
"""

from __future__ import annotations

import numpy as np


def tie_groups(pairs: np.ndarray, priority: np.ndarray) -> np.ndarray:
    """(D,) group index: demands sharing a balance row (region × commodity) and a priority."""
    if not len(pairs):
        return np.zeros(0, dtype=np.int64)
    keys = np.stack([np.asarray(pairs, dtype=float), np.asarray(priority, dtype=float)], axis=1)
    _, group = np.unique(keys, axis=0, return_inverse=True)
    return group.ravel().astype(np.int64)


def group_sums(values: np.ndarray, group: np.ndarray, n: int,
               flat: np.ndarray | None = None) -> np.ndarray:
    """(n, T) sums of the rows of `values` (D, T) by `group` (D,): what `np.add.at` into
    zeros gives, to the last bit, at a fraction of its cost on 2-D rows (it loops per row).
    `np.bincount` adds its weights in input order starting from 0.0, and the flattened
    (D, T) values reach each (group, period) cell in increasing D — the order `np.add.at`
    adds whole rows in — so every sum is the same sequence of additions. `flat`: the
    flattened cell index `group * T + t`, when the caller keeps it (a sweep, per sample)."""
    T = values.shape[1]
    if flat is None:
        flat = (group[:, None] * T + np.arange(T)).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=n * T).reshape(n, T)


def share(unserved: np.ndarray, amount: np.ndarray, group: np.ndarray) -> np.ndarray:
    """(D, T) unserved, re-split pro rata to `amount` within each tie group and period."""
    if not len(group):
        return unserved
    u = np.maximum(unserved, 0.0)
    n = int(group.max()) + 1
    tot_u = group_sums(u, group, n)
    tot_a = group_sums(amount, group, n)
    ga = tot_a[group]
    frac = np.divide(tot_u[group], ga, out=np.zeros_like(ga), where=ga > 0)
    out = np.where(ga > 0, np.minimum(frac * amount, amount), unserved)
    return out


def ration(x: np.ndarray, unserved_cols: np.ndarray, amount: np.ndarray,
           group: np.ndarray) -> np.ndarray:
    """The solution `x` with the unserved columns (D, T) re-split by `share` (a copy; `x`
    itself when there are no demands). Called after every solve, single or sweep sample;
    `amount` is what was asked in that solve (a sweep's demand shocks included)."""
    if not len(group):
        return x
    x = x.copy()
    x[unserved_cols] = share(x[unserved_cols], amount, group)
    return x


class Rationing:
    """`ration` for the many solutions of one LP (a sweep's samples), in place.

    The same arithmetic as `share`, operation for operation, so the same numbers to the last
    bit; what `share` works out again on every call is kept instead: the flattened group
    cells, and the groups' total amounts for the amounts last given while the caller passes
    that same array again (a sweep passes its base amounts on every sample without a demand
    shock, and a new array when a shock changes them)."""

    def __init__(self, unserved_cols: np.ndarray, group: np.ndarray) -> None:
        self.cols = unserved_cols
        self.group = group
        self.n = int(group.max()) + 1 if len(group) else 0
        T = unserved_cols.shape[1] if unserved_cols.ndim == 2 else 0
        self.flat = (group[:, None] * T + np.arange(T)).ravel()
        self._amount: np.ndarray | None = None
        self._ga = self._on = None

    def __call__(self, x: np.ndarray, amount: np.ndarray) -> np.ndarray:
        """Re-split the unserved columns of `x` (changed in place) pro rata to `amount`, as
        `ration` would in a copy; returns the unserved columns' (D, T) values."""
        unserved = x[self.cols]
        if not len(self.group):
            return unserved
        if amount is not self._amount:
            self._ga = group_sums(amount, self.group, self.n, self.flat)[self.group]
            self._on = self._ga > 0
            self._amount = amount
        ga, on = self._ga, self._on
        tot_u = group_sums(np.maximum(unserved, 0.0), self.group, self.n, self.flat)
        frac = np.divide(tot_u[self.group], ga, out=np.zeros_like(ga), where=on)
        out = np.where(on, np.minimum(frac * amount, amount), unserved)
        x[self.cols] = out
        return out
