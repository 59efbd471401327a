"""Metrics and comparison on hand-worked networks."""

import math
from pathlib import Path

import pytest

import rareflow
from rareflow.analyze import balances, days_of_cover, hhi_imports, hhi_output, shortfall_by_sector

EXAMPLE = Path(__file__).resolve().parents[2] / "examples" / "export-ban.yaml"


def two_suppliers():
    # B needs 100 t/yr; A supplies 60 (cap), C 30 (cap), B makes 10 itself (cap) → B's imports
    # 90 t: shares 66.7 % / 33.3 % → HHI = 66.67² + 33.33² = 5,555.6; self-sufficiency 10 %.
    # World output of m: A 60, C 30, B 10 → HHI = 60² + 30² + 10² = 4,600.
    # All three plants must run at capacity (minimum = capacity), so supply equals demand and
    # B's 50 t stock cannot be drawn (the tonnes would have nowhere to go):
    # days of cover = 50 / (100 / 365) = 182.5.
    return rareflow.from_mapping({
        "name": "two", "periods": [2024],
        "commodities": {"m": {}}, "regions": {"A": {}, "B": {}, "C": {}},
        "processes": {"make": {"outputs": {"m": 1}}},
        "facilities": [{"id": "a", "region": "A", "process": "make", "capacity": 60, "cost": 1,
                        "minimum": 60},
                       {"id": "b", "region": "B", "process": "make", "capacity": 10, "cost": 3,
                        "minimum": 10},
                       {"id": "c", "region": "C", "process": "make", "capacity": 30, "cost": 2,
                        "minimum": 30}],
        "routes": [{"from": "A", "to": "B", "commodity": "m"},
                   {"from": "C", "to": "B", "commodity": "m"}],
        "stocks": [{"region": "B", "commodity": "m", "initial": 50, "capacity": 50}],
        "demands": [{"region": "B", "commodity": "m", "sector": "auto", "amount": 100,
                     "priority": 1000}],
    }).solve()


def test_import_hhi_self_sufficiency_and_days_of_cover():
    r = two_suppliers()
    h = hhi_imports(r).iloc[0]
    assert h["hhi"] == pytest.approx(100**2 * (4 / 9 + 1 / 9))
    assert h["top"] == "A" and h["suppliers"] == 2
    assert hhi_output(r).iloc[0]["hhi"] == pytest.approx(4_600)
    b = balances(r).set_index("region").loc["B"]
    assert b["self_sufficiency"] == pytest.approx(0.1)
    assert b["import_dependence"] == pytest.approx(0.9)
    assert b["consumption"] == pytest.approx(100)
    d = days_of_cover(r).iloc[0]
    assert d["days"] == pytest.approx(182.5)
    assert math.isnan(balances(r).set_index("region").loc["A", "self_sufficiency"])


def test_shortfall_by_sector_and_comparison_sentences():
    banned = rareflow.load(EXAMPLE).solve()
    free = rareflow.load(EXAMPLE, overrides={"policies": [{"id": "ban-a-b", "remove": True}]}).solve()
    s = shortfall_by_sector(banned)
    assert s[["region", "sector", "period", "unserved"]].values.tolist() == [["B", "auto", "2025", 30]]
    assert s["share_unserved"].iloc[0] == pytest.approx(0.375)
    c = banned.compare(free)
    assert c.flows[["origin", "period", "change", "status"]].values.tolist() == [
        ["A", "2025", -80, "vanished"], ["C", "2025", 50, "appeared"]]
    assert c.unserved["change"].tolist() == [30]
    assert c.sentences == [
        "B auto runs short of 30 t more m over 2025 (0.0 t → 30 t unserved).",
        "B's imports of m from A fall by 80 t over 2025; replaced by 50 t from C; A's own output "
        "changes: m −80 t (nothing at home takes it up, so less is made)."]
    p = c.prices.set_index(["region", "period"]).loc[("B", "2025")]
    assert (p["base"], p["scenario"]) == (pytest.approx(15), pytest.approx(1000))
