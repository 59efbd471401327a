"""`Results.frame` (tables indexed by their declared keys) and `Results.pivot` (grids)."""

import pandas as pd
import pytest

import rareflow
from rareflow.results import schema
from tests.conftest import chain


def _solved():
    # A makes m (cap 120 t/yr, 10/t); B asks 60 t/yr (priority 1000), C 60 t/yr (priority 500).
    # Periods: a quarter then a month, so '2026-04' sorts before '2026Q1' as text. Each period
    # carries its length: 2026Q1 a quarter (A makes 30, B gets 15, C 15), 2026-04 a month
    # (A 10, B 5, C 5): supply covers both demands in full, nothing is unserved.
    # A's plant goes down in 2026-04 (capacity 0 from then): B (dearer penalty) comes first
    # but nothing can be made, so B and C are 5 t short each.
    return rareflow.from_mapping(chain(
        periods=["2026Q1", "2026-04"],
        facilities=[{"id": "a", "region": "A", "process": "make",
                     "capacity": {"2026Q1": 120, "2026-04": 0}, "cost": 10}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 1},
                {"from": "A", "to": "C", "commodity": "m", "cost": 1}],
        demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 60,
                  "priority": 1000},
                 {"region": "C", "commodity": "m", "sector": "wind", "amount": 60,
                  "priority": 500}],
    )).solve()


def test_every_declared_table_has_keys_it_carries_and_a_value_column():
    for t in schema.TABLES.values():
        assert t.keys and set(t.keys) <= set(t.names), t.name
        assert t.value in t.names, t.name


def test_frame_is_indexed_by_the_declared_keys(approx):
    r = _solved()
    flows = r.frame("flows")
    assert list(flows.index.names) == ["route", "period"]
    assert flows.loc[("A-B-m", "2026Q1"), "amount"] == approx(15)
    assert flows.loc[("A-C-m", "2026-04"), "amount"] == approx(0)
    assert flows.index.is_unique
    un = r.frame("unserved")
    assert list(un.index.names) == ["demand", "period"]
    assert un.loc[("B-m-auto", "2026-04"), "amount"] == approx(5)
    assert r.frame("prices").index.names == ["region", "commodity", "period"]


def test_pivot_puts_periods_in_horizon_order_and_sums(approx):
    r = _solved()
    assert r.periods == ["2026Q1", "2026-04"]
    grid = r.pivot("unserved", index="region")
    assert list(grid.columns) == ["2026Q1", "2026-04"]  # not text order
    assert grid.loc["B", "2026-04"] == approx(5) and grid.loc["C", "2026-04"] == approx(5)
    assert grid.loc["B", "2026Q1"] == approx(0)
    trade = r.pivot("flows", index="origin", columns="destination")
    assert trade.loc["A", "B"] == approx(15) and trade.loc["A", "C"] == approx(15)
    # periods down the side are ordered too
    side = r.pivot("flows", index=["period", "destination"], columns=None)
    assert [p for p, _ in side.index] == ["2026Q1", "2026Q1", "2026-04", "2026-04"]
    # the same numbers as the long table
    long = r.flows.groupby("destination")["amount"].sum()
    pd.testing.assert_series_equal(trade.loc["A"], long, check_names=False)


def test_pivot_names_a_missing_column():
    r = _solved()
    with pytest.raises(rareflow.RareflowError, match="no column 'country'"):
        r.pivot("flows", index="country")
