"""The HiGHS method rule (rareflow.lp.method) and what it must never change: the answer.

No timings here (they are measured in benchmarks/method_grid.py): which method the rule names
for which shape, and that dual simplex and interior point + crossover give the same objective
and the same vertex prices on a small LP whose prices are unique.
"""

import pytest

import rareflow
from rareflow.lp import highs, method
from tests.conftest import chain

DUAL = method.DUAL_SIMPLEX
IPM = method.IPM_CROSSOVER


# (columns, rows, nonzeros) of shapes measured by benchmarks/method_grid.py: the dual simplex
# was the faster method on every one of them
GRID = [(2_280, 1_115, 5_000), (13_488, 4_230, 24_996), (51_420, 9_000, 100_000),
        (193_185, 17_000, 380_000), (257_310, 40_000, 500_000), (262_485, 22_000, 520_000)]


@pytest.mark.parametrize(("cols", "rows", "nnz"), GRID)
@pytest.mark.parametrize("single", [True, False])
def test_rule_on_the_measured_grid(cols, rows, nnz, single):
    assert method.choose(cols, warm=False, n_rows=rows, nnz=nnz, single=single) == DUAL


def test_an_ipm_threshold_applies_to_one_off_cold_solves_only(monkeypatch):
    monkeypatch.setattr(method, "IPM_MIN_COLS", 300_000)
    shape = dict(n_rows=40_000, nnz=600_000)
    assert method.choose(299_999, warm=False, single=True, **shape) == DUAL
    assert method.choose(300_000, warm=False, single=True, **shape) == IPM
    # a warm re-solve starts from its basis: only the simplex can use it
    assert method.choose(300_000, warm=True, single=True, **shape) == DUAL
    # a sweep's base solve and staged solves keep the dual simplex
    assert method.choose(300_000, warm=False, single=False, **shape) == DUAL
    # the user's keys stand; the rule fills in only the others
    assert method.choose(300_000, warm=False, single=True, user={"solver": "simplex"},
                         **shape) == {"run_crossover": "on", "parallel": "off"}


def test_mip_and_words():
    assert method.choose(10**6, warm=False, integer=True, single=True) == {}  # HiGHS chooses
    assert method.describe(DUAL) == "dual simplex"
    assert method.describe(IPM) == "interior point + crossover"


def _priced():
    """A makes m at 1/t (capacity 100 t/yr), ships it to B at 1/t; B needs 60 t/yr (unserved
    costs 1000/t). Optimum: make and ship 60 t each year, objective 2·(60 + 60) = 240. The
    factory is below capacity and the route unbounded, so the prices are unique: 1 at A
    (making one more tonne there), 2 at B (making and shipping it)."""
    return chain(
        facilities=[{"id": "fa", "region": "A", "process": "make", "capacity": 100, "cost": 1}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 1}],
        demands=[{"region": "B", "commodity": "m", "sector": "s", "amount": 60, "priority": 1000}])


def _solve(options):
    m = rareflow.from_mapping(_priced())
    h = highs.new_solver(m.frozen, options)
    sol = highs.run(h)
    assert sol.status == "optimal"
    assert h.getBasis().valid  # a vertex: crossover ran
    return m, sol


def test_both_methods_give_the_same_objective_and_vertex_prices():
    m, simplex = _solve(DUAL)
    _, ipm = _solve(IPM)
    assert simplex.objective == pytest.approx(240.0, rel=1e-9)
    assert ipm.objective == pytest.approx(simplex.objective, rel=1e-9)
    n = m.frozen.n_balance
    assert ipm.row_dual[:n] == pytest.approx(simplex.row_dual[:n], abs=1e-7)
    assert sorted(abs(round(v, 6)) for v in simplex.row_dual[:n]) == [1.0, 1.0, 2.0, 2.0]
