"""A linear program filled in vectorised blocks, then frozen into CSC arrays for HiGHS.

Columns and rows are added a block at a time (one block per entity kind, all periods at
once), each with a label table so results and explanations can name every variable and row.
Balance rows are addressed by (region, commodity) pair and period, allocated lazily as
entities touch them, and placed first in the final row order.

The frozen matrix is kept as its three CSC arrays (`CSC`), assembled here with numpy; the
scipy.sparse matrix over the same arrays (`Frozen.a`) is made on first use. What every solve
needs — handing the arrays to HiGHS, the mass-balance check, the trace of a shortfall's
causes (`CSC.tocsr`, `CSC.cols`, `CSR.rows`) — reads the arrays, so `rareflow run` never
imports scipy.sparse: its import pulls numpy.testing and numpy.f2py in through scipy's
array-API layer, 0.1–0.17 s of a 1 s run (issue 17). Diagnosis and alignment use
scipy.sparse as before.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import TYPE_CHECKING

import numpy as np
import pandas as pd

if TYPE_CHECKING:
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
        a = csc(rows, cols, vals, (n_rows, self.n_cols))
        rhs = np.bincount(_cat(self._rhs_k, np.int64), _cat(self._rhs_v, float), minlength=n_balance)
        row_lb = np.concatenate([rhs, _cat(self.row_lb_parts, float)])
        row_ub = np.concatenate([rhs, _cat(self.row_ub_parts, float)])
        # the parts live on in the matrix: drop them (11 MB at 250,000 variables)
        for parts in (self._r, self._c, self._v, self._br, self._bc, self._bv, self._rhs_k,
                      self._rhs_v):
            parts.clear()
        return Frozen(a, self.lb.copy(), self.ub.copy(), self.cost.copy(), row_lb, row_ub, n_balance)


def csc(rows: np.ndarray, cols: np.ndarray, vals: np.ndarray, shape: tuple[int, int]) -> CSC:
    """The canonical CSC arrays of the coordinate triplets: columns in order, rows ascending
    within each column, duplicates summed, zeros (given or summed to zero) dropped — the
    arrays `scipy.sparse.csc_matrix((vals, (rows, cols)))` then `.sum_duplicates()` and
    `.eliminate_zeros()` give, with the same index type (int32 when the sizes fit).

    Why it is exact: no arithmetic touches an entry given once (the built-in scenarios give
    every entry once), and an entry given twice is a + b = b + a whatever the order; both
    are then scipy's bit for bit. An entry given three or more times is summed in the order
    it was added (the stable sort keeps it, `np.bincount` adds one after another from 0.0),
    where scipy adds in whatever order its per-column sort leaves: either is the sum up to
    its last bit. tests/lp/test_matrix.py compares the arrays with scipy's."""
    n_rows, n_cols = shape
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    vals = np.asarray(vals, dtype=np.float64)
    key = cols * n_rows + rows
    order = np.argsort(key, kind="stable")
    key, vals = key[order], vals[order]
    if len(key) > 1 and not np.all(key[1:] != key[:-1]):
        first = np.ones(len(key), dtype=bool)
        first[1:] = key[1:] != key[:-1]
        group = np.cumsum(first) - 1
        vals = np.bincount(group, weights=vals)  # in order, from 0.0: exact as scipy
        key = key[first]
    keep = vals != 0
    key, vals = key[keep], vals[keep]
    col = key // max(n_rows, 1)
    index = np.int32 if max(n_rows, n_cols, len(key)) < np.iinfo(np.int32).max else np.int64
    indptr = np.zeros(n_cols + 1, dtype=index)
    np.cumsum(np.bincount(col, minlength=n_cols), out=indptr[1:])
    return CSC(vals, (key - col * n_rows).astype(index), indptr, (n_rows, n_cols))


@dataclass
class CSC:
    """A sparse matrix as its compressed-column arrays (what HiGHS takes): the entries of
    column j are `data[indptr[j]:indptr[j + 1]]`, in rows `indices[…]`, ascending."""
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    @property
    def nnz(self) -> int:
        return len(self.data)

    def entry_cols(self) -> np.ndarray:
        """The column of each entry (the counterpart of `indices`)."""
        return np.repeat(np.arange(self.shape[1], dtype=np.int64), np.diff(self.indptr))

    @classmethod
    def of(cls, m) -> CSC:
        """The arrays of a scipy.sparse matrix, in compressed-column form (shared, not copied
        when it already is one)."""
        m = m.tocsc()
        return cls(m.data, m.indices, m.indptr, m.shape)

    def scipy(self) -> sp.csc_matrix:
        """The same matrix as a scipy.sparse CSC matrix, sharing these arrays (no copy)."""
        import scipy.sparse as sp

        return sp.csc_matrix((self.data, self.indices, self.indptr), shape=self.shape)

    def tocsr(self) -> CSR:
        """The same matrix by rows, as scipy's `tocsr()` gives it: a stable sort of the entries
        by row keeps each row's entries in column order."""
        order = np.argsort(self.indices, kind="stable")
        indptr = np.zeros(self.shape[0] + 1, dtype=self.indptr.dtype)
        np.cumsum(np.bincount(self.indices, minlength=self.shape[0]), out=indptr[1:])
        return CSR(self.data[order], self.entry_cols()[order].astype(self.indices.dtype),
                   indptr, self.shape)

    def cols(self, cols) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The entries of the columns `cols`, column after column in that order (rows ascending
        within each): (position of the column in `cols`, row, value) — scipy's
        `a[:, cols].tocoo()` as (col, row, data)."""
        return _pick(self.indptr, self.indices, self.data, cols)


@dataclass
class CSR:
    """A sparse matrix as its compressed-row arrays (`CSC.tocsr`)."""
    data: np.ndarray
    indices: np.ndarray
    indptr: np.ndarray
    shape: tuple[int, int]

    def rows(self, rows) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The entries of the rows `rows`, row after row in that order (columns ascending
        within each): (position of the row in `rows`, column, value) — scipy's
        `a[rows].tocoo()` as (row, col, data)."""
        return _pick(self.indptr, self.indices, self.data, rows)


def _pick(indptr: np.ndarray, indices: np.ndarray, data: np.ndarray, major
          ) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """The entries of the major lines `major` (columns of a CSC, rows of a CSR), in order."""
    major = np.asarray(major, dtype=np.int64)
    start = indptr[major].astype(np.int64)
    n = indptr[major + 1].astype(np.int64) - start
    pos = np.repeat(np.arange(len(major), dtype=np.int64), n)
    k = np.repeat(start - (np.cumsum(n) - n), n) + np.arange(int(n.sum()), dtype=np.int64)
    return pos, indices[k], data[k]


@dataclass
class Frozen:
    csc: CSC
    lb: np.ndarray
    ub: np.ndarray
    cost: np.ndarray
    row_lb: np.ndarray
    row_ub: np.ndarray
    n_balance: int
    integer: np.ndarray = field(default_factory=lambda: np.zeros(0, dtype=np.int64))

    _a: sp.csc_matrix | None = field(default=None, init=False, repr=False, compare=False)

    @property
    def a(self) -> sp.csc_matrix:
        """The matrix as scipy.sparse (made on first use from the CSC arrays, then kept)."""
        if self._a is None:
            self._a = self.csc.scipy()
        return self._a

    @property
    def shape(self) -> tuple[int, int]:
        return self.csc.shape
