"""Random feasible networks: they solve, conserve mass (checked from the tables, not the LP),
never serve more than demand, respect capacities, and the objective adds up."""

from collections import defaultdict

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

import rareflow

REGIONS = ["A", "B", "C", "D"]


@st.composite
def networks(draw):
    n_reg = draw(st.integers(2, 4))
    regions = REGIONS[:n_reg]
    n_per = draw(st.integers(1, 3))
    periods = list(range(2024, 2024 + n_per))
    amount = st.floats(0, 200, allow_nan=False).map(lambda v: round(v, 3))
    cost = st.floats(0, 50, allow_nan=False).map(lambda v: round(v, 2))
    facilities = []
    for r in regions:
        if draw(st.booleans()):
            facilities.append({"id": f"mine-{r}", "region": r, "process": "mine",
                               "capacity": draw(amount), "cost": draw(cost)})
        if draw(st.booleans()):
            facilities.append({"id": f"make-{r}", "region": r, "process": "make",
                               "capacity": {2024: draw(amount), 2025: draw(amount)},
                               "cost": draw(cost)})
    routes = []
    for a in regions:
        for b in regions:
            for c in ("ore", "mag"):
                if a != b and draw(st.booleans()):
                    rt = {"from": a, "to": b, "commodity": c, "cost": draw(cost)}
                    if draw(st.booleans()):
                        rt["capacity"] = draw(amount)
                    routes.append(rt)
    stocks = []
    if draw(st.booleans()):
        cap = draw(amount)
        stocks.append({"region": regions[0], "commodity": "mag", "capacity": cap,
                       "initial": round(cap * draw(st.floats(0, 1)), 3),
                       "holding_cost": draw(cost)})
    demands = [{"region": r, "commodity": "mag", "sector": s, "amount": draw(amount),
                "priority": draw(st.floats(60, 1000).map(lambda v: round(v, 1)))}
               for r in regions for s in ("auto", "wind") if draw(st.booleans())]
    return {
        "name": "random", "periods": periods,
        "commodities": {"ore": {"disposal_cost": draw(cost)}, "mag": {}},
        "regions": {r: {} for r in regions},
        "processes": {"mine": {"outputs": {"ore": 1}},
                      "make": {"inputs": {"ore": 2.5}, "outputs": {"mag": 1}}},
        "facilities": facilities, "routes": routes, "stocks": stocks, "demands": demands,
    }


@settings(max_examples=60, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_random_networks_conserve_mass_and_respect_limits(data):
    m = rareflow.from_mapping(data)
    r = m.solve()
    assert r.status == "optimal"
    procs = data["processes"]
    net = defaultdict(float)  # (region, commodity, period) → supply minus use
    for row in r.activity.itertuples():
        for c, a in procs[row.process].get("outputs", {}).items():
            net[(row.region, c, row.period)] += a * row.amount
        for c, a in procs[row.process].get("inputs", {}).items():
            net[(row.region, c, row.period)] -= a * row.amount
    for row in r.flows.itertuples():
        net[(row.origin, row.commodity, row.period)] -= row.amount
        net[(row.destination, row.commodity, row.period)] += row.amount
    labels = list(m.periods.labels)
    for s in data["stocks"]:
        lv = r.stocks[r.stocks.region == s["region"]].set_index("period")["level"]
        prev = s["initial"]
        for p in labels:
            net[(s["region"], s["commodity"], p)] += prev - lv[p]
            prev = lv[p]
    for row in r.surplus.itertuples():
        net[(row.region, row.commodity, row.period)] -= row.amount
    for row in r.unserved.itertuples():
        net[(row.region, row.commodity, row.period)] -= row.served
        assert -1e-9 <= row.amount <= row.requested + 1e-9
        assert row.served >= -1e-9
    assert max((abs(v) for v in net.values()), default=0.0) <= 1e-6
    # capacities respected
    caps = {rt.get("from") + "-" + rt["to"] + "-" + rt["commodity"]: rt.get("capacity")
            for rt in data["routes"]}
    for row in r.flows.itertuples():
        if caps[row.route] is not None:
            assert row.amount <= caps[row.route] + 1e-6
    # the objective is the sum of its parts, recomputed from the tables
    fcost = {f["id"]: f["cost"] for f in data["facilities"]}
    rcost = {rt["from"] + "-" + rt["to"] + "-" + rt["commodity"]: rt["cost"] for rt in data["routes"]}
    prio = {d["region"] + "-mag-" + d["sector"]: d["priority"] for d in data["demands"]}
    total = sum(fcost[x.facility] * x.amount for x in r.activity.itertuples())
    total += sum(rcost[x.route] * x.amount for x in r.flows.itertuples())
    total += sum(prio[x.demand] * x.amount for x in r.unserved.itertuples())
    total += sum(data["commodities"]["ore"]["disposal_cost"] * x.amount
                 for x in r.surplus.itertuples())
    for s in data["stocks"]:
        total += s["holding_cost"] * r.stocks["level"].sum()
    assert abs(total - r.objective) <= 1e-6 * max(1.0, abs(r.objective))


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_alignment_keeps_the_optimum_and_never_moves_more(data):
    """The optimum closest to a reference run: same cost (1e-7 relative), same shortfalls,
    balances exact, and no farther from the reference than the solver's own answer."""
    import numpy as np

    from rareflow.analyze.compare import _keys, _reference_values, closest_optimum

    r = rareflow.from_mapping(data).solve()
    # a reference on the same network with other costs: a different vertex to be drawn to
    ref_data = {**data, "facilities": [{**f, "cost": 0} for f in data["facilities"]]}
    ref = rareflow.from_mapping(ref_data).solve()
    moved = closest_optimum(r, ref)
    assert moved.max_balance_residual <= 1e-6
    cost = float(r.model.frozen.cost @ moved.solution.x)
    assert cost <= r.objective + 1e-7 * max(1.0, abs(r.objective)) + 1e-9
    assert moved.unserved["amount"].to_numpy() == pytest.approx(
        r.unserved["amount"].to_numpy(), abs=1e-6)
    keys = _keys(r)
    target = _reference_values(r, ref, keys)
    cols = keys["col"].to_numpy()
    before = np.abs(r.solution.x[cols] - target).sum()
    after = np.abs(moved.solution.x[cols] - target).sum()
    assert after <= before + 1e-6 * max(1.0, before)
