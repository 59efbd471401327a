"""Extreme scales: tonnes from 1e-6 to 1e9 and costs from 1e-3 to 1e9 either solve with the
mass balance holding, or fail with words that name scaling as the problem."""

import pytest

import rareflow


def scaled(tiny: float, big: float, cheap: float, dear: float):
    return rareflow.from_mapping({
        "name": "scales", "periods": [2024, 2025],
        "commodities": {"ore": {"disposal_cost": cheap}, "mag": {}},
        "regions": {"A": {}, "B": {}},
        "processes": {"mine": {"outputs": {"ore": 1}},
                      "make": {"inputs": {"ore": 3}, "outputs": {"mag": 1}}},
        "facilities": [{"id": "mine", "region": "A", "process": "mine", "capacity": big,
                        "cost": cheap},
                       {"id": "make", "region": "A", "process": "make", "capacity": big,
                        "cost": dear}],
        "routes": [{"from": "A", "to": "B", "commodity": "mag", "cost": cheap}],
        "stocks": [{"region": "B", "commodity": "mag", "initial": tiny, "capacity": big}],
        "demands": [{"region": "B", "commodity": "mag", "sector": "tiny", "amount": tiny,
                     "priority": dear * 10},
                    {"region": "B", "commodity": "mag", "sector": "big", "amount": big / 10,
                     "priority": dear * 10}],
    })


@pytest.mark.parametrize("tiny,big,cheap,dear", [
    (1e-6, 1e9, 1e-3, 1e9), (1e-6, 1e6, 1e-3, 1e6), (1.0, 1e9, 1.0, 1e3), (1e-6, 1.0, 1e-3, 1.0)])
def test_extreme_scales_hold_mass_balance_or_name_scaling(tiny, big, cheap, dear, record):
    m = scaled(tiny, big, cheap, dear)
    try:
        r = m.solve()
    except rareflow.MassBalanceError as e:
        assert "scale" in str(e)
        return
    assert r.max_balance_residual <= 1e-6
    record("numerics", f"tonnes {tiny:g}–{big:g}, costs {cheap:g}–{dear:g}", 1,
           f"solved; mass balance within {r.max_balance_residual:.1e} t")
    served = r.unserved["served"].sum()
    assert served == pytest.approx(2 * (tiny + big / 10), rel=1e-9)

