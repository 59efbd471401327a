"""Properties of staged solves (`announced`) on random networks with every kind of policy.

* warm staged solves (each stage from the previous stage's basis) equal cold ones;
* stage 0 — the late policies neutralised through bounds and costs alone — has the optimum of
  the same scenario written without them (rows relaxed, columns fixed at 0, costs taken back,
  bounds restored: nothing of them is left);
* a file that uses none of the new keys is solved once, as before, with the answer of the same
  file with every policy marked `announced` at the first period.

The data come from a seeded generator (uniform floats), not from hypothesis' own number
strategies, so that no two costs tie: staged answers are compared vertex by vertex, and a tie
in an early stage would let warm and cold solves fix different (equally good) pasts.
"""

import copy

import numpy as np
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rareflow
from rareflow.lp import highs, stages

REGIONS = ["A", "B", "C", "D"]
SETTINGS = settings(max_examples=40, deadline=None,
                    suppress_health_check=[HealthCheck.too_slow])


def world(seed: int, late: bool = True) -> dict:
    rng = np.random.default_rng(seed)
    monthly = rng.random() < 0.4
    if monthly:
        periods = {"start": "2025-01", "end": "2025-06", "step": "month"}
        labels = [f"2025-{m:02d}" for m in range(1, 7)]
    else:
        labels = [2024, 2025, 2026]
        periods = labels
    T = len(labels)
    u = lambda lo, hi: float(round(rng.uniform(lo, hi), 6))  # noqa: E731
    facilities = [{"id": f"f-{r}", "region": r, "process": "make", "capacity": u(20, 120),
                   "cost": u(1, 40)} for r in REGIONS if rng.random() < 0.8]
    routes = [{"from": a, "to": b, "commodity": "m", "cost": u(0.5, 10),
               **({"capacity": u(10, 80)} if rng.random() < 0.3 else {})}
              for a in REGIONS for b in REGIONS if a != b and rng.random() < 0.6]
    stocks = [{"region": r, "commodity": "m", "initial": u(0, 10), "capacity": u(10, 60),
               "holding_cost": u(0.5, 5)} for r in REGIONS if rng.random() < 0.4]
    demands = [{"region": r, "commodity": "m", "sector": "s", "amount": u(10, 80),
                "priority": u(200, 2000)} for r in REGIONS if rng.random() < 0.7]
    if not demands:
        demands = [{"region": "B", "commodity": "m", "sector": "s", "amount": 30,
                    "priority": u(200, 2000)}]
    policies = []
    for i in range(int(rng.integers(1, 5))):
        s = int(rng.integers(0, T))
        e = int(rng.integers(s, T))
        a = int(rng.integers(0, s + 1)) if late else 0
        x, y = rng.choice(REGIONS, 2, replace=False).tolist()
        kind = rng.choice(["export_ban", "export_quota", "export_licence", "tariff",
                           "capacity_change", "subsidy", "agreement"])
        pol = {"id": f"p{i}", "type": str(kind), "start": labels[s], "end": labels[e]}
        if a:
            pol["announced"] = labels[a]
        if kind in ("export_ban", "export_quota", "export_licence"):
            pol.update(exporter=x, commodity="m", to=[y], no_transit=bool(rng.random() < 0.5))
            if kind != "export_ban":
                pol["cap"] = u(0, 40)
        elif kind == "tariff":
            pol.update(exporter=x, importer=y, commodity="m", rate=u(1, 30))
        elif kind == "capacity_change":
            if not facilities:
                continue
            pol.update(facility=facilities[int(rng.integers(len(facilities)))]["id"],
                       factor=u(0, 0.9))
        elif kind == "subsidy":
            pol.update(region=x, process="make", amount=u(1, 20))
            if rng.random() < 0.5:
                pol["budget"] = u(50, 2000)
        else:
            if not any(r["from"] == x and r["to"] == y for r in routes):
                routes.append({"from": x, "to": y, "commodity": "m", "cost": u(0.5, 10)})
            pol.update(exporter=x, importer=y, commodity="m", min=u(1, 30),
                       breach_cost=u(50, 500))
        policies.append(pol)
    return {"name": f"w{seed}", "periods": periods, "discount_rate": u(0.02, 0.1),
            "commodities": {"m": {"unit": "t", "disposal_cost": u(0.1, 1)}},
            "regions": {r: {} for r in REGIONS}, "processes": {"make": {"outputs": {"m": 1}}},
            "facilities": facilities, "routes": routes, "stocks": stocks, "demands": demands,
            "policies": policies}


def staged(model, warm: bool):
    return stages.for_model(model).solve(model.solver(), model.name, warm=warm)


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_warm_staged_solves_equal_cold_staged_solves(seed):
    data = world(seed)
    warm_m, cold_m = rareflow.from_mapping(data), rareflow.from_mapping(copy.deepcopy(data))
    if stages.for_model(warm_m) is None:
        return  # nothing announced late in this draw
    w, c = staged(warm_m, True), staged(cold_m, False)
    assert w.status == c.status == "optimal"
    scale = max(1.0, abs(c.objective))
    assert abs(w.objective - c.objective) <= 1e-7 * scale
    for a, b in zip(w.info["stages"], c.info["stages"], strict=True):
        assert abs(a["objective"] - b["objective"]) <= 1e-7 * max(1.0, abs(b["objective"]))
    np.testing.assert_allclose(w.x, c.x, atol=1e-5, rtol=1e-7)


@SETTINGS
@given(st.integers(0, 2**32 - 1))
def test_stage_zero_is_the_scenario_without_the_late_policies(seed):
    data = world(seed)
    m = rareflow.from_mapping(data)
    plan = stages.for_model(m)
    if plan is None:
        return
    h = highs.new_solver(plan.stage_lp(0))
    s0 = highs.run(h)
    known = copy.deepcopy(data)
    known["policies"] = [p for p in data["policies"] if "announced" not in p]
    ref = rareflow.from_mapping(known).solve(check=False)
    assert s0.status == "optimal"
    assert abs(s0.objective - ref.objective) <= 1e-7 * max(1.0, abs(ref.objective))


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(st.integers(0, 2**32 - 1))
def test_files_without_late_announcements_solve_once_as_before(seed):
    data = world(seed, late=False)
    m = rareflow.from_mapping(data)
    assert stages.for_model(m) is None
    r = m.solve()
    assert len(r.stages) == 0 and len(r.tables()["stages"]) == 0  # no stages.csv written
    first = data["periods"][0] if isinstance(data["periods"], list) else data["periods"]["start"]
    marked = copy.deepcopy(data)
    for p in marked["policies"]:
        p["announced"] = first
    r2 = rareflow.from_mapping(marked).solve()
    assert r2.objective == r.objective
    np.testing.assert_array_equal(r2.solution.x, r.solution.x)
