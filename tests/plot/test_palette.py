"""One colour per sector, country and commodity, the same in every figure (plot/palette.py)."""

from __future__ import annotations

from rareflow.plot import palette
from rareflow.plot.sankey import sankey_figure
from rareflow.plot.series import change_figure, price_figure, shortfall_figure, trade_figure


def _by_sector(fig: dict) -> dict[str, str]:
    return {t["meta"]["sector"]: t["marker"]["color"] for t in fig["data"]}


def test_same_sector_same_colour_in_two_figures(mini_runs):
    halt, controls = mini_runs
    a = _by_sector(shortfall_figure(halt))
    b = _by_sector(change_figure(halt, controls))
    c = _by_sector(shortfall_figure(controls, "JPN"))
    shared = set(a) & set(b) & set(c)
    assert shared  # the test can fail: the figures share sectors
    for s in shared:
        assert a[s] == b[s] == c[s]
    assert len(set(a.values())) == len(a)  # and different sectors differ


def test_same_country_same_colour_in_sankey_and_trade(mini_runs):
    halt, _ = mini_runs
    tr = sankey_figure(halt, "2027")["data"][0]
    sank = {}
    for label, colour in zip(tr["node"]["label"], tr["node"]["color"], strict=True):
        if " · " in label:
            sank[label.split(" · ")[0]] = colour
    trade = {t["name"]: t["marker"]["color"] for t in trade_figure(halt)["data"]}
    assert set(trade) <= set(sank)
    for name, colour in trade.items():
        assert sank[name] == colour


def test_price_lines_one_colour_per_commodity(mini_runs):
    halt, _ = mini_runs
    fig = price_figure(halt, "JPN")
    colours = {t["meta"]["commodity"]: t["line"]["color"] for t in fig["data"]}
    assert len(colours) > 1 and len(set(colours.values())) == len(colours)


def test_assign_is_stable_and_fills_unknown_ids():
    a = palette.assign(["automotive", "bees", "wind", "ants"], palette.SECTOR)
    b = palette.assign(["automotive", "bees", "wind", "ants"], palette.SECTOR)
    assert a == b
    assert a["automotive"] == palette.SECTOR["automotive"]
    assert a["bees"] != a["ants"] and a["bees"] not in (a["automotive"], a["wind"])
