"""Sampling: what an event does to each period, and that it depends only on (seed, i)."""

import numpy as np
import pytest

import rareflow
from rareflow.sweep.plan import compile_plan
from rareflow.sweep.sample import event_effect, sample_effects
from tests.sweep.helpers import hand, small_world


def monthly(**event):
    w = hand(p=0.0, n_years=1, **event)
    w["periods"] = {"start": "2025-01", "end": "2025-06", "step": "month"}
    return compile_plan(rareflow.from_mapping(w))


def test_a_period_start_onset_covers_whole_months_then_the_remainder():
    # starts on 1 Feb for sure, lasts 1.5 months: all of February, half of March
    plan = monthly(probability={"2025-02": 1, "2025-03": 0}, duration=1.5, severity=1.0)
    n, eff = event_effect(plan, plan.events[0], seed=0, i=0)
    assert n == 1
    assert eff == pytest.approx([0, 1, 0.5, 0, 0, 0])


def test_a_uniform_onset_spreads_the_duration_over_the_periods_it_covers():
    plan = monthly(probability={"2025-02": 1, "2025-03": 0}, duration=1.5, severity=0.8,
                   onset="uniform")
    for i in range(20):
        n, eff = event_effect(plan, plan.events[0], seed=3, i=i)
        assert n == 1
        assert eff.sum() == pytest.approx(0.8 * 1.5)  # severity × months covered
        assert eff[0] == 0 and eff[1] > 0 and np.all(eff <= 0.8 + 1e-12)


def test_occurrences_never_overlap_and_are_cut_at_the_horizon():
    plan = monthly(probability=1.0, duration=2.5, severity=1.0, onset="start")
    n, eff = event_effect(plan, plan.events[0], seed=0, i=0)
    # starts Jan 1 (to mid-Mar), next start allowed at Apr 1 (to mid-Jun), then Jun is busy
    assert n == 2
    assert eff == pytest.approx([1, 1, 0.5, 1, 1, 0.5])


def test_annual_probability_is_spread_over_shorter_periods():
    w = hand(p=0.0, n_years=1)
    ev = w["uncertainty"]["events"][0]
    del ev["probability"]
    ev["annual_probability"] = 0.2
    w["periods"] = {"start": "2025Q1", "end": "2025Q4", "step": "quarter"}
    plan = compile_plan(rareflow.from_mapping(w))
    assert plan.events[0].p_start == pytest.approx(1 - 0.8 ** 0.25)


def test_a_sample_depends_only_on_seed_and_index_and_each_event_on_its_own_stream():
    plan = compile_plan(rareflow.from_mapping(small_world()))
    a = [sample_effects(plan, 5, i) for i in range(30)]
    b = [sample_effects(plan, 5, i) for i in reversed(range(30))][::-1]
    for (ca, ea), (cb, eb) in zip(a, b, strict=True):
        assert np.array_equal(ca, cb)
        assert all((x is None and y is None) or np.array_equal(x, y) for x, y in zip(ea, eb, strict=True))
    assert any(c.sum() for c, _ in a)  # something happened
    other = [sample_effects(plan, 6, i)[0] for i in range(30)]
    assert any(not np.array_equal(c, o) for (c, _), o in zip(a, other, strict=True))  # seed matters
    # dropping another event does not change what 'surge' does in any sample
    w = small_world()
    w["uncertainty"]["events"] = [e for e in w["uncertainty"]["events"] if e["id"] != "embargo"]
    plan2 = compile_plan(rareflow.from_mapping(w))
    k1 = [e.id for e in plan.events].index("surge")
    k2 = [e.id for e in plan2.events].index("surge")
    for i in range(30):
        e1 = event_effect(plan, plan.events[k1], 5, i)
        e2 = event_effect(plan2, plan2.events[k2], 5, i)
        assert e1[0] == e2[0]
        assert (e1[1] is None and e2[1] is None) or np.array_equal(e1[1], e2[1])
