"""The kernel's per-sample bookkeeping: whatever ran before, HiGHS holds exactly the sample's LP.

The kernel sends HiGHS only the bounds that changed since the previous sample (the columns
`_apply` changed, and those whose held state flips between two samples' first events). Here
every sample's bounds are worked out afresh from the plan — the events' bounds, the demand
shocks, the past held at the base plan, as docs/sweep.md says — and compared with what the
solver holds, bound for bound, after samples run in a shuffled order."""

import numpy as np

import rareflow
from rareflow.sweep.kernel import Kernel, held_until
from rareflow.sweep.plan import compile_plan
from rareflow.sweep.sample import sample_bounds, sample_effects
from tests.sweep.helpers import small_world


def fresh(plan, seed: int, i: int):
    """Column bounds and row bounds of sample i, from scratch."""
    lp = plan.frozen
    _, eff = sample_effects(plan, seed, i)
    tlb, tub, mult = sample_bounds(plan, eff)
    lb, ub = lp.lb.copy(), lp.ub.copy()
    lb[plan.touched], ub[plan.touched] = tlb, tub
    rlb, rub = lp.row_lb.copy(), lp.row_ub.copy()
    if mult is not None:
        sd = plan.shock_demands
        new = plan.demand_amount[sd] * mult
        # balance rows: plus the extra tonnes asked (compared to 1e-9 t below: the kernel
        # adds them one by one to the base right-hand side, here they are summed first)
        add = np.zeros(len(rlb))
        np.add.at(add, plan.demand_rows[sd], new - plan.demand_amount[sd])
        rows = np.unique(plan.demand_rows[sd])
        rlb[rows] = rlb[rows] + add[rows]
        rub[rows] = rlb[rows]
        lb[plan.unserved_cols[sd]] = 0.0
        ub[plan.unserved_cols[sd]] = new
    k = held_until(plan, eff)
    if k > 0:
        held = np.flatnonzero(plan.col_period < k)
        v = np.clip(plan.base_x[held], lb[held], ub[held])
        lb[held] = ub[held] = v
    return lb, ub, rlb, rub, k


def test_the_solver_holds_each_samples_own_bounds_whatever_ran_before():
    plan = compile_plan(rareflow.from_mapping(small_world()))
    k = Kernel(plan)
    order = np.random.default_rng(5).permutation(60)
    held_counts, shocked = set(), 0
    for i in order:
        rec = k.solve_sample(7, int(i))
        # Send what is still waiting (nothing, when the full LP solved the sample; the edits
        # put off while a smaller LP solved it otherwise): the full solver then holds this
        # sample's LP, however many samples' edits were put off
        k._flush()
        lb, ub, rlb, rub, held = fresh(plan, 7, int(i))
        got = k.h.getLp()
        assert np.array_equal(np.asarray(got.col_lower_), lb), f"sample {i}: lower bounds"
        assert np.array_equal(np.asarray(got.col_upper_), ub), f"sample {i}: upper bounds"
        n_bal = plan.frozen.n_balance
        assert np.allclose(np.asarray(got.row_lower_)[:n_bal], rlb[:n_bal], rtol=0, atol=1e-9)
        assert np.allclose(np.asarray(got.row_upper_)[:n_bal], rub[:n_bal], rtol=0, atol=1e-9)
        assert rec["status"] == "optimal"
        held_counts.add(held)
        shocked += int(not np.array_equal(rlb, plan.frozen.row_lb))
    # the samples exercised holding different pasts and demand shocks on and off
    assert len(held_counts) >= 3 and 0 < shocked < len(order)
