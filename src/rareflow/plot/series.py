"""Time series and bars of a result as Plotly dicts: shortfalls, their change against a base,
prices, supplier shares, trade. Colours come from plot/palette.py: a sector, a commodity or a
country has one colour in every figure."""

from __future__ import annotations

import pandas as pd

from rareflow.analyze.shortfalls import shortfall_series
from rareflow.plot import palette
from rareflow.plot.common import EPS, empty, fmt_t, layout
from rareflow.plot.labels import Names

PATTERNS = ["", "/", "x", ".", "\\", "+", "-", "|"]


def _shortfall_traces(view, s: pd.Series, hover: str) -> list[dict]:
    """One bar trace per (region, sector, commodity): colour = sector, pattern = region."""
    scn = view.scenario
    names = Names(scn)
    colours = palette.sector_colours(scn)
    regions = list(dict.fromkeys(k[0] for k in s.index.droplevel(-1)))
    traces = []
    for (r, sec, c), g in s.groupby(level=[0, 1, 2], sort=False):
        y = g.droplevel([0, 1, 2]).reindex(view.periods).fillna(0.0)
        marker = {"color": colours.get(sec, palette.NEUTRAL)}
        if len(regions) > 1:
            marker["pattern"] = {"shape": PATTERNS[regions.index(r) % len(PATTERNS)]}
        traces.append({"type": "bar", "x": view.periods, "y": [float(v) for v in y],
                       "name": f"{names.at(r, names.s(sec))} ({names.c(c)})",
                       "meta": {"region": r, "sector": sec, "commodity": c}, "marker": marker,
                       "hovertemplate": hover + "<extra>%{fullData.name}</extra>"})
    return traces


def _series(s: pd.DataFrame) -> pd.Series:
    return s.set_index(["region", "sector", "commodity", "period"])["amount"]


