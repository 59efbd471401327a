"""Issue 13 item 9: events that release a stock floor, cut a demand tier, take out a recipe.

Each one is hand-worked: a certain event (probability 1, starting at the horizon's start and
lasting both years, so nothing is a surprise) gives the deterministic run with the equivalent
change in the scenario itself, to 1e-9 relative."""

import copy

import pytest

import rareflow
from rareflow.errors import ScenarioError
from rareflow.sweep.kernel import Kernel
from rareflow.sweep.plan import compile_plan

CERTAIN = {"probability": 1.0, "start": 2024, "end": 2024, "duration": 24, "onset": "start"}


def world(**extra) -> dict:
    w = {
        "name": "new-events",
        "periods": [2024, 2025],
        "commodities": {"m": {"unit": "t"}},
        "regions": {"A": {}},
        "processes": {"make": {"outputs": {"m": 1}}, "thrift": {"outputs": {"m": 1}}},
        "facilities": [{"id": "fa", "region": "A", "process": "make", "capacity": 100,
                        "cost": 1}],
        "demands": [{"region": "A", "commodity": "m", "sector": "auto", "amount": 100,
                     "priority": 1000}],
    }
    w.update(extra)
    return w


def sample_vs(w: dict, event: dict, deterministic: dict) -> tuple[dict, float]:
    w = copy.deepcopy(w)
    w["uncertainty"] = {"events": [{"id": "ev", **CERTAIN, **event}]}
    rec = Kernel(compile_plan(rareflow.from_mapping(w))).solve_sample(0, 0)
    assert rec["status"] == "optimal" and rec["events"].tolist() == [1]
    r = rareflow.from_mapping(deterministic).solve()
    return rec, r


def test_recipe_outage_equals_the_plant_without_that_recipe():
    """fa has two recipes sharing 100 t/yr: `make` at 1 per t, at most 60 % of the activity, and
    `thrift` at 3 per t. Base: 60 make + 40 thrift = 180 a year. Without `make`: 100 thrift =
    300 a year, 600 over the two years; demand is still all served."""
    fac = {"id": "fa", "region": "A", "capacity": 100, "cost": 1,
           "processes": {"make": {"max_share": 0.6}, "thrift": {"cost": 3}}}
    w = world(facilities=[fac])
    det = world(facilities=[{**fac, "processes": {"thrift": {"cost": 3}}}])
    rec, r = sample_vs(w, {"type": "recipe_outage", "facility": "fa", "process": "make"}, det)
    assert r.objective == pytest.approx(600.0)
    assert rec["objective"] == pytest.approx(r.objective, rel=1e-9)
    assert rec["unserved"].sum() == pytest.approx(0.0, abs=1e-6)


def test_stock_release_equals_the_lower_floor():
    """A makes 40 t/yr for a demand of 100 t/yr (penalty 1000); the stock holds 100 t with a
    floor of 100 (holding cost 1 per t-year). Releasing half the floor lets 50 t be drawn:
    short 60 + 60 − 50 = 70 t over two years, as with `minimum: 50` in the file."""
    stock = {"id": "res", "region": "A", "commodity": "m", "initial": 100, "minimum": 100,
             "holding_cost": 1}
    fac = [{"id": "fa", "region": "A", "process": "make", "capacity": 40, "cost": 1}]
    w = world(facilities=fac, stocks=[stock])
    det = world(facilities=fac, stocks=[{**stock, "minimum": 50}])
    rec, r = sample_vs(w, {"type": "stock_release", "stock": "res", "share": 0.5}, det)
    assert r.total_unserved() == pytest.approx(70.0, abs=1e-6)
    assert rec["unserved"].sum() == pytest.approx(70.0, abs=1e-6)
    assert rec["objective"] == pytest.approx(r.objective, rel=1e-9)
    # unreleased, the floor holds: 60 t short a year
    base = Kernel(compile_plan(rareflow.from_mapping(
        {**w, "uncertainty": {"events": [{"id": "ev", "type": "stock_release", "stock": "res",
                                          "probability": 0.0, "duration": 12}]}}))).solve_sample(0, 0)
    assert base["unserved"].sum() == pytest.approx(120.0, abs=1e-6)


def test_a_tier_cut_equals_the_demand_without_that_tier():
    """Demand 100 t/yr: 70 % at 1000 per t, a tier of 30 % at 100 per t; A makes 50 t/yr.
    Base: 50 served to the dear part, short 20 + 30. Cutting tier 1 (factor 0) leaves a 70 t
    demand: short 20 t a year, 40 over the two years — as a file with `amount: 70`."""
    dem = {"region": "A", "commodity": "m", "sector": "auto", "amount": 100, "priority": 1000,
           "tiers": [{"share": 0.3, "priority": 100}]}
    fac = [{"id": "fa", "region": "A", "process": "make", "capacity": 50, "cost": 1}]
    w = world(facilities=fac, demands=[dem])
    det = world(facilities=fac, demands=[{"region": "A", "commodity": "m", "sector": "auto",
                                          "amount": 70, "priority": 1000}])
    rec, r = sample_vs(w, {"type": "demand_shock", "sector": "auto", "tier": 1, "factor": 0.0},
                       det)
    assert r.total_unserved() == pytest.approx(40.0, abs=1e-6)
    assert rec["unserved"].sum() == pytest.approx(40.0, abs=1e-6)
    assert rec["objective"] == pytest.approx(r.objective, rel=1e-9)


@pytest.mark.parametrize("event,path,words", [
    ({"type": "recipe_outage", "facility": "fa", "process": "gbd"}, "uncertainty.events[0].process",
     "facility 'fa' has no recipe 'gbd'"),
    ({"type": "recipe_outage", "facility": "fb", "process": "make"},
     "uncertainty.events[0].facility", "unknown facility 'fb'"),
    ({"type": "stock_release", "stock": "res"}, "uncertainty.events[0].stock",
     "no 'minimum' to release"),
    ({"type": "demand_shock", "sector": "auto", "tier": 2, "factor": 0.0},
     "uncertainty.events[0].tier", "tier 2 is not a tier"),
])
def test_bad_new_events_name_the_path_and_the_fix(event, path, words):
    w = world(stocks=[{"id": "res", "region": "A", "commodity": "m"}])
    w["uncertainty"] = {"events": [{"id": "ev", "probability": 0.5, "duration": 12, **event}]}
    with pytest.raises(ScenarioError) as e:
        rareflow.sweep(rareflow.from_mapping(w), n=2, workers=1)
    msg = str(e.value)
    assert path in msg and words in msg and "Fix:" in msg
