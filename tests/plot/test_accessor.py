"""`r.plot.*` returns Plotly Figures with the expected traces (plot/accessor.py), and importing
rareflow does not import Plotly."""

from __future__ import annotations

import subprocess
import sys

import plotly.graph_objects as go
import pytest


def test_sankey_figure_and_reason(loop):
    fig = loop.plot.sankey()
    assert isinstance(fig, go.Figure)
    (tr,) = fig.data
    assert tr.type == "sankey" and tr.arrangement == "fixed"
    # alone, the view opens where the most demand goes unserved: Japan (70 t), in 2025
    assert fig.layout.meta["region"] == "JPN" and fig.layout.meta["period"] == "2025"
    assert fig.layout.meta["reason"].startswith("Japan in 2025: the largest shortfall, 70 t")
    everything = loop.plot.sankey(period="2025", region="all")
    assert everything.layout.meta["region"] is None and everything.layout.meta["reason"] == ""
    assert len(everything.data[0].node.label) > len(tr.node.label)


def test_shortfalls_prices_trade(loop, mini_runs):
    s = loop.plot.shortfalls()
    assert isinstance(s, go.Figure)
    got = {(t.meta["region"], t.meta["sector"]): list(t.y) for t in s.data}
    assert got == {("JPN", "auto"): [10.0], ("JPN", "medical"): [60.0]}  # by hand, conftest
    p = loop.plot.prices()
    assert isinstance(p, go.Figure) and all(t.type == "scatter" for t in p.data)
    assert {t.meta["commodity"] for t in p.data} >= {"mag"}
    t = loop.plot.trade()
    assert {tr.name: list(tr.y) for tr in t.data} == {"China": pytest.approx([77.6])}
    t = loop.plot.trade("mag", "2025")
    assert [(tr.name, list(tr.x), list(tr.y)) for tr in t.data] == [("China", ["Japan"], [70.0])]
    halt, controls = mini_runs
    ch = halt.plot.shortfalls(base=controls)
    assert "Change in unserved demand against mini-controls" in ch.layout.title.text


def test_import_rareflow_does_not_import_plotly():
    code = "import sys, rareflow; print(any(m.startswith('plotly') for m in sys.modules))"
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.strip() == "False"
