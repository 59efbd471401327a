"""A sweep over a tiered demand: the plan's "demands" are the LP's unserved slices, mapped back
to their demands' groups; a demand shock scales every slice of the demand."""

import copy

import pytest

import rareflow
from rareflow.sweep import sweep
from tests.sweep.helpers import hand


def test_a_certain_demand_shock_on_a_tiered_demand_equals_the_scaled_deterministic_run():
    # B's auto demand (60 t/yr at 1000/t; a quarter of it at 100/t) grows by half in both
    # years for sure; A makes 100 t/yr. Deterministic twin: auto 90 t/yr. 130 t asked, 100
    # made: auto's cheap tier (22.5 t at 100/t) goes first, then 7.5 t of wind (500/t).
    # Per year 100·2 (make, ship) + 22.5·100 + 7.5·500 = 6,200; two years 12,400.
    d = hand(p=1.0, severity=0.0)
    d["demands"][0]["tiers"] = [{"share": 0.25, "priority": 100}]
    d["uncertainty"] = {"events": [{"id": "boom", "type": "demand_shock", "sector": "auto",
                                    "factor": 1.5, "probability": 1.0, "duration": 24,
                                    "onset": "start", "start": 2024, "end": 2024}]}
    s = sweep(rareflow.from_mapping(d), n=2, seed=1, workers=1, verify=1)
    twin = copy.deepcopy(d)
    twin.pop("uncertainty")
    twin["demands"][0]["amount"] = 90
    r = rareflow.from_mapping(twin).solve()
    assert r.objective == pytest.approx(12_400)
    assert s.samples["objective"].tolist() == [pytest.approx(12_400)] * 2
    by = s.summary.set_index("sector")
    assert by.loc["auto", "expected_unserved_t"] == pytest.approx(45)  # 22.5 t in each year
    assert by.loc["wind", "expected_unserved_t"] == pytest.approx(15)
    assert by.loc["auto", "demand_t"] == pytest.approx(180)  # every slice scaled by 1.5
