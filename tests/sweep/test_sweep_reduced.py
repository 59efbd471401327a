"""A sample's held past substituted out (lp/reduce.py, sweep/reduce.py): the LP of the periods
from its first event on, solved alone, gives the full LP's answer."""

import numpy as np
import pytest
import scipy.sparse as sp

import rareflow
from rareflow.lp.matrix import CSC, Frozen
from rareflow.lp.reduce import fix_columns, restrict_basis
from rareflow.sweep.kernel import Kernel
from rareflow.sweep.plan import compile_plan
from tests.sweep.helpers import pinned, stocked_ban


# ---- the LP operation, by hand -------------------------------------------------------------
def tiny() -> Frozen:
    """Three columns x0, x1, x2 and three rows:
        r0:  x0 + x1      = 5     (a balance: both periods)
        r1:  x0           ≤ 4     (only the held column)
        r2:       x1 + x2 ≥ 2
    cost 1, 2, 3; 0 ≤ x ≤ 10."""
    a = sp.csc_matrix(np.array([[1.0, 1.0, 0.0], [1.0, 0.0, 0.0], [0.0, 1.0, 1.0]]))
    return Frozen(csc=CSC.of(a), lb=np.zeros(3), ub=np.full(3, 10.0), cost=np.array([1.0, 2.0, 3.0]),
                  row_lb=np.array([5.0, -np.inf, 2.0]), row_ub=np.array([5.0, 4.0, np.inf]),
                  n_balance=1)


def test_fixing_a_column_moves_it_into_the_right_hand_sides():
    """x0 held at 3: r0 becomes x1 = 5 − 3 = 2; r1 reads 3 ≤ 4, a fact about the held value
    alone, so it is dropped (and holds); r2 keeps x1 + x2 ≥ 2 (no held column in it). The
    objective gains the constant 1 × 3 = 3, and the full solution puts 3 back in x0."""
    red = fix_columns(tiny(), np.array([0]), np.array([3.0]))
    assert red.cols.tolist() == [1, 2]
    assert red.rows.tolist() == [0, 2]
    assert red.dropped.tolist() == [1]
    assert red.lp.row_lb.tolist() == [2.0, 2.0]
    assert red.lp.row_ub.tolist() == [2.0, np.inf]
    assert red.lp.n_balance == 1
    assert red.objective_shift == 3.0
    assert red.dropped_hold(tiny().row_lb, tiny().row_ub)
    assert not red.dropped_hold(tiny().row_lb, np.array([5.0, 2.0, np.inf]))  # 3 ≤ 2 fails
    assert red.expand(np.array([2.0, 0.0])).tolist() == [3.0, 2.0, 0.0]


def test_a_basis_that_lost_a_basic_column_gets_a_slack_where_it_was():
    """Full basis: x0 and x1 basic, r1's slack basic (3 rows, 3 basic). x0 held: it leaves and
    so does r1 (dropped), which takes its basic slack with it: 1 basic (x1) for 2 kept rows.
    The gap is filled by the slack of a kept row x0 met — r0 — and not r2's."""
    lp = tiny()
    red = fix_columns(lp, np.array([0]), np.array([3.0]))
    col, row = restrict_basis(red, lp.a, np.array([1, 1, 0], np.int8), np.array([0, 1, 0], np.int8))
    assert col.tolist() == [1, 0]
    assert row.tolist() == [1, 0]
    # basis {x1, x2, r1's slack} (nonsingular: x2 only in r2, the slack only in r1, x1 in r0):
    # r1 leaves with its basic slack, x1 and x2 stay basic for the 2 kept rows, no gap
    col, row = restrict_basis(red, lp.a, np.array([0, 1, 1], np.int8), np.array([0, 1, 0], np.int8))
    assert (col.tolist(), row.tolist()) == ([1, 1], [0, 0])
    # a set of 3 basic variables that is no basis of the full LP (r1 would meet none of
    # them) leaves 3 basic for 2 kept rows: refused, the full LP is solved instead
    assert restrict_basis(red, lp.a, np.array([0, 1, 1], np.int8), np.array([0, 0, 1], np.int8)) is None


# ---- in a sweep: reduced against full --------------------------------------------------------
def late_ban_world(start: int = 2027, **event) -> dict:
    """A makes up to 100 t/yr (cost 1) and ships to B (cost 1); B needs 60 t/yr (penalty 1000)
    and may stock up to 200 t (holding cost 1 per t per year). A ban on A→B is certain from
    `start` (onset at the period's start) for a year.

    Base plan (no ban known): make and ship 60 t a year, store nothing. Ban in 2027 (the last
    period): 2024–2026 are held at that plan, so 2027 has no stock and is short all 60 t;
    the LP solved per sample is 2027's alone. Ban in 2025: 2024 is held, then the LP of
    2025–2027 knows the ban from 2025 on: 2025 is short 60 t (nothing stored in 2024), 2026
    and 2027 are served."""
    return stocked_ban("late-ban", [2024, 2025, 2026, 2027], start, **event)


def both(plan, i: int = 0):
    """Sample i solved on the reduced LP and on the full LP (fresh kernels)."""
    red = Kernel(plan)
    red.reduce_min_held = 0.0  # the reduced LP whatever share of the columns is held
    full = Kernel(plan)
    full.reduce_past = False
    return red, red.solve_sample(0, i), full, full.solve_sample(0, i)


