"""A linear program filled in vectorised blocks, then frozen into CSC arrays for HiGHS.

Columns and rows are added a block at a time (one block per entity kind, all periods at
once), each with a label table so results and explanations can name every variable and row.
Balance rows are addressed by (region, commodity) pair and period, allocated lazily as
entities touch them, and placed first in the final row order.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
import pandas as pd
import scipy.sparse as sp


@dataclass
class Span:
    kind: str
    start: int
    stop: int
    labels: pd.DataFrame  # one row per column/row of the block

    def __len__(self) -> int:
        return self.stop - self.start


def _cat(parts: list[np.ndarray], dtype) -> np.ndarray:
    return np.concatenate(parts).astype(dtype) if parts else np.zeros(0, dtype=dtype)


class LP:
    def __init__(self) -> None:
        self.lb = np.zeros(0)
        self.ub = np.zeros(0)
        self.cost = np.zeros(0)
        self.cols: list[Span] = []
        self.row_lb_parts: list[np.ndarray] = []
        self.row_ub_parts: list[np.ndarray] = []
        self.rows: list[Span] = []
        self.n_rows = 0
        self._r: list[np.ndarray] = []
        self._c: list[np.ndarray] = []
        self._v: list[np.ndarray] = []
        # balance contributions, keyed by pair * T + t before the final shift
        self._br: list[np.ndarray] = []
        self._bc: list[np.ndarray] = []
        self._bv: list[np.ndarray] = []
        self._rhs_k: list[np.ndarray] = []
        self._rhs_v: list[np.ndarray] = []

    @property
    def n_cols(self) -> int:
        return len(self.lb)

    def add_cols(self, kind: str, labels: pd.DataFrame, lb, ub, cost) -> np.ndarray:
        n = len(labels)
        start = self.n_cols
        self.lb = np.concatenate([self.lb, np.broadcast_to(np.asarray(lb, float), n)])
        self.ub = np.concatenate([self.ub, np.broadcast_to(np.asarray(ub, float), n)])
        self.cost = np.concatenate([self.cost, np.broadcast_to(np.asarray(cost, float), n)])
        self.cols.append(Span(kind, start, start + n, labels.reset_index(drop=True)))
        return np.arange(start, start + n)

    def add_rows(self, kind: str, labels: pd.DataFrame, lb, ub) -> np.ndarray:
        """Non-balance rows; their indices are final only after `freeze` shifts them."""
        n = len(labels)
        start = self.n_rows
        self.row_lb_parts.append(np.broadcast_to(np.asarray(lb, float), n).copy())
        self.row_ub_parts.append(np.broadcast_to(np.asarray(ub, float), n).copy())
        self.rows.append(Span(kind, start, start + n, labels.reset_index(drop=True)))
        self.n_rows += n
        return np.arange(start, start + n)

    def _row_part(self, rows) -> tuple[np.ndarray, np.ndarray]:
        """(block, position in the block) of non-balance rows."""
        rows = np.asarray(rows, dtype=np.int64)
        starts = np.array([sp.start for sp in self.rows], dtype=np.int64)
        k = np.searchsorted(starts, rows, side="right") - 1
        return k, rows - starts[k]

    def get_row_bounds(self, rows) -> tuple[np.ndarray, np.ndarray]:
        """Bounds of non-balance rows (before `freeze`)."""
        k, pos = self._row_part(rows)
        lb = np.array([self.row_lb_parts[a][b] for a, b in zip(k, pos, strict=True)], dtype=float)
        ub = np.array([self.row_ub_parts[a][b] for a, b in zip(k, pos, strict=True)], dtype=float)
        return lb, ub

    def set_row_bounds(self, rows, lb=None, ub=None) -> None:
        """Change bounds of non-balance rows (before `freeze`); either side may be None."""
        k, pos = self._row_part(rows)
        for side, parts in ((lb, self.row_lb_parts), (ub, self.row_ub_parts)):
            if side is None:
                continue
            vals = np.broadcast_to(np.asarray(side, float), k.shape)
            for a, b, v in zip(k, pos, vals, strict=True):
                parts[a][b] = v

    def add_coeffs(self, rows, cols, vals) -> None:
        rows, cols = np.asarray(rows), np.asarray(cols)
        self._r.append(rows.ravel())
        self._c.append(cols.ravel())
        self._v.append(np.broadcast_to(np.asarray(vals, float), rows.shape).ravel().copy())

    def add_balance(self, keys, cols, vals) -> None:
        keys, cols = np.asarray(keys), np.asarray(cols)
        self._br.append(keys.ravel())
        self._bc.append(cols.ravel())
        self._bv.append(np.broadcast_to(np.asarray(vals, float), keys.shape).ravel().copy())

    def add_balance_rhs(self, keys, vals) -> None:
        keys = np.asarray(keys)
        self._rhs_k.append(keys.ravel())
        self._rhs_v.append(np.broadcast_to(np.asarray(vals, float), keys.shape).ravel().copy())

    def freeze(self, n_balance: int) -> Frozen:
        """CSC matrix with balance rows 0..n_balance-1 first, then the other rows."""
        br = _cat(self._br, np.int64)
        r = _cat(self._r, np.int64) + n_balance
        rows = np.concatenate([br, r])
        cols = np.concatenate([_cat(self._bc, np.int64), _cat(self._c, np.int64)])
        vals = np.concatenate([_cat(self._bv, float), _cat(self._v, float)])
        n_rows = n_balance + self.n_rows
        a = sp.csc_matrix((vals, (rows, cols)), shape=(n_rows, self.n_cols))
        a.sum_duplicates()
        a.eliminate_zeros()
        rhs = np.bincount(_cat(self._rhs_k, np.int64), _cat(self._rhs_v, float), minlength=n_balance)
        row_lb = np.concatenate([rhs, _cat(self.row_lb_parts, float)])
        row_ub = np.concatenate([rhs, _cat(self.row_ub_parts, float)])
        # the parts live on in the matrix: drop them (11 MB at 250,000 variables)
        for parts in (self._r, self._c, self._v, self._br, self._bc, self._bv, self._rhs_k,
                      self._rhs_v):
            parts.clear()
        return Frozen(a, self.lb.copy(), self.ub.copy(), self.cost.copy(), row_lb, row_ub, n_balance)


@dataclass
class Frozen:
    a: sp.csc_matrix
    lb: np.ndarray
    ub: np.ndarray
    cost: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray
    n_balance: int
    integer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    @property
    def shape(self) -> tuple[int, int]:
        return self.a.shape
