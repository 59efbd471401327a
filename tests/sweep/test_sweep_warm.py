"""A warm re-solve on the kept model gives what a fresh build of the changed scenario gives."""

import copy

import numpy as np
import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rareflow
from rareflow.sweep.kernel import Kernel
from rareflow.sweep.plan import compile_plan
from tests.sweep.helpers import small_world

PERIODS = [2025, 2026, 2027]


def world():
    w = small_world(periods=PERIODS)
    for f in w["facilities"]:  # yearly series for the yearly world
        f["capacity"] = {2025: 300, 2026: 320, 2027: 280} if f["process"] == "mine" else 150
        f["minimum"] = 0
    for d in w["demands"]:
        d["amount"] = {2025: d["amount"]["2025Q1"], 2026: d["amount"]["2026Q1"]}
    # every facility, route and demand can be touched, so the kernel may change any of them
    w["uncertainty"] = {"events": [
        {"id": "f", "type": "outage", "facility": [f["id"] for f in w["facilities"]],
         "probability": 0, "duration": 1},
        {"id": "r", "type": "route_block", "route": [f"{r['from']}-{r['to']}-{r['commodity']}"
                                                     for r in w["routes"]],
         "probability": 0, "duration": 1},
        {"id": "d", "type": "demand_shock", "factor": 1, "probability": 0, "duration": 1}]}
    return w


BASE = world()
MODEL = rareflow.from_mapping(BASE)
PLAN = compile_plan(MODEL)
KERNEL = Kernel(PLAN)
NF, NR, ND, T = len(BASE["facilities"]), len(BASE["routes"]), len(BASE["demands"]), len(PERIODS)

factors = st.floats(0.0, 1.0, allow_nan=False)
change = st.tuples(
    st.lists(factors, min_size=NF * T, max_size=NF * T),
    st.lists(factors, min_size=NR * T, max_size=NR * T),
    st.lists(st.floats(0.5, 1.8, allow_nan=False), min_size=ND * T, max_size=ND * T),
)


def fresh(fac, rte, dem):
    """The same change written into the scenario, built and solved from scratch (cold)."""
    w = copy.deepcopy(BASE)
    del w["uncertainty"]
    b = MODEL.build
    for i, f in enumerate(w["facilities"]):
        cap = b.frozen_cap_f[i]
        f["capacity"] = {y: float(cap[t] * fac[i, t]) for t, y in enumerate(PERIODS)}
    for i, r in enumerate(w["routes"]):
        cap = b.frozen_cap_r[i]
        r["capacity"] = {y: float(cap[t] * rte[i, t]) for t, y in enumerate(PERIODS)}
    for i, d in enumerate(w["demands"]):
        amt = b.demand_amount[i]
        d["amount"] = {y: float(amt[t] * dem[i, t]) for t, y in enumerate(PERIODS)}
    return rareflow.from_mapping(w).solve().objective


# the reference level each route and facility is scaled from: its bound, or its base flow
x0 = MODEL.solve().solution.x
_ub = MODEL.frozen.ub
MODEL.build.frozen_cap_f = np.where(np.isfinite(_ub[MODEL.build.fac_cols]),
                                    _ub[MODEL.build.fac_cols], x0[MODEL.build.fac_cols])
MODEL.build.frozen_cap_r = np.where(np.isfinite(_ub[MODEL.build.route_cols]),
                                    _ub[MODEL.build.route_cols], x0[MODEL.build.route_cols])


def warm(fac, rte, dem):
    b = MODEL.build
    full = np.ones(MODEL.frozen.shape[1])
    full[b.fac_cols] = fac
    full[b.route_cols] = rte
    ref = np.ones(MODEL.frozen.shape[1])
    ref[b.fac_cols] = b.frozen_cap_f
    ref[b.route_cols] = b.frozen_cap_r
    ub = ref[PLAN.touched] * full[PLAN.touched]
    lb = np.minimum(PLAN.t_lb, ub)
    mult = dem[PLAN.shock_demands]
    KERNEL._apply(lb, ub, mult)
    sol = KERNEL._solve()
    assert sol.status == "optimal"
    KERNEL._check(0, sol.x)
    return sol.objective


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.lists(change, min_size=1, max_size=3))
def test_warm_resolve_matches_a_fresh_build(changes):
    for fac, rte, dem in changes:  # one after another on the same kept model
        fac = np.reshape(fac, (NF, T))
        rte = np.reshape(rte, (NR, T))
        dem = np.reshape(dem, (ND, T))
        w = warm(fac, rte, dem)
        f = fresh(fac, rte, dem)
        assert w == pytest.approx(f, rel=1e-6, abs=1e-6)


def test_restoring_the_base_gives_the_base_objective():
    ones = (np.ones((NF, T)), np.ones((NR, T)), np.ones((ND, T)))
    warm(np.zeros((NF, T)), np.zeros((NR, T)), np.full((ND, T), 1.5))
    assert warm(*ones) == pytest.approx(PLAN.base_objective, rel=1e-9)
