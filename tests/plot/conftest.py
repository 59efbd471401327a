"""Small worlds for the figure tests, solved once per module."""

from __future__ import annotations

import pytest

import rareflow
from tests.conftest import chain
from tests.report.conftest import mini_runs  # noqa: F401  (the mini-halt / mini-controls pair)


def loop_world(**over) -> dict:
    """CHN mines, separates (oxide + a co-product nobody buys), makes metal and magnets, and
    sells oxide and magnets to JPN; magnet plants return swarf as oxide (a loop back to the
    oxide stage). Ids are not the dataset's: stages must come from the chain itself.

    2025, by hand: demand is JPN auto 100 + JPN medical 60 + CHN wind 50 = 210 t of magnets;
    magnet plants can make 120 (CHN) + 20 (JPN) = 140 t, so 70 t go unserved. The lowest
    priority (JPN medical, 1,000/t) is cut first: 60 t, then 10 t of the next (JPN auto,
    2,000/t; CHN wind is 5,000/t). Every tonne of magnet needs 0.4 t of metal (0.48 t of oxide)
    and returns 0.1 t of oxide, so the chain is well within the mine's 10,000 t."""
    base = chain(
        name="loop", periods=[2025],
        commodities={"rock": {"label": "Ore concentrate, mixed (test)"},
                     "ox": {"label": "Red oxide"}, "junk": {"label": "Leftover oxide", "disposal_cost": 0},
                     "met": {"label": "Red metal"}, "mag": {"label": "Red magnet"}},
        regions={"CHN": {"label": "China"}, "JPN": {"label": "Japan"}},
        processes={"dig": {"outputs": {"rock": 1}, "label": "Digging"},
                   "split": {"inputs": {"rock": 1}, "outputs": {"ox": 0.2, "junk": 0.8},
                             "label": "Splitting"},
                   "smelt": {"inputs": {"ox": 1.2}, "outputs": {"met": 1}, "label": "Smelting"},
                   "press": {"inputs": {"met": 0.4}, "outputs": {"mag": 1, "ox": 0.1},
                             "label": "Pressing, with swarf returned as oxide"}},
        facilities=[
            {"id": "c-dig", "region": "CHN", "process": "dig", "capacity": 10000, "cost": 1},
            {"id": "c-split", "region": "CHN", "process": "split", "capacity": 10000, "cost": 1},
            {"id": "c-smelt", "region": "CHN", "process": "smelt", "capacity": 1000, "cost": 1},
            {"id": "c-press", "region": "CHN", "process": "press", "capacity": 120, "cost": 1},
            {"id": "j-smelt", "region": "JPN", "process": "smelt", "capacity": 1000, "cost": 1},
            {"id": "j-press", "region": "JPN", "process": "press", "capacity": 20, "cost": 1}],
        routes=[{"from": "CHN", "to": "JPN", "commodity": "ox", "cost": 5},
                {"from": "CHN", "to": "JPN", "commodity": "mag", "cost": 5}],
        demands=[
            {"region": "JPN", "commodity": "mag", "sector": "auto", "amount": 100,
             "priority": 2000},
            {"region": "JPN", "commodity": "mag", "sector": "medical", "amount": 60,
             "priority": 1000},
            {"region": "CHN", "commodity": "mag", "sector": "wind", "amount": 50,
             "priority": 5000}])
    base.update(over)
    return base


@pytest.fixture(scope="module")
def loop():
    return rareflow.from_mapping(loop_world()).solve()
