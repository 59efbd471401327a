"""Figures on their own: toy (nothing moves), tolling, supplier shares, sentences."""

from __future__ import annotations

import pytest

import rareflow
from rareflow.report import charts


def test_toy_has_empty_but_titled_figures():
    v = rareflow.load("toy").solve()
    fig = charts.sankey_figure(v, "2024")  # no material moves: only Japan's unmet demand
    kinds = [c[0] for c in fig["data"][0]["link"]["customdata"]]
    assert kinds == ["unserved"] and fig["data"][0]["link"]["value"] == [800.0]
    empty = charts.sankey_figure(v, "2024", region="IND")
    assert empty["data"] == [] and "Nothing moves" in empty["layout"]["annotations"][0]["text"]
    s = charts.shortfall_figure(v)
    assert s["data"][0]["y"] == [800.0] * 7
    assert "t per period" in s["layout"]["title"]["text"]
    assert charts.shortfall_sentences(v)[0].startswith("Japan's automotive demand")


def test_supplier_shares_sum_to_one(mini_runs):
    halt, _ = mini_runs
    df = charts.supplier_shares(halt)
    assert df.groupby(["region", "commodity"])["share"].sum().to_numpy() == pytest.approx(1.0)
    jp = df[(df["region"] == "JPN") & (df["commodity"] == "ndpr_oxide")].set_index("supplier")
    fl = halt.flows
    fl = fl[(fl["destination"] == "JPN") & (fl["commodity"] == "ndpr_oxide")]
    assert jp.loc["AUS", "amount"] == pytest.approx(fl[fl["origin"] == "AUS"]["amount"].sum())


def test_tolling_links(tmp_path):
    text = """
name: toll
periods: [2025]
commodities: {ox: {}, mag: {}}
regions: {IND: {}, JPN: {}}
processes: {mine: {outputs: {ox: 1}}}
facilities: [{id: m, region: IND, process: mine, capacity: 100}]
demands: [{region: IND, commodity: mag, sector: auto, amount: 10, priority: 1000}]
policies: [{id: t1, type: tolling, owner: IND, partner: JPN, input: ox, output: mag, ratio: 0.5,
            capacity: 50, fee: 1}]
"""
    r = rareflow.from_yaml(text).solve()
    v = r
    nodes, links = charts.sankey_links(v, "2025")
    toll = links[links["kind"] == "toll"]
    assert sorted(toll["value"]) == pytest.approx([5.0, 10.0])  # 5 t ox out, 10 t magnets back
    shares = charts.supplier_shares(v)
    assert shares.set_index(["region", "commodity", "supplier"]).loc[("IND", "mag", "JPN"),
                                                                     "share"] == 1.0


def test_default_view_of_the_report(mini_runs):
    """The report opens where the run changes most against its base: Japan (the halted
    partner), in the period where Japan's unserved demand changes most."""
    halt, controls = mini_runs
    reg, per, why = charts.default_view(halt, controls)
    assert reg == "JPN"
    jp = lambda r: r.unserved[r.unserved["region"] == "JPN"].groupby("period")["amount"].sum()  # noqa: E731
    d = jp(halt).sub(jp(controls), fill_value=0.0).abs()
    assert per == d.idxmax()
    assert why.startswith("Japan in ") and controls.name in why
    assert charts.default_view(halt)[0] in ("JPN", "IND")