def same(a: dict, b: dict) -> None:
    assert a["objective"] == pytest.approx(b["objective"], rel=1e-9)
    np.testing.assert_allclose(a["unserved"], b["unserved"], atol=1e-6)
    assert a["periods_short"].tolist() == b["periods_short"].tolist()


@pytest.mark.parametrize(("start", "short", "periods"), [(2027, 60.0, 1), (2025, 60.0, 1)])
def test_a_sample_solved_on_its_unheld_periods_equals_the_full_lp(start, short, periods):
    plan = compile_plan(rareflow.from_mapping(late_ban_world(start)))
    red, a, full, b = both(plan)
    assert a["events"].tolist() == [1]
    assert red.n_reduced == 1 and full.n_reduced == 0
    k = start - 2024  # the first event's period: periods 0…k−1 held
    past = red.reduced[k]
    assert set(plan.col_period[past.red.cols]) == set(range(k, 4))
    assert a["unserved"].sum() == pytest.approx(short, abs=1e-6)
    assert a["periods_short"].sum() == periods
    same(a, b)


def test_the_last_period_alone_is_solved_when_the_event_starts_there():
    """Ban in 2027: one period of four is left; its LP has that period's columns only, and the
    objective is the held plan's cost plus 2027's: 3 × (60 made + 60 shipped) = 360 of
    operating cost held (undiscounted here) plus 60 t × 1000 short — checked against the full
    LP rather than written out, as the objective also carries the model's own terms."""
    plan = compile_plan(rareflow.from_mapping(late_ban_world(2027)))
    red, a, full, b = both(plan)
    past = red.reduced[3]
    assert len(past.red.cols) == int((plan.col_period == 3).sum())
    assert len(past.red.held) == int((plan.col_period < 3).sum())
    same(a, b)


def test_a_sample_with_no_event_on_a_staged_plan_is_the_base_plan_without_a_solve():
    """The ban announced as a policy in 2025 makes the base plan staged; the sampled event
    never happens (probability 0), so every period is held: nothing is left to solve and the
    sample is the base plan — 60 t short in 2025 — as the full LP says."""
    w = late_ban_world(2027, probability=0.0)
    w["policies"] = [{"id": "p", "type": "export_ban", "exporter": "A", "commodity": "m",
                      "to": ["B"], "start": 2025, "end": 2025, "announced": 2025}]
    plan = compile_plan(rareflow.from_mapping(w))
    assert plan.staged
    red, a, full, b = both(plan)
    assert a["events"].tolist() == [0]
    assert red.n_reduced == 1
    assert red.reduced[4].h is None and len(red.reduced[4].red.cols) == 0  # no solver at all
    assert a["iterations"] == 0
    assert a["unserved"].sum() == pytest.approx(60.0, abs=1e-6)
    assert a["objective"] == pytest.approx(plan.base_objective, rel=1e-9)
    same(a, b)


def test_a_held_column_outside_its_sample_bounds_goes_to_the_full_lp():
    """The substitution is taken only when it is exact: a held column whose base value the
    sample's bounds exclude is left to the full LP (None), which holds it as it always has."""
    plan = compile_plan(rareflow.from_mapping(late_ban_world(2027)))
    k = Kernel(plan)
    k.solve_sample(0, 0)
    past = k.reduced[3]
    lb, ub = k.lb.copy(), k.ub.copy()
    c = past.red.held[np.argmax(past.red.value)]  # a held column carrying flow
    ub[c] = past.red.value.max() / 2
    assert past.solve(lb, ub, k.rhs) is None
    assert past.solve(k.lb, k.ub, k.rhs) is not None


def test_the_reduced_answer_does_not_depend_on_what_the_worker_solved_before():
    """Samples of different k on one kernel, in two orders: bit-identical answers."""
    plan = compile_plan(rareflow.from_mapping(late_ban_world(2025, probability=0.5, end=2027)))
    k1, k2 = Kernel(plan), Kernel(plan)
    order = list(range(12))
    r1 = {i: k1.solve_sample(3, i) for i in order}
    r2 = {i: k2.solve_sample(3, i) for i in reversed(order)}
    assert k1.n_reduced > 0
    for i in order:
        assert r1[i]["objective"] == r2[i]["objective"]
        assert r1[i]["unserved"].tolist() == r2[i]["unserved"].tolist()


def test_a_pool_refuses_an_infeasible_event_as_one_process_does():
    """The pre-check runs on the pool's workers (its first tasks, the events shared out) when
    there is a pool: the same refusal, naming the same event, as in one process. A's plant must
    run 50 t in 2024 on ore from A's mine alone: a mine outage that can reach 2024 leaves no
    feasible plan; one from 2025 on is fine."""
    from rareflow.errors import ScenarioError
    from rareflow.sweep import sweep

    w = pinned({"id": "fine-too", "type": "outage", "facility": "mine", "probability": 0.1,
                "duration": 3, "start": 2025})
    msgs = []
    for workers in (1, 2):
        with pytest.raises(ScenarioError) as e:
            sweep(rareflow.from_mapping(w), n=6, workers=workers)
        msgs.append([(p.path, p.message, p.fix) for p in e.value.problems])
    assert msgs[0] == msgs[1]
    assert [m[0] for m in msgs[1]] == ["uncertainty.events[1]"]
    w["uncertainty"]["events"].pop(1)
    one, two = (sweep(rareflow.from_mapping(w), n=6, workers=k) for k in (1, 2))
    assert two.runner == "processes"
    assert one.samples["objective"].tolist() == two.samples["objective"].tolist()
