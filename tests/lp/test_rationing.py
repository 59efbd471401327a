"""A shortfall among equal-priority demands is shared pro rata; a higher priority goes first."""

import numpy as np
import pytest

import rareflow
from rareflow.lp.rationing import group_sums, share, tie_groups


def net(defence_priority: float):
    # 100 t/yr of supply; demand auto 90, wind 60 (priority 1,000) and defence 30.
    return rareflow.from_mapping({
        "name": "ration", "periods": [2024],
        "commodities": {"m": {}}, "regions": {"R": {}},
        "processes": {"make": {"outputs": {"m": 1}}},
        "facilities": [{"id": "f", "region": "R", "process": "make", "capacity": 100}],
        "demands": [
            {"id": "auto", "region": "R", "commodity": "m", "sector": "auto", "amount": 90,
             "priority": 1000},
            {"id": "wind", "region": "R", "commodity": "m", "sector": "wind", "amount": 60,
             "priority": 1000},
            {"id": "defence", "region": "R", "commodity": "m", "sector": "defence",
             "amount": 30, "priority": defence_priority},
        ],
    }).solve()


def test_equal_priority_share_pro_rata_after_the_higher_one_is_served():
    # Defence (2,000) takes 30 t; 70 t remain for 150 t asked at equal priority: 80 t short,
    # split 90:60 → auto 48 t, wind 32 t (both 53.3 % short).  Objective 80 · 1,000.
    r = net(2000)
    un = dict(zip(r.unserved["sector"], r.unserved["amount"], strict=True))
    assert un == {"auto": pytest.approx(48), "wind": pytest.approx(32), "defence": 0}
    assert r.objective == pytest.approx(80_000)
    assert r.max_balance_residual <= 1e-9


def test_all_equal_share_all():
    # 80 t short over 180 t asked: each demand 4/9 short → 40, 26.67, 13.33.
    r = net(1000)
    un = dict(zip(r.unserved["sector"], r.unserved["amount"], strict=True))
    assert un == pytest.approx({"auto": 40, "wind": 80 / 3, "defence": 40 / 3})


def test_share_keeps_totals_and_bounds():
    u = np.array([[10.0, 0.0], [0.0, 5.0], [3.0, 3.0]])
    amount = np.array([[10.0, 10.0], [30.0, 10.0], [3.0, 3.0]])
    groups = tie_groups(np.array([0, 0, 1]), np.array([1.0, 1.0, 1.0]))
    out = share(u, amount, groups)
    assert out[:2].sum(axis=0) == pytest.approx(u[:2].sum(axis=0))
    assert out[:2, 0] == pytest.approx([2.5, 7.5]) and out[:2, 1] == pytest.approx([2.5, 2.5])
    assert (out <= amount + 1e-12).all() and out[2] == pytest.approx(u[2])


def test_group_sums_are_the_sums_np_add_at_gives_to_the_last_bit():
    # Values of very different sizes, so that the order of the additions shows in the last
    # bits: group_sums must add in the order np.add.at does (rows in increasing index).
    rng = np.random.default_rng(3)
    values = rng.lognormal(0.0, 6.0, size=(40, 7)) * rng.choice([-1.0, 1.0], size=(40, 7))
    group = rng.integers(0, 5, size=40)
    expected = np.zeros((5, 7))
    np.add.at(expected, group, values)
    got = group_sums(values, group, 5)
    assert got.tobytes() == expected.tobytes()
    flat = (group[:, None] * 7 + np.arange(7)).ravel()
    assert group_sums(values, group, 5, flat).tobytes() == expected.tobytes()
