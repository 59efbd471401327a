"""Series figures (plot/series.py): shares say what they are shares of, shortfalls sum up."""

from __future__ import annotations

import pytest

from rareflow.plot.series import share_figure, supplier_shares


def test_shares_say_what_they_are_a_share_of(loop):
    fig = share_figure(loop, "2025", "JPN")
    axis = fig["layout"]["xaxis"]["title"]["text"]
    assert "share of the region's supply of the commodity" in axis
    assert all("% of its supply" in t["hovertemplate"] for t in fig["data"])
    # by hand: Japan's magnets are 20 t own + 70 t from China → 22.2 % / 77.8 %
    df = supplier_shares(loop, "2025", "JPN").set_index(["commodity", "supplier"])
    assert df.loc[("mag", "CHN"), "share"] == pytest.approx(70 / 90)
    assert df.loc[("mag", "JPN"), "share"] == pytest.approx(20 / 90)
