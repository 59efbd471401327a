"""The back-test chart is written as a plain dict (no Plotly objects, for speed); it must be the
figure Plotly's own objects made: same traces, typed arrays, subplot domains, titles, template.
The reference below is the earlier drawing code, kept as it was (the panels it draws are
chosen by the same `figure_panels`)."""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest

import rareflow
from rareflow.analyze import backtest as bt_mod
from rareflow.analyze.backtest import Backtest, figure, figure_panels, fmt_error, run_backtest
from rareflow.analyze.observations import load_observations


def reference(bt: Backtest, title: str) -> dict:
    """The figure as it was built before, with make_subplots and validated traces."""
    from plotly.subplots import make_subplots

    panels, titles = figure_panels(bt)  # the same panels: what is compared is the drawing
    fig = make_subplots(rows=len(panels), cols=1, subplot_titles=titles, vertical_spacing=0.08)
    for i, (key, df) in enumerate(panels, start=1):
        kind, what = key.split(":", 1)
        first = i == 1
        if kind == "line":
            ln = bt.lines[bt.lines["series"] == what]
            df = df.sort_values("period")
            fig.add_scatter(x=ln["month"], y=ln["model"], mode="lines", name="model",
                            line={"color": "#1f77b4"}, row=i, col=1, legendgroup="model",
                            showlegend=first)
            fig.add_scatter(x=df["period"], y=df["observed"], mode="lines+markers",
                            name="observed", line={"color": "#d62728", "dash": "dot"},
                            row=i, col=1, legendgroup="observed", showlegend=first)
            continue
        x = [f"{w} {per}" for w, per in zip(df["what"], df["period"], strict=True)]
        hover = [f"{lab}<br>error {fmt_error(e)}<br>{h}" for lab, e, h in
                 zip(df["label"], df["error_pct"], df["how"], strict=True)]
        fig.add_bar(x=x, y=df["observed"], name="observed", marker_color="#d62728", row=i,
                    col=1, legendgroup="observed", showlegend=first, hovertext=hover)
        fig.add_bar(x=x, y=df["model"], name="model", marker_color="#1f77b4", row=i, col=1,
                    legendgroup="model", showlegend=first, hovertext=hover)
        vals = pd.concat([df["observed"], df["model"]]).replace(0, np.nan).dropna()
        if len(vals) and vals.min() > 0 and vals.max() / vals.min() > 50:
            fig.update_yaxes(type="log", row=i, col=1)
            fig.layout.annotations[i - 1].text += ", log scale"
    fig.update_layout(title=title, barmode="group", height=360 * len(panels),
                      paper_bgcolor="white", plot_bgcolor="white",
                      font={"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 12})
    return fig.to_dict()


def plain(o):
    """Numpy arrays as lists, so that two figures compare with ==."""
    if isinstance(o, dict):
        return {k: plain(v) for k, v in o.items()}
    if isinstance(o, (list, tuple)):
        return [plain(v) for v in o]
    if isinstance(o, np.ndarray):
        return o.tolist()
    return o


@pytest.fixture(scope="module")
def shipped():
    return run_backtest(rareflow.load("china-controls-2025").solve(), load_observations(None))


def test_the_chart_is_the_figure_plotly_objects_made(shipped):
    new, old = figure(shipped, "T"), reference(shipped, "T")
    assert plain(new) == plain(old)
    assert any(ax.get("type") == "log" for k, ax in new["layout"].items() if k.startswith("yaxis"))
    import plotly.graph_objects as go

    assert plain(go.Figure(new).to_dict()) == plain(old)  # valid for Plotly as it stands


@pytest.mark.parametrize("keep", [1, 2, 3, 5, 8])
def test_subplot_domains_and_titles_match_make_subplots_for_any_panel_count(shipped, keep):
    """Fewer or more panels (other observation files): the same floats as make_subplots."""
    t = shipped.table
    units = list(dict.fromkeys(t["unit"]))
    lines = shipped.lines
    if keep > len(units):  # more panels: split a unit's rows under new unit names
        t = t.assign(unit=[f"{u}#{i % (keep - len(units) + 1)}" if u == units[-1] else u
                           for i, u in enumerate(t["unit"])])
    else:
        t = t[t["unit"].isin(units[:keep])]
        lines = lines[lines["series"].isin(set(t["series"]))]
    bt = Backtest(table=t.reset_index(drop=True), lines=lines, left_out=shipped.left_out)
    assert plain(figure(bt, "x")) == plain(reference(bt, "x"))


def test_an_int_column_is_the_typed_array_plotly_makes():
    from _plotly_utils.utils import to_typed_array_spec

    s = pd.Series([1, 2, 300])
    assert bt_mod._array(s) == to_typed_array_spec(s.to_numpy())


def test_the_offline_page_draws_that_figure(shipped):
    """backtest.html: plotly.js inlined, and the figure it draws is the one Plotly's objects
    made (key order aside, which does not change a figure)."""
    import json
    import re

    import plotly.graph_objects as go

    from rareflow.cli.backtest import _html

    page = _html(figure(shipped, "T"), "T")
    assert page.startswith("<!doctype html>\n<html>\n<head><title>T</title>")
    assert "<script src=" not in page and "Plotly.newPlot" in page
    args = re.search(r'Plotly\.newPlot\(\s*"[^"]+",\s*(\[.*?\]),\s*(\{.*?\}),\s*\{"displaylogo"',
                     page, re.S)
    drawn = {"data": json.loads(args.group(1)), "layout": json.loads(args.group(2))}
    before = json.loads(go.Figure(reference(shipped, "T")).to_json())
    assert drawn == before
