"""The optimum closest to a reference: equal-cost swaps are not reported as effects."""

import numpy as np
import pytest

import rareflow
from rareflow.analyze.compare import closest_optimum

NET = {
    "name": "swap",
    "periods": [2024],
    "commodities": {"m": {"unit": "t"}},
    "regions": {"S1": {}, "S2": {}, "B1": {}, "B2": {}},
    "processes": {"make": {"outputs": {"m": 1}}},
    "facilities": [
        {"id": "s1", "region": "S1", "process": "make", "capacity": 60, "cost": 10},
        {"id": "s2", "region": "S2", "process": "make", "capacity": 60, "cost": 10},
    ],
    "routes": [
        {"id": "s1-b1", "from": "S1", "to": "B1", "commodity": "m", "cost": 1},
        {"id": "s1-b2", "from": "S1", "to": "B2", "commodity": "m", "cost": 2},
        {"id": "s2-b1", "from": "S2", "to": "B1", "commodity": "m", "cost": 2},
        {"id": "s2-b2", "from": "S2", "to": "B2", "commodity": "m", "cost": 1},
    ],
    "demands": [
        {"id": "b1", "region": "B1", "commodity": "m", "sector": "x", "amount": 60,
         "priority": 1000},
        {"id": "b2", "region": "B2", "commodity": "m", "sector": "x", "amount": 60,
         "priority": 1000},
    ],
}


def _flows(r) -> dict[str, float]:
    return dict(zip(r.flows["route"], r.flows["amount"], strict=True))


def _model(cross_cost: float, ban: bool = False):
    data = {**NET, "routes": [dict(rt) for rt in NET["routes"]]}
    for rt in data["routes"]:
        if rt["id"] in ("s1-b2", "s2-b1"):
            rt["cost"] = cross_cost
    if ban:
        data["policies"] = [{"type": "export_ban", "id": "ban", "exporter": "S1",
                             "commodity": "m", "to": ["B1"]}]
    return rareflow.from_mapping(data)


def test_ties_resolve_to_the_reference():
    # Base: the straight routes cost 1 and the cross routes 2, so S1→B1 = S2→B2 = 60 (unique,
    # objective 2·60·10 + 2·60·1 = 1,320).  Scenario: the cross routes cost 1 too: every split
    # a = d = t, b = c = 60 − t is optimal; the closest to the base is t = 60, no change at all.
    base = _model(2).solve()
    assert _flows(base) == {"s1-b1": 60, "s1-b2": 0, "s2-b1": 0, "s2-b2": 60}
    tied = _model(1).solve()
    moved = closest_optimum(tied, base)
    assert moved.objective == pytest.approx(1320) == tied.objective
    assert _flows(moved) == pytest.approx({"s1-b1": 60, "s1-b2": 0, "s2-b1": 0, "s2-b2": 60})
    c = tied.compare(base)
    assert len(c.flows) == 0 and len(c.unserved) == 0


def test_a_ban_moves_only_what_it_must():
    # Scenario: equal costs and S1 may not sell to B1.  Then B1 needs S2's 60, so S2→B2 = 0 and
    # S1→B2 = 60: the least change from the base is a full swap of 60 t on each link (the
    # objective is unchanged at 1,320).
    base = _model(2).solve()
    banned = _model(1, ban=True).solve()
    moved = closest_optimum(banned, base)
    assert _flows(moved) == pytest.approx({"s1-b1": 0, "s1-b2": 60, "s2-b1": 60, "s2-b2": 0})
    assert moved.max_balance_residual <= 1e-6
    assert moved.solution.info["aligned_change"] == pytest.approx(240)


def test_aligned_world_comparison_moves_less_than_the_raw_one():
    base = rareflow.load("baseline-2024").solve()
    halt = rareflow.load("india-japan-halt").solve()
    raw = rareflow.analyze.compare(base, halt, align=False)
    aligned = rareflow.analyze.compare(base, halt)
    assert aligned.flows["change"].abs().sum() < raw.flows["change"].abs().sum()
    moved = closest_optimum(halt, base)
    assert moved.solution.info["aligned_cost"] == pytest.approx(halt.objective, rel=1e-7)
    assert np.all(moved.solution.x >= halt.model.frozen.lb - 1e-9)