def shortfall_figure(view, region: str | None = None, height: int = 380) -> dict:
    names = Names(view.scenario)
    where = f" in {names.r(region)}" if region else ""
    title = f"Unserved demand by sector{where} (t per period)"
    s = shortfall_series(view, region)
    if s.empty:
        return empty(title, "All demand is served in every period.", height)
    traces = _shortfall_traces(view, _series(s), "%{x}: %{y:,.0f} t unserved")
    return {"data": traces, "layout": layout(
        title, height=height, barmode="stack", xaxis={"type": "category"},
        yaxis={"title": {"text": "unserved (t)"}, "rangemode": "tozero", "gridcolor": "#eee"},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top"})}


def change_figure(view, base, region: str | None = None, height: int = 360) -> dict:
    """Change in unserved demand (scenario − base) by sector and period."""
    title = f"Change in unserved demand against {base.name} (t)"
    d = _series(shortfall_series(view, region)).sub(_series(shortfall_series(base, region)),
                                                    fill_value=0.0)
    d = d[d.groupby(level=[0, 1, 2]).transform(lambda v: v.abs().max()) > EPS]
    if d.empty:
        return empty(title, f"Unserved demand is the same as in {base.name}.", height)
    traces = _shortfall_traces(view, d, "%{x}: %{y:+,.0f} t")
    return {"data": traces, "layout": layout(
        title, height=height, barmode="relative", xaxis={"type": "category"},
        yaxis={"title": {"text": "Δ unserved (t)"}, "zeroline": True, "zerolinecolor": "#888",
               "gridcolor": "#eee"},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top"})}


def price_figure(view, region: str | None = None, top: int = 10, height: int = 380) -> dict:
    """Scarcity prices (duals of the balance rows): colour = commodity, dash = region."""
    scn = view.scenario
    names = Names(scn)
    cur = view.currency
    where = f" in {names.r(region)}" if region else ""
    title = f"Scarcity prices{where} ({cur}/t: value of one more tonne)"
    pr = view.table("prices")
    if pr.empty:
        return empty(title, "No prices in this run.", height)
    if region:
        pr = pr[pr["region"] == region]
    pr = pr.assign(period=pr["period"].astype(str))
    peak = pr.groupby(["region", "commodity"], sort=False)["price"].agg(lambda v: v.abs().max())
    peak = peak[peak > EPS].sort_values(ascending=False).head(top)
    if peak.empty:
        return empty(title, "Every price is zero: nothing is scarce.", height)
    shown = pr.set_index(["region", "commodity"]).loc[list(peak.index), "price"]
    positive = shown[shown > EPS]
    log = bool((shown >= -EPS).all() and len(positive) and positive.max() / positive.min() > 1e3)
    colours = palette.commodity_colours(scn)
    regions = list(dict.fromkeys(r for r, _ in peak.index))
    dashes = ["solid", "dot", "dash", "longdash", "dashdot"]
    traces = []
    for (r, c) in peak.index:
        g = pr[(pr["region"] == r) & (pr["commodity"] == c)].set_index("period")["price"]
        y = g.reindex(view.periods)
        traces.append({
            "type": "scatter", "mode": "lines+markers", "x": view.periods,
            "y": [None if pd.isna(v) else float(v) for v in y],
            "name": names.at(r, names.c(c)), "meta": {"region": r, "commodity": c},
            "line": {"color": colours.get(c, palette.NEUTRAL),
                     "dash": dashes[regions.index(r) % len(dashes)]},
            "hovertemplate": "%{x}: %{y:,.0f} " + cur + "/t<extra>%{fullData.name}</extra>"})
    return {"data": traces, "layout": layout(
        title, height=height, xaxis={"type": "category"},
        yaxis={"title": {"text": f"{cur}/t" + (" (log scale)" if log else "")},
               "gridcolor": "#eee", "type": "log" if log else "linear"},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top"})}


def supplier_shares(view, period: str | None = None, region: str | None = None) -> pd.DataFrame:
    """Who supplies each region's commodities: own production and imports by origin.

    Columns: region, commodity, supplier, amount (t), share (0–1 of the region's supply of that
    commodity: its own production plus its imports).
    """
    parts = []
    act = view.table("activity")

    def when(df: pd.DataFrame) -> pd.DataFrame:
        df = df if period is None else df[df["period"].astype(str) == str(period)]
        return df[df["amount"].abs() > EPS] if len(df) else df

    if not act.empty:
        rows = []
        for (r, p), x in when(act).groupby(["region", "process"], sort=False)["amount"].sum().items():
            proc = view.scenario.processes.get(p)
            for c, k in (proc.outputs.items() if proc else []):
                rows.append((r, c, r, k * x))
        parts.append(pd.DataFrame(rows, columns=["region", "commodity", "supplier", "amount"]))
    fl = view.table("flows")
    if not fl.empty:
        f = when(fl)
        parts.append(pd.DataFrame({"region": f["destination"], "commodity": f["commodity"],
                                   "supplier": f["origin"], "amount": f["amount"]}))
    tl = view.table("tolling")
    t = when(tl) if not tl.empty else tl
    if len(t):
        parts.append(pd.DataFrame({"region": t["owner"], "commodity": t["output"],
                                   "supplier": t["partner"], "amount": t["amount"]}))
    if not parts:
        return pd.DataFrame(columns=["region", "commodity", "supplier", "amount", "share"])
    df = pd.concat(parts, ignore_index=True)
    if region:
        df = df[df["region"] == region]
    df = df.groupby(["region", "commodity", "supplier"], sort=False)["amount"].sum().reset_index()
    df = df[df["amount"] > EPS]
    df["share"] = df["amount"] / df.groupby(["region", "commodity"])["amount"].transform("sum")
    return df.reset_index(drop=True)


def share_figure(view, period: str | None = None, region: str | None = None,
                 top: int = 14) -> dict:
    scn = view.scenario
    names = Names(scn)
    when = f"in {period}" if period else "over the horizon"
    who = names.r(region) if region else "each region"
    title = f"Who supplies {who} {when}"
    df = supplier_shares(view, period, region)
    if df.empty:
        return empty(title, "Nothing is produced or traded.", 320)
    tot = df.groupby(["region", "commodity"])["amount"].sum()
    imports = df[df["supplier"] != df["region"]].groupby(["region", "commodity"])["amount"].sum()
    order = sorted(tot.index, key=lambda k: (float(imports.get(k, 0.0)) <= EPS, -float(tot[k])))
    order = order[:top]
    ylab = {k: names.at(k[0], names.c(k[1])) for k in order}
    colours = palette.region_colours(scn)
    traces = []
    for sup in [s for s in scn.regions if s in set(df["supplier"])]:
        g = df[df["supplier"] == sup].set_index(["region", "commodity"])
        xs, ys, ts = [], [], []
        for k in order:
            if k in g.index:
                xs.append(round(float(g.loc[k, "share"]) * 100, 2))
                ys.append(ylab[k])
                ts.append(fmt_t(float(g.loc[k, "amount"])))
        if xs:
            traces.append({"type": "bar", "orientation": "h", "x": xs, "y": ys, "customdata": ts,
                           "name": names.r(sup), "marker": {"color": colours.get(sup)},
                           "hovertemplate": "%{y}: %{x:.1f} % of its supply (%{customdata}) "
                                            "from " + names.r(sup) + "<extra></extra>"})
    height = max(260, 90 + 34 * len(order))
    return {"data": traces, "layout": layout(
        title, height=height, barmode="stack",
        xaxis={"range": [0, 100], "ticksuffix": " %", "gridcolor": "#eee",
               "title": {"text": "share of the region's supply of the commodity "
                                 "(own production + imports)", "font": {"size": 12}}},
        yaxis={"autorange": "reversed", "automargin": True},
        legend={"orientation": "h", "y": -0.25, "title": {"text": "supplier: "}},
        margin={"l": 10, "r": 20, "t": 60, "b": 90})}


def trade_figure(view, commodity: str | None = None, period: str | None = None,
                 height: int = 400) -> dict:
    """Trade in tonnes, coloured by exporter: per period (stacked by exporter) over the
    horizon, or, for one period, per importing region."""
    scn = view.scenario
    names = Names(scn)
    what = names.c(commodity) if commodity else "all commodities"
    when = f"in {period}" if period else "per period"
    title = f"Trade in {what} {when} (t; colour = exporter)"
    fl = view.table("flows")
    if not fl.empty:
        fl = fl.assign(period=fl["period"].astype(str))
        fl = fl[fl["amount"].abs() > EPS]
        if commodity:
            fl = fl[fl["commodity"] == commodity]
        if period:
            fl = fl[fl["period"] == str(period)]
    if fl.empty:
        return empty(title, "Nothing is traded" + (f" in {period}" if period else "") + ".",
                     height)
    colours = palette.region_colours(scn)
    xkey = "destination" if period else "period"
    xs = ([r for r in scn.regions if r in set(fl["destination"])] if period else view.periods)
    traces = []
    for o in [r for r in scn.regions if r in set(fl["origin"])]:
        g = fl[fl["origin"] == o].groupby(xkey)["amount"].sum().reindex(xs).fillna(0.0)
        traces.append({"type": "bar", "x": [names.r(x) for x in xs] if period else xs,
                       "y": [float(v) for v in g], "name": names.r(o),
                       "meta": {"origin": o}, "marker": {"color": colours.get(o)},
                       "hovertemplate": "%{x}: %{y:,.0f} t from " + names.r(o)
                                        + "<extra></extra>"})
    return {"data": traces, "layout": layout(
        title, height=height, barmode="stack", xaxis={"type": "category",
                                                      "title": {"text": "importer" if period
                                                                else "period"}},
        yaxis={"title": {"text": "traded (t)"}, "rangemode": "tozero", "gridcolor": "#eee"},
        legend={"orientation": "h", "y": -0.18, "yanchor": "top",
                "title": {"text": "exporter: "}})}
