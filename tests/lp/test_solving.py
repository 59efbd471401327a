"""One solve path (lp/solving.py): cold first, warm after, cold again when a warm start runs
over its iteration limit — the rule `Model.solve` and every sweep sample share."""

import numpy as np
import pytest

import rareflow
from rareflow.errors import MassBalanceError
from rareflow.lp import highs, solving
from rareflow.lp.check import BalanceCheck
from rareflow.lp.rationing import ration
from tests.conftest import chain

# A makes at 1/t, C at 5/t (100 t/yr each); both ship to B at 1/t; B asks 80 t/yr (penalty
# 1,000/t). Two years: 80 · 2 · 2 = 320. With A→B closed: 80 · 6 · 2 = 960.
NET = chain(
    facilities=[{"id": "fa", "region": "A", "process": "make", "capacity": 100, "cost": 1},
                {"id": "fc", "region": "C", "process": "make", "capacity": 100, "cost": 5}],
    routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 1},
            {"from": "C", "to": "B", "commodity": "m", "cost": 1}],
    demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 80, "priority": 1000}],
)


def option(h, key):
    v = h.getOptionValue(key)
    return v[1] if isinstance(v, tuple) else v


def close_a_to_b(m):
    cols = m.build.route_cols[0]
    highs.change_col_bounds(m.solver(), cols, np.zeros(len(cols)), np.zeros(len(cols)))


def test_the_first_solve_is_cold_and_a_re_solve_warm(approx):
    m = rareflow.from_mapping(NET)
    first = m.solve()
    assert first.solution.method == solving.COLD and first.objective == approx(320)
    again = m.solve()
    assert again.solution.method == solving.WARM and again.solution.iterations == 0


def test_a_warm_solve_within_its_limit_stays_warm(approx):
    m = rareflow.from_mapping(NET)
    m.solve()
    close_a_to_b(m)
    sol = solving.solve(m.solver(), m.frozen)
    assert sol.method == solving.WARM and sol.iterations > 0
    assert sol.objective == approx(960)


def test_a_warm_solve_over_its_limit_is_re_solved_cold(approx):
    m = rareflow.from_mapping(NET)
    m.solve()
    close_a_to_b(m)
    sol = solving.solve(m.solver(), m.frozen, iteration_limit=0)  # any pivot is too many
    assert sol.method == solving.COLD_FALLBACK and sol.status == "optimal"
    assert sol.objective == approx(960)
    # the limit was the rule's, for that warm attempt only
    assert option(m.solver(), "simplex_iteration_limit") == highs.INF_ITER


def test_a_given_basis_starts_from_it_on_a_cleared_solver(approx):
    m = rareflow.from_mapping(NET)
    m.solve()
    h = m.solver()
    base = highs.make_basis(*highs.get_basis(h))
    close_a_to_b(m)
    assert solving.solve(h, m.frozen, basis=base, duals=False).objective == approx(960)
    cols = m.build.route_cols[0]
    highs.change_col_bounds(h, cols, m.frozen.lb[cols], m.frozen.ub[cols])
    back = solving.solve(h, m.frozen, basis=base, duals=False)
    assert back.iterations == 0 and back.objective == approx(320)  # the base basis is optimal
    assert back.row_dual is None and back.x is not None


def test_the_users_iteration_limit_is_left_alone():
    m = rareflow.from_mapping(NET)
    m.solve(simplex_iteration_limit=1000)
    close_a_to_b(m)
    m.solve()
    assert option(m.solver(), "simplex_iteration_limit") == 1000


def test_the_check_uses_the_bounds_and_right_hand_sides_it_is_given():
    m = rareflow.from_mapping(NET)
    x = m.solve().solution.x
    chk = BalanceCheck(m.frozen)
    assert chk.check(x, m.build.balance_labels) <= 1e-6
    rhs = m.frozen.row_lb[: m.frozen.n_balance].copy()
    rhs[m.build.pairs[("B", "m")] * 2 + 1] += 5.0  # B asks 5 t more in 2025 than was solved
    with pytest.raises(MassBalanceError, match=r"^sample 7: mass balance broken .* m in B in 2025"):
        chk.check(x, m.build.balance_labels, rhs=rhs, what="sample 7: ")
    ub = m.frozen.ub.copy()
    ub[m.build.route_cols[0]] = 0.0  # a bound the solution was not solved with
    with pytest.raises(MassBalanceError, match="breaks its bounds by 80"):
        chk.check(x, m.build.balance_labels, ub=ub)


def test_the_check_reads_held_columns_at_the_values_they_were_held_at():
    """`held` (a sweep's past held at the base plan) checks those columns as lb = ub = value:
    the same verdict and the same number as writing the values into copies of both bounds."""
    m = rareflow.from_mapping(NET)
    x = m.solve().solution.x
    chk = BalanceCheck(m.frozen)
    col = m.build.route_cols[0]  # carries 80 t
    cols = np.array([col])
    assert chk.check(x, m.build.balance_labels, held=(cols, x[cols])) <= 1e-6
    with pytest.raises(MassBalanceError, match="breaks its bounds by 3"):
        chk.check(x, m.build.balance_labels, held=(cols, x[cols] - 3.0))
    lb, ub = m.frozen.lb.copy(), m.frozen.ub.copy()
    lb[cols] = ub[cols] = x[cols] + 3.0
    with pytest.raises(MassBalanceError, match="breaks its bounds by 3"):
        chk.check(x, m.build.balance_labels, lb=lb, ub=ub)
    with pytest.raises(MassBalanceError, match="breaks its bounds by 3"):
        chk.check(x, m.build.balance_labels, held=(cols, x[cols] + 3.0))


def test_ration_leaves_the_solution_alone_without_demands_and_copies_otherwise():
    x = np.array([1.0, 2.0, 3.0])
    assert ration(x, np.zeros((0, 2), dtype=np.int64), np.zeros((0, 2)),
                  np.zeros(0, dtype=np.int64)) is x
    # two tied demands asking 30 and 10 t, 20 t short, all on the first: split 15 / 5
    y = ration(np.array([20.0, 0.0, 7.0]), np.array([[0], [1]]), np.array([[30.0], [10.0]]),
               np.array([0, 0]))
    assert y.tolist() == [15.0, 5.0, 7.0]
