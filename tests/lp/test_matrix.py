"""The frozen matrix is assembled with numpy (lp/matrix.py `csc`) and the mass-balance product
with np.bincount (lp/check.py): both must give scipy.sparse's arrays and products bit for bit."""

import numpy as np
import pytest
import scipy.sparse as sp

from rareflow import load
from rareflow.lp.check import BalanceCheck
from rareflow.lp.matrix import csc
from rareflow.scenario.loader import builtin_names


def scipy_csc(rows, cols, vals, shape):
    a = sp.csc_matrix((vals, (rows, cols)), shape=shape)
    a.sum_duplicates()
    a.eliminate_zeros()
    return a


def same(mine, ref) -> None:
    assert mine.shape == ref.shape
    for name in ("data", "indices", "indptr"):
        got, want = getattr(mine, name), getattr(ref, name)
        assert got.dtype == want.dtype, name
        assert np.array_equal(got, want), name
        if name == "data":  # bit for bit, not just equal values
            assert got.tobytes() == want.tobytes()


def test_duplicates_summed_zeros_dropped_rows_sorted():
    # (0,0) given twice sums to 3; (2,1) given as 1 and -1 sums to 0 and is dropped; an explicit
    # 0 at (1,2) is dropped; column 1 is given rows 2, 0 in that order and comes out 0, 2
    rows = np.array([0, 2, 0, 1, 2, 0, 1])
    cols = np.array([0, 1, 0, 2, 1, 1, 0])
    vals = np.array([1.0, 1.0, 2.0, 0.0, -1.0, 5.0, 7.0])
    a = csc(rows, cols, vals, (3, 4))
    assert a.indptr.tolist() == [0, 2, 3, 3, 3]
    assert a.indices.tolist() == [0, 1, 0]
    assert a.data.tolist() == [3.0, 7.0, 5.0]
    same(a, scipy_csc(rows, cols, vals, (3, 4)))


def test_random_triplets_match_scipy():
    rng = np.random.default_rng(7)
    for n_rows, n_cols, n in ((1, 1, 0), (5, 3, 40), (50, 80, 2_000), (300, 40, 20_000)):
        rows = rng.integers(0, n_rows, n)
        cols = rng.integers(0, n_cols, n)
        # whole numbers: some exact zeros and sums to zero, and every sum exact in any order
        # (scipy's order of adding three or more duplicates depends on its sort; ours is the
        # order they were added)
        vals = rng.integers(-3, 4, n).astype(float)
        same(csc(rows, cols, vals, (n_rows, n_cols)), scipy_csc(rows, cols, vals, (n_rows, n_cols)))


def test_pairs_of_duplicates_match_scipy_bit_for_bit():
    # an entry given twice: a + b == b + a exactly, whatever the order, so fractions too
    rng = np.random.default_rng(3)
    rows = np.tile(rng.integers(0, 400, 3_000), 2)
    cols = np.tile(rng.integers(0, 30, 3_000), 2)
    key = cols * 400 + rows
    _, once = np.unique(key[:3_000], return_index=True)
    rows, cols = np.concatenate([rows[once], rows[once]]), np.concatenate([cols[once], cols[once]])
    vals = rng.normal(size=len(rows)) * 1e3
    same(csc(rows, cols, vals, (400, 30)), scipy_csc(rows, cols, vals, (400, 30)))


@pytest.mark.parametrize("name", builtin_names())
def test_builtin_scenarios_match_scipy(name, monkeypatch):
    import rareflow.lp.matrix as matrix

    seen = {}
    real = matrix.csc

    def spy(rows, cols, vals, shape):
        seen["ref"] = scipy_csc(rows, cols, vals, shape)
        return real(rows, cols, vals, shape)

    monkeypatch.setattr(matrix, "csc", spy)
    m = load(name)
    same(m.frozen.csc, seen["ref"])
    same(m.frozen.a, seen["ref"])  # the scipy view shares the arrays
    x = np.random.default_rng(1).uniform(0, 1000, m.frozen.shape[1])
    nb = m.frozen.n_balance
    want = seen["ref"][:nb] @ x - m.frozen.row_lb[:nb]
    chk = BalanceCheck(m.frozen)
    assert chk.residual(x).tobytes() == want.tobytes()  # np.bincount
    assert chk.residual(x).tobytes() == want.tobytes()  # scipy.sparse, from the second check


def test_rows_and_columns_by_index_as_scipy_gives_them():
    # CSC.tocsr, CSR.rows and CSC.cols (the explanation's trace) against scipy's tocsr,
    # csr[rows].tocoo() and a[:, cols].tocoo(): the same entries in the same order
    rng = np.random.default_rng(5)
    for n_rows, n_cols, n in ((6, 4, 10), (60, 90, 700), (300, 50, 4_000)):
        rows, cols = rng.integers(0, n_rows, n), rng.integers(0, n_cols, n)
        vals = rng.integers(-3, 4, n).astype(float)
        mine, ref = csc(rows, cols, vals, (n_rows, n_cols)), scipy_csc(rows, cols, vals, (n_rows, n_cols))
        r, ref_r = mine.tocsr(), ref.tocsr()
        same(r, ref_r)
        for pick in (np.arange(0), np.unique(rng.integers(0, n_rows, 5)), rng.integers(0, n_rows, 7)):
            pos, col, val = r.rows(pick)
            coo = ref_r[pick].tocoo()
            assert pos.tolist() == coo.row.tolist() and col.tolist() == coo.col.tolist()
            assert val.tobytes() == coo.data.tobytes()
        for pick in (np.arange(0), np.unique(rng.integers(0, n_cols, 5)), rng.integers(0, n_cols, 7)):
            pos, row, val = mine.cols(pick)
            coo = ref[:, pick].tocoo()
            assert pos.tolist() == coo.col.tolist() and row.tolist() == coo.row.tolist()
            assert val.tobytes() == coo.data.tobytes()
