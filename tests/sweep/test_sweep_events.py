"""Sweep events strike the columns the policy rules of the same kind would: one definition of
which routes a trade measure covers and which columns are a facility's (sweep/events.py)."""

import copy

import numpy as np
import pytest

import rareflow
from rareflow.errors import RareflowError
from rareflow.lp.rules import RULES
from rareflow.scenario.policies import Tariff
from rareflow.sweep import sweep
from rareflow.sweep.events import Recorder, event_columns, period_of
from tests.conftest import chain
from tests.sweep.helpers import small_world

# Two makers and two buyers, two years, no discounting. A makes 100 t/yr at 1/t, C 100 t/yr
# at 5/t; every route costs 1/t. B asks 80 t/yr, D 10 t/yr (penalty 1,000/t); only A ships
# to D. Base: A serves both, (80 + 10) · (1 + 1) = 180/yr, 360 over the horizon.
NET = chain(
    regions={"A": {}, "B": {}, "C": {}, "D": {}},
    facilities=[{"id": "fa", "region": "A", "process": "make", "capacity": 100, "cost": 1},
                {"id": "fc", "region": "C", "process": "make", "capacity": 100, "cost": 5}],
    routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 1},
            {"from": "C", "to": "B", "commodity": "m", "cost": 1},
            {"from": "A", "to": "D", "commodity": "m", "cost": 1}],
    demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 80, "priority": 1000},
             {"region": "D", "commodity": "m", "sector": "auto", "amount": 10, "priority": 1000}],
)
# an occurrence that surely starts on 1 January of the first year and lasts both years
ALWAYS = {"probability": 1, "duration": 24, "onset": "start", "start": 2024, "end": 2024}


def swept(event: dict) -> float:
    w = copy.deepcopy(NET)
    w["uncertainty"] = {"events": [{"id": "e", **ALWAYS, **event}]}
    s = sweep(rareflow.from_mapping(w), n=1, seed=0, workers=1, verify=0)
    assert s.samples["event:e"].iloc[0] == 1
    return float(s.samples["objective"].iloc[0])


def with_policy(policy: dict) -> float:
    return rareflow.from_mapping({**copy.deepcopy(NET), "policies": [policy]}).solve().objective


def test_the_base_case_by_hand(approx):
    assert rareflow.from_mapping(NET).solve().objective == approx(360)


@pytest.mark.parametrize("event, policy, by_hand", [
    # A→B closed: B buys from C at 5 + 1; D still from A: 80 · 6 + 10 · 2 = 500/yr
    ({"type": "export_ban", "exporter": "A", "commodity": "m", "to": ["B"]},
     {"type": "export_ban", "exporter": "A", "commodity": "m", "to": ["B"]}, 1000),
    # `except: [D]` covers the same route
    ({"type": "export_ban", "exporter": "A", "commodity": "m", "except": ["D"]},
     {"type": "export_ban", "exporter": "A", "commodity": "m", "except": ["D"]}, 1000),
    # A shut: B from C (480/yr), D unserved (10 · 1,000/yr) = 10,480/yr
    ({"type": "outage", "facility": "fa"},
     {"type": "capacity_change", "facility": "fa", "factor": 0}, 20960),
])
def test_an_event_at_full_strength_all_the_time_equals_its_policy(event, policy, by_hand, approx):
    assert swept(event) == approx(by_hand)
    assert with_policy(policy) == approx(by_hand)


def test_a_licence_event_limits_each_route_to_a_share_of_its_base_flow(approx):
    # A→B may carry 25 % of its base-case 80 t = 20 t/yr: 20 · 2 + 60 · 6 + 10 · 2 = 420/yr
    assert swept({"type": "export_licence", "exporter": "A", "commodity": "m", "to": ["B"],
                  "share": 0.25}) == approx(840)


def test_a_route_block_closes_the_named_route_only(approx):
    assert swept({"type": "route_block", "route": "A-B-m"}) == approx(1000)
    # half of A→D's base 10 t/yr is lost: 5 t unserved each year
    assert swept({"type": "route_block", "route": "A-D-m", "severity": 0.5}) == \
        approx(2 * (80 * 2 + 5 * 2 + 5 * 1000))


def _zeroed_by(policy: dict, world: dict) -> np.ndarray:
    """Columns a deterministic policy sets to 0 that were open without it."""
    base = rareflow.from_mapping(world)
    ruled = rareflow.from_mapping({**world, "policies": [policy]})
    return np.flatnonzero((ruled.frozen.ub == 0) & (base.frozen.ub != 0))


@pytest.mark.parametrize("event, policy", [
    ({"type": "export_ban", "exporter": "P1", "commodity": "mag", "to": ["B1", "B2"]},
     {"type": "export_ban", "exporter": "P1", "commodity": "mag", "to": ["B1", "B2"]}),
    ({"type": "export_ban", "exporter": "P2", "commodity": ["mag", "ore"], "except": ["B3"]},
     {"type": "export_ban", "exporter": "P2", "commodity": ["mag", "ore"], "except": ["B3"]}),
    ({"type": "outage", "facility": "P3-mine"},
     {"type": "capacity_change", "facility": "P3-mine", "factor": 0}),
])
def test_an_event_strikes_exactly_the_columns_its_policy_closes(event, policy):
    w = small_world()
    del w["uncertainty"]
    expected = _zeroed_by(policy, w)
    assert len(expected) > 0
    m = rareflow.from_mapping(w)
    w["uncertainty"] = {"events": [{"id": "e", "probability": 0.1, "duration": 1, **event}]}
    ev = rareflow.from_mapping(w).scenario.uncertainty.events[0]
    before = m.build.lp.ub.copy()
    cols, t = event_columns(ev, m.build, period_of(m.build, m.frozen.shape[1]))
    assert np.array_equal(cols, expected)
    assert np.array_equal(t, period_of(m.build, m.frozen.shape[1])[expected])
    assert np.array_equal(m.build.lp.ub, before)  # the recorder changed nothing


def test_a_licence_event_strikes_the_flows_its_policy_licenses():
    m = rareflow.from_mapping(small_world())
    ev = m.scenario.uncertainty.events[1]  # squeeze: P2's magnets, every destination
    cols, t = event_columns(ev, m.build, period_of(m.build, m.frozen.shape[1]))
    routes = m.build.routes
    hit = ((routes["origin"] == "P2") & (routes["commodity"] == "mag")).to_numpy()
    assert np.array_equal(cols, np.sort(m.build.route_cols[hit].ravel()))
    assert np.array_equal(np.bincount(t), np.full(m.build.T, hit.sum()))


def test_the_recorder_refuses_what_no_sampled_bound_can_stand_for():
    m = rareflow.from_mapping(small_world())
    tariff = Tariff.model_validate({"type": "tariff", "exporter": "P1", "commodity": "mag",
                                    "rate": 10})
    cost = m.build.lp.cost.copy()
    with pytest.raises(RareflowError, match="RuleBuild.add_cost"):
        RULES["tariff"](tariff, Recorder(m.build))
    assert np.array_equal(m.build.lp.cost, cost)
    with pytest.raises(RareflowError, match="RuleBuild.lp"):
        Recorder(m.build).lp  # noqa: B018 — only what RuleBuild declares can be read
    assert Recorder(m.build).routes is m.build.routes
