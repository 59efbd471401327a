"""CVaR, probabilities and periods short, checked on cases small enough to work out by hand."""

import numpy as np
import pytest

import rareflow
from rareflow.sweep import cvar, sweep
from rareflow.sweep.stats import group_summary, var
from tests.sweep.helpers import hand


def test_cvar_by_hand():
    # N = 20, α = 0.95: the tail holds exactly one sample, the largest
    assert cvar(list(range(20))) == pytest.approx(19)
    # N = 40: the mean of the two largest
    assert cvar(list(range(40))) == pytest.approx((39 + 38) / 2)
    # N = 30: tail mass 1.5 samples: (29 + 0.5 · 28) / 1.5
    assert cvar(list(range(30))) == pytest.approx((29 + 0.5 * 28) / 1.5)
    # N = 10 (< 20): the tail is half a sample, inside the largest
    assert cvar([0, 0, 0, 0, 0, 0, 0, 0, 1, 5]) == pytest.approx(5)
    # column-wise, and never below the mean
    v = np.array([[0, 10], [0, 0], [4, 0], [0, 0]] * 10, float)
    assert cvar(v) == pytest.approx([4, 10])
    assert np.all(cvar(v, 0.5) >= v.mean(axis=0))
    # α = 0 is the mean
    assert cvar([1, 2, 3, 6], 0.0) == pytest.approx(3)


def test_var_is_the_lower_quantile():
    assert var(list(range(20))) == 18  # 19 of 20 samples (95 %) are at or below 18
    assert var(list(range(100))) == 94


def test_group_summary_by_hand():
    # two groups, four samples; tolerance 1e-6
    un = np.array([[0.0, 5.0], [10.0, 0.0], [0.0, 0.0], [30.0, 5.0]])
    ps = np.array([[0, 1], [1, 0], [0, 0], [2, 1]])
    req = np.full((4, 2), 100.0)
    s = group_summary([("B", "auto"), ("B", "wind")], un, ps, req, 1e-6, base=np.array([0.0, 5.0]))
    a, w = s.iloc[0], s.iloc[1]
    assert a.p_shortfall == 0.5 and w.p_shortfall == 0.5
    assert a.p_worse_than_base == 0.5 and w.p_worse_than_base == 0.0
    assert a.expected_unserved_t == 10.0 and w.expected_unserved_t == 2.5
    assert a.expected_extra_t == 10.0 and w.expected_extra_t == -2.5
    assert a.cvar95_t == 30.0 and w.cvar95_t == 5.0  # N = 4 < 20: the largest
    assert a.expected_periods_short == 0.75 and a.max_periods_short == 2
    assert a.expected_share_unserved == pytest.approx(0.1)


def test_certain_outage_gives_the_hand_worked_shortfall():
    # p = 1: the outage strikes both years; each year automotive is short 60 − 50 = 10 t and
    # wind 40 t (the lower penalty gives way), so over the horizon 20 t and 80 t, in 2 periods.
    s = sweep(rareflow.from_mapping(hand(p=1.0)), n=25, workers=1)
    by = s.summary.set_index("sector")
    assert by.loc["auto", "p_shortfall"] == 1.0
    assert by.loc["auto", "expected_unserved_t"] == pytest.approx(20)
    assert by.loc["wind", "expected_unserved_t"] == pytest.approx(80)
    assert by.loc["wind", "cvar95_t"] == pytest.approx(80)
    assert by.loc["auto", "expected_periods_short"] == 2
    assert by.loc["auto", "base_unserved_t"] == 0
    assert (s.samples["event:out"] == 2).all()
    # objective per sample: 2 yrs × (50 t · 2 $/t + 10 t · 1000 + 40 t · 500) = 60,200
    assert s.samples["objective"].to_numpy() == pytest.approx(60_200)


def test_probabilities_and_cvar_follow_the_sampled_events():
    # p = 0.5 per year, exactly one year per occurrence: a sample with k struck years has
    # automotive short 10·k t and wind 40·k t. Every statistic follows from the k's.
    n = 200
    s = sweep(rareflow.from_mapping(hand(p=0.5)), n=n, seed=11, workers=1)
    k = s.samples["event:out"].to_numpy()
    assert set(np.unique(k)) <= {0, 1, 2}
    auto = 10.0 * k
    row = s.summary.set_index("sector").loc["auto"]
    assert row.p_shortfall == pytest.approx(np.mean(k > 0))
    assert row.expected_unserved_t == pytest.approx(auto.mean())
    assert row.expected_periods_short == pytest.approx(k.mean())
    tail = np.sort(auto)[::-1][: n // 20]  # N = 200: the 10 worst samples
    assert row.cvar95_t == pytest.approx(tail.mean())
    # and the sampled frequency is what p = 0.5 per year implies: P(k ≥ 1) = 0.75
    assert abs(np.mean(k > 0) - 0.75) < 0.1
    sec = s.sectors.set_index("sector")
    assert sec.loc["wind", "expected_unserved_t"] == pytest.approx(40.0 * k.mean())
    ev = s.events.set_index("event").loc["out"]
    assert ev.p_occurs == pytest.approx(np.mean(k > 0))
    assert ev.expected_unserved_t_otherwise == 0.0
