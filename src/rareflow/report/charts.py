"""Figures as plain Plotly JSON (dicts), built from a RunView: the report and the web page
draw exactly the same data.

- `sankey_figure`: the chain in one period (mine → oxide → metal → magnet → sector), nodes and
  links coloured by country; every link carries `customdata = [kind, ref, text]` so that its
  meaning can be checked (a `trade` link's ref is the route id and its value the route's flow).
- `shortfall_figure`, `price_figure`, `share_figure`, `change_figure`: time series and bars.
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np
import pandas as pd

from rareflow.report.view import RunView

EPS = 1e-6

# Fixed colours for the countries that matter most in the rare-earth chain; others get a palette.
COUNTRY_COLOURS = {
    "CHN": "#d62728", "IND": "#ff7f0e", "JPN": "#1f77b4", "USA": "#3b4cc0", "KOR": "#9467bd",
    "AUS": "#bcbd22", "MMR": "#8c564b", "VNM": "#17becf", "MYS": "#e377c2", "EU": "#2f4b7c",
    "EUR": "#2f4b7c", "DEU": "#4d4d4d", "RUS": "#7f3c8d", "BRA": "#2ca02c", "CAN": "#a05195",
    "ARG": "#6aaed6", "MWI": "#5c8a3a", "EST": "#665191", "GBR": "#003f5c", "THA": "#ffa600",
    "LAO": "#9c755f", "KAZ": "#76b7b2", "ZAF": "#59a14f", "TZA": "#edc948", "GRL": "#86bcb6",
    "ROW": "#9d9d9d",
}
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
           "#ff9da7", "#af7aa1", "#86bcb6", "#d37295", "#a0cbe8", "#8cd17d", "#b6992d"]
SHORTFALL_COLOUR = "#8b0000"
NEUTRAL = "#9d9d9d"
FONT = {"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 13, "color": "#222"}


def region_colours(view: RunView) -> dict[str, str]:
    out, k = {}, 0
    for r in view.scenario.regions:
        if r in COUNTRY_COLOURS:
            out[r] = COUNTRY_COLOURS[r]
        else:
            out[r] = PALETTE[k % len(PALETTE)]
            k += 1
    return out


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"


def fmt_t(v: float) -> str:
    return f"{v:,.0f} t" if abs(v) >= 10 else f"{v:,.2f} t"


def _layout(title: str, **kw) -> dict:
    base = {"title": {"text": title, "x": 0.01, "xanchor": "left", "font": {"size": 17}},
            "font": FONT, "paper_bgcolor": "white", "plot_bgcolor": "white",
            "margin": {"l": 70, "r": 20, "t": 60, "b": 50}, "hoverlabel": {"namelength": -1}}
    base.update(kw)
    return base


def _empty(title: str, message: str, height: int = 360) -> dict:
    return {"data": [], "layout": _layout(title, height=height, xaxis={"visible": False},
                                           yaxis={"visible": False},
                                           annotations=[{"text": message, "showarrow": False,
                                                         "xref": "paper", "yref": "paper",
                                                         "x": 0.5, "y": 0.5,
                                                         "font": {"size": 15, "color": "#555"}}])}


def _nonzero(df: pd.DataFrame, col: str = "amount") -> pd.DataFrame:
    if df.empty or col not in df:
        return df.iloc[0:0] if not df.empty else df
    return df[df[col].abs() > EPS]


def _policies_by_label(view: RunView) -> dict:
    out = {}
    for i, p in enumerate(view.scenario.all_policies()):
        out[p.id or f"{p.type}-{i + 1}"] = p
    return out


# ---------------------------------------------------------------------------------------------
# Sankey
# ---------------------------------------------------------------------------------------------
SHORT = 24


def short(label: str, ident: str) -> str:
    """A node label that fits a Sankey column: the label if short, else the id in words."""
    if len(label) <= SHORT:
        return label
    words = ident.replace("_", " ")
    return words if len(words) <= SHORT + 6 else words[: SHORT + 5] + "…"


def sankey_links(view: RunView, period: str, region: str | None = None,
                 base: RunView | None = None) -> tuple[list[dict], pd.DataFrame]:
    """Nodes and links of the chain in one period.

    Nodes: `proc:R:P` (a process in region R), `com:R:C` (commodity C in R), `dem:R:S` (sector S
    of R), `stock:ID`, `short` (unserved demand), `drop:R:C` (discarded), `toll:R:ID`.
    Links (kind): input, output, trade, served, unserved, stock_draw, stock_build, discard, toll.
    With `region`, only links touching that region are kept.
    """
    period = str(period)
    scn = view.scenario
    rows: list[tuple[str, str, float, str, str, str]] = []  # source, target, value, kind, ref, text
    nodes: dict[str, dict] = {}

    def node(nid: str, label: str, reg: str | None, kind: str, long: str | None = None) -> str:
        if nid not in nodes:
            if long is None:
                long = label
                if reg and label.startswith(f"{reg} "):
                    long = f"{view.region_label(reg)} · {label[len(reg) + 1:]}"
            nodes[nid] = {"id": nid, "label": label, "long": long, "region": reg, "kind": kind}
        return nid

    def com(r: str, c: str) -> str:
        return node(f"com:{r}:{c}", f"{r} {short(view.commodity_label(c), c)}", r, "commodity",
                    f"{view.region_label(r)} · {view.commodity_label(c)}")

    act = view.table("activity")
    if not act.empty:
        act = _nonzero(act[act["period"].astype(str) == period])
        for (r, p), x in act.groupby(["region", "process"], sort=False)["amount"].sum().items():
            proc = scn.processes.get(p)
            if proc is None:
                continue
            pn = node(f"proc:{r}:{p}", f"{r} {short(view.process_label(p), p)}", r, "process",
                      f"{view.region_label(r)} · {view.process_label(p)}")
            for c, a in proc.inputs.items():
                rows.append((com(r, c), pn, a * x, "input", p,
                             f"{view.region_label(r)}: {view.process_label(p)} uses "
                             f"{fmt_t(a * x)} of {view.commodity_label(c)}"))
            for c, a in proc.outputs.items():
                rows.append((pn, com(r, c), a * x, "output", p,
                             f"{view.region_label(r)}: {view.process_label(p)} makes "
                             f"{fmt_t(a * x)} of {view.commodity_label(c)}"))

    before: dict[str, float] = {}
    if base is not None and not base.table("flows").empty:
        bf = base.table("flows")
        bf = bf[bf["period"].astype(str) == period]
        before = dict(zip(bf["route"], bf["amount"], strict=True))
    fl = view.table("flows")
    if not fl.empty:
        fl = _nonzero(fl[fl["period"].astype(str) == period])
        for f in fl.itertuples(index=False):
            was = before.get(f.route)
            vs = ""
            if base is not None:
                if was is None or was <= EPS:
                    vs = f" (new vs {base.name})"
                elif abs(f.amount - was) > EPS:
                    vs = f" ({f.amount - was:+,.0f} t vs {base.name})"
            rows.append((com(f.origin, f.commodity), com(f.destination, f.commodity), f.amount,
                         "trade", f.route,
                         f"{view.region_label(f.origin)} → {view.region_label(f.destination)}: "
                         f"{fmt_t(f.amount)} of {view.commodity_label(f.commodity)}{vs}"))

    for tname in ("tolled", "tolling"):
        tl = view.table(tname)
        if tl.empty or not {"policy", "owner", "partner", "amount"} <= set(tl.columns):
            continue
        pols = _policies_by_label(view)
        tl = _nonzero(tl[tl["period"].astype(str) == period])
        has_io = {"input", "output", "input_amount"} <= set(tl.columns)
        for t in tl.itertuples(index=False):
            if has_io:
                c_in, c_out, used = t.input, t.output, float(t.input_amount)
            else:
                pol = pols.get(t.policy)
                if pol is None or getattr(pol, "type", "") != "tolling":
                    continue
                c_in, c_out = pol.input, pol.output
                used = float(pol.ratio) * t.amount if pol.ratio is not None else np.nan
            tn = node(f"toll:{t.partner}:{t.policy}", f"{t.partner} tolling for {t.owner}",
                      t.partner, "tolling")
            if not np.isnan(used) and used > EPS:
                rows.append((com(t.owner, c_in), tn, used, "toll", t.policy,
                             f"{view.region_label(t.owner)} sends {fmt_t(used)} of "
                             f"{view.commodity_label(c_in)} to {view.region_label(t.partner)} "
                             "for tolling"))
            rows.append((tn, com(t.owner, c_out), t.amount, "toll", t.policy,
                         f"{view.region_label(t.partner)} returns {fmt_t(t.amount)} of "
                         f"{view.commodity_label(c_out)} to {view.region_label(t.owner)}"))

    un = view.table("unserved")
    if not un.empty:
        un = un[un["period"].astype(str) == period]
        short_by = un.groupby(["region", "sector"])["amount"].sum()
        for d in un.itertuples(index=False):
            served = float(d.requested) - float(d.amount)
            if served <= EPS and d.amount <= EPS:
                continue
            gap = float(short_by.get((d.region, d.sector), 0.0))
            dn = node(f"dem:{d.region}:{d.sector}", f"{d.region} {d.sector}", d.region, "demand",
                      f"{view.region_label(d.region)} · {d.sector} demand"
                      + (f", {fmt_t(gap)} of it unserved" if gap > EPS else ""))
            if served > EPS:
                rows.append((com(d.region, d.commodity), dn, served, "served", d.demand,
                             f"{view.region_label(d.region)} {d.sector}: {fmt_t(served)} of "
                             f"{view.commodity_label(d.commodity)} served"))
            if d.amount > EPS:
                sn = node("short", "", None, "shortfall", "unserved demand")
                rows.append((sn, dn, float(d.amount), "unserved", d.demand,
                             f"{view.region_label(d.region)} {d.sector}: {fmt_t(d.amount)} of "
                             f"{view.commodity_label(d.commodity)} NOT served"))

    st = view.table("stocks")
    if not st.empty and view.periods:
        initial = {s.id: s.initial for s in scn.stocks}
        idx = view.periods.index(period) if period in view.periods else -1
        prev_p = view.periods[idx - 1] if idx > 0 else None
        for sid, g in st.groupby("stock", sort=False):
            cur = g[g["period"].astype(str) == period]
            if cur.empty:
                continue
            level = float(cur["level"].iloc[0])
            if prev_p is None:
                before = float(initial.get(sid, 0.0))
            else:
                pv = g[g["period"].astype(str) == prev_p]
                before = float(pv["level"].iloc[0]) if len(pv) else 0.0
            r, c = cur["region"].iloc[0], cur["commodity"].iloc[0]
            sn = node(f"stock:{sid}", f"{r} {view.commodity_label(c)} stock", r, "stock")
            if before - level > EPS:
                rows.append((sn, com(r, c), before - level, "stock_draw", sid,
                             f"{view.region_label(r)} draws {fmt_t(before - level)} of "
                             f"{view.commodity_label(c)} from stock"))
            elif level - before > EPS:
                rows.append((com(r, c), sn, level - before, "stock_build", sid,
                             f"{view.region_label(r)} adds {fmt_t(level - before)} of "
                             f"{view.commodity_label(c)} to stock"))

    sp = view.table("surplus")
    if not sp.empty and "period" in sp:
        sp = _nonzero(sp[sp["period"].astype(str) == period])
        for s in sp.itertuples(index=False):
            dn = node(f"drop:{s.region}:{s.commodity}",
                      f"{s.region} {short(view.commodity_label(s.commodity), s.commodity)} "
                      "discarded", s.region, "discard",
                      f"{view.region_label(s.region)} · {view.commodity_label(s.commodity)}, "
                      "discarded (nobody buys it)")
            rows.append((com(s.region, s.commodity), dn, s.amount, "discard", s.commodity,
                         f"{view.region_label(s.region)} discards {fmt_t(s.amount)} of "
                         f"{view.commodity_label(s.commodity)}"))

    links = pd.DataFrame(rows, columns=["source", "target", "value", "kind", "ref", "text"])
    if region:
        reg_of = {k: v["region"] for k, v in nodes.items()}
        keep = [reg_of.get(s) == region or reg_of.get(t) == region
                for s, t in zip(links["source"], links["target"], strict=True)]
        links = links[keep].reset_index(drop=True)
    used = set(links["source"]) | set(links["target"])
    return [n for k, n in nodes.items() if k in used], links


def _column_load(nodes: list[dict]) -> int:
    """Roughly how many nodes the busiest column holds (demand nodes share the last one)."""
    kinds: dict[str, int] = defaultdict(int)
    for n in nodes:
        kinds[n["kind"]] += 1
    per_stage = max(kinds.get("commodity", 0), kinds.get("process", 0)) / 4
    return int(max(kinds.get("demand", 0), per_stage, 1))


def sankey_height(view: RunView, region: str | None, periods: list[str]) -> int:
    load = max((_column_load(sankey_links(view, p, region)[0]) for p in periods), default=1)
    return int(min(1500, max(520, 150 + 24 * load)))


def sankey_trace(view: RunView, period: str, region: str | None = None,
                 colours: dict[str, str] | None = None, base: RunView | None = None) -> dict:
    nodes, links = sankey_links(view, period, region, base)
    pad = 14 if _column_load(nodes) <= 12 else 6
    colours = colours or region_colours(view)
    index = {n["id"]: i for i, n in enumerate(nodes)}

    def ncol(n: dict) -> str:
        if n["kind"] == "shortfall":
            return SHORTFALL_COLOUR
        return colours.get(n["region"], NEUTRAL)

    link_colours = []
    for s, k in zip(links["source"], links["kind"], strict=True):
        if k == "unserved":
            link_colours.append(rgba(SHORTFALL_COLOUR, 0.45))
        else:
            link_colours.append(rgba(ncol(nodes[index[s]]), 0.38))
    # the shortfall node sits beside the demand column, at the bottom, instead of far left
    # its height is at most its share of the demand column, which sets the scale at most
    short = float(links.loc[links["kind"] == "unserved", "value"].sum())
    demand = float(links.loc[links["kind"].isin(["served", "unserved"]), "value"].sum())
    frac = short / demand if demand > 0 else 0.0
    xs = [0.88 if n["kind"] == "shortfall" else None for n in nodes]
    ys = [max(0.5, 0.99 - frac / 2) if n["kind"] == "shortfall" else None for n in nodes]
    seen = {n["region"] for n in nodes if n["region"]}
    return {
        "type": "sankey", "name": str(period), "arrangement": "snap", "valueformat": ",.0f",
        "meta": {"regions": [r for r in view.scenario.regions if r in seen]},
        "valuesuffix": " t",
        "node": {"label": [n["label"] for n in nodes], "color": [ncol(n) for n in nodes],
                 "customdata": [n["long"] for n in nodes], "pad": pad, "thickness": 16,
                 "x": xs, "y": ys,
                 "line": {"color": "white", "width": 0.5},
                 "hovertemplate": "%{customdata}<br>%{value:,.0f} t<extra></extra>"},
        "link": {"source": [index[s] for s in links["source"]],
                 "target": [index[t] for t in links["target"]],
                 "value": [float(v) for v in links["value"]],
                 "customdata": [[k, str(r), t] for k, r, t in
                                zip(links["kind"], links["ref"], links["text"], strict=True)],
                 "color": link_colours,
                 "hovertemplate": "%{customdata[2]}<extra></extra>"},
    }


def sankey_title(view: RunView, period: str, region: str | None) -> str:
    where = view.region_label(region) if region else "all regions"
    return f"Material flows in {period}, {where} (t; colours = country)"


def country_legend(view: RunView, regions: list[str] | None = None) -> list[dict]:
    """A row of coloured country names under the title (a Sankey has no legend of its own)."""
    colours = region_colours(view)
    regions = regions if regions is not None else view.regions_used()
    def name(r: str) -> str:
        lab = view.region_label(r)
        return f"{lab} ({r})" if lab != r and len(lab) <= 18 else r

    items = [f"<span style='color:{colours[r]}'>■</span> {name(r)}" for r in regions if r in colours]
    items.append(f"<span style='color:{SHORTFALL_COLOUR}'>■</span> unserved")
    per_line = 8
    chips = "<br>".join("   ".join(items[i:i + per_line]) for i in range(0, len(items), per_line))
    return [{"text": chips, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0,
             "y": 1.0, "xanchor": "left", "yanchor": "bottom", "align": "left",
             "font": {"size": 12, "color": "#333"}}]


def sankey_figure(view: RunView, period: str, region: str | None = None,
                  height: int | None = None, base: RunView | None = None) -> dict:
    """One period's Sankey (the web page redraws it per period and region); with `base`,
    trade links say how they changed."""
    period = str(period)
    height = height or sankey_height(view, region, [period])
    title = sankey_title(view, period, region)
    trace = sankey_trace(view, period, region, base=base)
    if not trace["link"]["value"]:
        return _empty(title, f"Nothing moves in {period}" + (f" in {view.region_label(region)}"
                                                             if region else ""), height)
    regions = trace["meta"]["regions"]
    top = 80 + 16 * (len(regions) // 8)
    return {"data": [trace], "layout": _layout(title, height=height + top - 80,
                                               annotations=country_legend(view, regions),
                                               margin={"l": 10, "r": 10, "t": top, "b": 20})}


def sankey_all_periods(view: RunView, region: str | None = None, period: str | None = None,
                       height: int | None = None, base: RunView | None = None) -> dict:
    """One Sankey trace per period with a slider to choose the period (for the static report)."""
    periods = view.periods
    if not periods:
        return _empty("Material flows", "no periods")
    height = height or sankey_height(view, region, periods) + 70
    shown = str(period) if period is not None and str(period) in periods else periods[0]
    colours = region_colours(view)
    traces, steps = [], []
    for i, p in enumerate(periods):
        tr = sankey_trace(view, p, region, colours, base=base)
        tr["visible"] = p == shown
        traces.append(tr)
        vis = [j == i for j in range(len(periods))]
        steps.append({"label": p, "method": "update",
                      "args": [{"visible": vis}, {"title.text": sankey_title(view, p, region)}]})
    seen = {r for tr in traces for r in tr["meta"]["regions"]}
    regions = [r for r in view.scenario.regions if r in seen]
    top = 80 + 16 * (len(regions) // 8)
    layout = _layout(sankey_title(view, shown, region), height=height + top - 80,
                     margin={"l": 10, "r": 10, "t": top, "b": 90},
                     annotations=country_legend(view, regions),
                     sliders=[{"active": periods.index(shown), "steps": steps,
                               "currentvalue": {"prefix": "Period: ", "font": {"size": 14}},
                               "pad": {"t": 30}, "x": 0.05, "len": 0.9}])
    return {"data": traces, "layout": layout}


# ---------------------------------------------------------------------------------------------
# Time series and bars
# ---------------------------------------------------------------------------------------------
def shortfall_series(view: RunView, region: str | None = None) -> pd.DataFrame:
    """Unserved t by (region, sector, commodity) × period, only groups with any shortfall."""
    un = view.table("unserved")
    if un.empty:
        return pd.DataFrame(columns=["region", "sector", "commodity", "period", "amount"])
    if region:
        un = un[un["region"] == region]
    un = un.assign(period=un["period"].astype(str))
    g = un.groupby(["region", "sector", "commodity", "period"], sort=False)["amount"].sum()
    g = g.reset_index()
    short = g.groupby(["region", "sector", "commodity"], sort=False)["amount"].transform("max")
    return g[short > EPS].reset_index(drop=True)


def shortfall_figure(view: RunView, region: str | None = None, height: int = 380) -> dict:
    where = f" in {view.region_label(region)}" if region else ""
    title = f"Unserved demand by sector{where} (t per period)"
    s = shortfall_series(view, region)
    if s.empty:
        return _empty(title, "All demand is served in every period.", height)
    periods = view.periods
    traces = []
    for (r, sec, c), g in s.groupby(["region", "sector", "commodity"], sort=False):
        y = g.set_index("period")["amount"].reindex(periods).fillna(0.0)
        traces.append({
            "type": "bar", "x": periods, "y": [float(v) for v in y],
            "name": f"{view.region_label(r)} · {sec} ({view.commodity_label(c)})",
            "meta": {"region": r, "sector": sec, "commodity": c},
            "hovertemplate": "%{x}: %{y:,.0f} t unserved<extra>%{fullData.name}</extra>"})
    return {"data": traces, "layout": _layout(
        title, height=height, barmode="stack",
        xaxis={"type": "category"},
        yaxis={"title": {"text": "unserved (t)"}, "rangemode": "tozero", "gridcolor": "#eee"},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top"})}


def price_figure(view: RunView, region: str | None = None, top: int = 10,
                 height: int = 380) -> dict:
    cur = view.currency
    where = f" in {view.region_label(region)}" if region else ""
    title = f"Scarcity prices{where} ({cur}/t: value of one more tonne)"
    pr = view.table("prices")
    if pr.empty:
        return _empty(title, "No prices in this run.", height)
    if region:
        pr = pr[pr["region"] == region]
    pr = pr.assign(period=pr["period"].astype(str))
    peak = pr.groupby(["region", "commodity"], sort=False)["price"].agg(lambda v: v.abs().max())
    peak = peak[peak > EPS].sort_values(ascending=False).head(top)
    if peak.empty:
        return _empty(title, "Every price is zero: nothing is scarce.", height)
    shown = pr.set_index(["region", "commodity"]).loc[list(peak.index), "price"]
    positive = shown[shown > EPS]
    log = bool((shown >= -EPS).all() and len(positive) and positive.max() / positive.min() > 1e3)
    colours = region_colours(view)
    dashes = ["solid", "dot", "dash", "longdash", "dashdot"]
    per_region: dict[str, int] = defaultdict(int)
    traces = []
    for (r, c) in peak.index:
        g = pr[(pr["region"] == r) & (pr["commodity"] == c)].set_index("period")["price"]
        y = g.reindex(view.periods)
        traces.append({
            "type": "scatter", "mode": "lines+markers", "x": view.periods,
            "y": [None if pd.isna(v) else float(v) for v in y],
            "name": f"{r} {short(view.commodity_label(c), c)}",
            "meta": {"region": r, "commodity": c},
            "line": {"color": colours.get(r, NEUTRAL), "dash": dashes[per_region[r] % len(dashes)]},
            "hovertemplate": "%{x}: %{y:,.0f} " + cur + "/t<extra>%{fullData.name}</extra>"})
        per_region[r] += 1
    return {"data": traces, "layout": _layout(
        title, height=height, xaxis={"type": "category"},
        yaxis={"title": {"text": f"{cur}/t" + (" (log scale)" if log else "")},
               "gridcolor": "#eee", "type": "log" if log else "linear"},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top"})}


def supplier_shares(view: RunView, period: str | None = None,
                    region: str | None = None) -> pd.DataFrame:
    """Who supplies each region's commodities: own production and imports by origin.

    Columns: region, commodity, supplier, amount (t), share (0–1 of the region's supply).
    """
    parts = []
    act = view.table("activity")
    if not act.empty:
        a = act if period is None else act[act["period"].astype(str) == str(period)]
        a = _nonzero(a)
        rows = []
        for (r, p), x in a.groupby(["region", "process"], sort=False)["amount"].sum().items():
            proc = view.scenario.processes.get(p)
            for c, k in (proc.outputs.items() if proc else []):
                rows.append((r, c, r, k * x))
        parts.append(pd.DataFrame(rows, columns=["region", "commodity", "supplier", "amount"]))
    fl = view.table("flows")
    if not fl.empty:
        f = fl if period is None else fl[fl["period"].astype(str) == str(period)]
        f = _nonzero(f)
        parts.append(pd.DataFrame({"region": f["destination"], "commodity": f["commodity"],
                                   "supplier": f["origin"], "amount": f["amount"]}))
    for tname in ("tolled", "tolling"):
        tl = view.table(tname)
        if tl.empty or not {"owner", "partner", "amount", "policy"} <= set(tl.columns):
            continue
        pols = _policies_by_label(view)
        t = tl if period is None else tl[tl["period"].astype(str) == str(period)]
        t = _nonzero(t)
        out_c = (list(t["output"]) if "output" in t else
                 [getattr(pols.get(p), "output", None) for p in t["policy"]])
        parts.append(pd.DataFrame({"region": t["owner"], "commodity": out_c,
                                   "supplier": t["partner"], "amount": t["amount"]}).dropna())
    if not parts:
        return pd.DataFrame(columns=["region", "commodity", "supplier", "amount", "share"])
    df = pd.concat(parts, ignore_index=True)
    if region:
        df = df[df["region"] == region]
    df = df.groupby(["region", "commodity", "supplier"], sort=False)["amount"].sum().reset_index()
    df = df[df["amount"] > EPS]
    df["share"] = df["amount"] / df.groupby(["region", "commodity"])["amount"].transform("sum")
    return df.reset_index(drop=True)


def share_figure(view: RunView, period: str | None = None, region: str | None = None,
                 top: int = 14) -> dict:
    when = f"in {period}" if period else "over the horizon"
    who = view.region_label(region) if region else "each region"
    title = f"Who supplies {who} {when} (% of supply, own production included)"
    df = supplier_shares(view, period, region)
    if df.empty:
        return _empty(title, "Nothing is produced or traded.", 320)
    # keep pairs that import something, biggest first; then pure domestic ones
    tot = df.groupby(["region", "commodity"])["amount"].sum()
    imports = df[df["supplier"] != df["region"]].groupby(["region", "commodity"])["amount"].sum()
    order = sorted(tot.index, key=lambda k: (float(imports.get(k, 0.0)) <= EPS, -float(tot[k])))[:top]
    ylab = {k: f"{k[0]} {short(view.commodity_label(k[1]), k[1])}" for k in order}
    colours = region_colours(view)
    traces = []
    for sup in [s for s in view.scenario.regions if s in set(df["supplier"])]:
        g = df[df["supplier"] == sup].set_index(["region", "commodity"])
        xs, ys, ts = [], [], []
        for k in order:
            if k in g.index:
                xs.append(round(float(g.loc[k, "share"]) * 100, 2))
                ys.append(ylab[k])
                ts.append(fmt_t(float(g.loc[k, "amount"])))
        if xs:
            traces.append({"type": "bar", "orientation": "h", "x": xs, "y": ys, "customdata": ts,
                           "name": sup if len(view.region_label(sup)) > 14 else
                           view.region_label(sup), "marker": {"color": colours.get(sup)},
                           "hovertemplate": "%{y}: %{x:.1f} % (%{customdata}) from "
                                            + view.region_label(sup) + "<extra></extra>"})
    height = max(260, 60 + 34 * len(order))
    return {"data": traces, "layout": _layout(
        title, height=height, barmode="stack",
        xaxis={"range": [0, 100], "ticksuffix": " %", "gridcolor": "#eee"},
        yaxis={"autorange": "reversed", "automargin": True},
        legend={"orientation": "h", "y": -0.15, "title": {"text": "supplier: "}},
        margin={"l": 10, "r": 20, "t": 60, "b": 60})}


# ---------------------------------------------------------------------------------------------
# Comparison with a base run
# ---------------------------------------------------------------------------------------------
def compare(view: RunView, base: RunView, top: int = 15) -> dict:
    """Differences scenario − base: headline numbers, unserved by demand and period, and the
    trade flows that changed most over the horizon (the replacement routes)."""
    def unserved(v: RunView) -> pd.DataFrame:
        un = v.table("unserved")
        if un.empty:
            return pd.DataFrame(columns=["region", "sector", "commodity", "period", "amount"])
        un = un.assign(period=un["period"].astype(str))
        return un.groupby(["region", "sector", "commodity", "period"])["amount"].sum()

    a, b = unserved(view), unserved(base)
    un = pd.concat({"scenario": a, "base": b}, axis=1).fillna(0.0)
    un["change"] = un["scenario"] - un["base"]
    un = un[un["change"].abs() > EPS].reset_index()

    def flows(v: RunView) -> pd.Series:
        fl = v.table("flows")
        if fl.empty:
            return pd.Series(dtype=float)
        return fl.groupby(["origin", "destination", "commodity"])["amount"].sum()

    fl = pd.concat({"scenario": flows(view), "base": flows(base)}, axis=1).fillna(0.0)
    if len(fl):
        fl["change"] = fl["scenario"] - fl["base"]
        fl = fl[fl["change"].abs() > EPS]
        fl = fl.reindex(fl["change"].abs().sort_values(ascending=False).index).head(top)
    fl = fl.reset_index()

    def production(v: RunView) -> pd.Series:
        act = v.table("activity")
        if act.empty:
            return pd.Series(dtype=float)
        return act.groupby(["region", "process"])["amount"].sum()

    pr = pd.concat({"scenario": production(view), "base": production(base)}, axis=1).fillna(0.0)
    if len(pr):
        pr["change"] = pr["scenario"] - pr["base"]
        pr = pr[pr["change"].abs() > EPS]
        pr = pr.reindex(pr["change"].abs().sort_values(ascending=False).index).head(top)
    pr = pr.reset_index()
    return {
        "scenario": view.name, "base": base.name,
        "objective": view.objective(), "objective_base": base.objective(),
        "unserved": view.total_unserved(), "unserved_base": base.total_unserved(),
        "unserved_changes": un, "flow_changes": fl, "production_changes": pr,
    }


def change_figure(view: RunView, base: RunView, region: str | None = None,
                  height: int = 360) -> dict:
    """Change in unserved demand (scenario − base) by sector and period."""
    title = f"Change in unserved demand vs {base.name} (t)"
    a = shortfall_series(view, region).set_index(["region", "sector", "commodity", "period"])
    b = shortfall_series(base, region).set_index(["region", "sector", "commodity", "period"])
    d = a["amount"].sub(b["amount"], fill_value=0.0)
    d = d[d.groupby(level=[0, 1, 2]).transform(lambda v: v.abs().max()) > EPS]
    if d.empty:
        return _empty(title, f"Unserved demand is the same as in {base.name}.", height)
    periods = view.periods
    traces = []
    for (r, sec, c), g in d.groupby(level=[0, 1, 2], sort=False):
        y = g.droplevel([0, 1, 2]).reindex(periods).fillna(0.0)
        traces.append({"type": "bar", "x": periods, "y": [float(v) for v in y],
                       "name": f"{view.region_label(r)} · {sec} ({view.commodity_label(c)})",
                       "meta": {"region": r, "sector": sec, "commodity": c},
                       "hovertemplate": "%{x}: %{y:+,.0f} t<extra>%{fullData.name}</extra>"})
    return {"data": traces, "layout": _layout(
        title, height=height, barmode="relative",
        xaxis={"type": "category"},
        yaxis={"title": {"text": "Δ unserved (t)"}, "zeroline": True, "zerolinecolor": "#888",
               "gridcolor": "#eee"},
        legend={"orientation": "h", "y": -0.12, "yanchor": "top"})}


# ---------------------------------------------------------------------------------------------
# Words
# ---------------------------------------------------------------------------------------------
def _spans(periods: list[str], hit: list[str]) -> str:
    """'2025–2026, 2028' from the periods in `hit` (contiguous runs joined by an en dash)."""
    idx = sorted(periods.index(p) for p in hit if p in periods)
    out, start, prev = [], None, None
    for i in idx:
        if start is None:
            start = prev = i
        elif i == prev + 1:
            prev = i
        else:
            out.append((start, prev))
            start = prev = i
    if start is not None:
        out.append((start, prev))
    return ", ".join(periods[s] if s == e else f"{periods[s]}–{periods[e]}" for s, e in out)


def shortfall_sentences(view: RunView, limit: int = 12) -> list[str]:
    """Plain statements of who runs short of what, when and by how much."""
    s = shortfall_series(view)
    if s.empty:
        return ["All demand is served in every period."]
    un = view.table("unserved").assign(period=lambda d: d["period"].astype(str))
    out = []
    groups = sorted(s.groupby(["region", "sector", "commodity"], sort=False),
                    key=lambda kv: -kv[1]["amount"].sum())
    for (r, sec, c), g in groups[:limit]:
        hit = g[g["amount"] > EPS]
        total = float(hit["amount"].sum())
        req = un[(un["region"] == r) & (un["sector"] == sec) & (un["commodity"] == c)
                 & un["period"].isin(hit["period"])]["requested"].sum()
        share = f" ({100 * total / req:.0f} % of what was asked)" if req > EPS else ""
        peak = hit.loc[hit["amount"].idxmax()]
        out.append(f"{view.region_label(r)}'s {sec} demand for {view.commodity_label(c)} is short "
                   f"in {_spans(view.periods, list(hit['period']))}: {fmt_t(total)} in total"
                   f"{share}, worst in {peak['period']} ({fmt_t(float(peak['amount']))}).")
    if len(groups) > limit:
        out.append(f"… and {len(groups) - limit} more demands run short.")
    return out


def default_region(view: RunView, base: RunView | None = None) -> str | None:
    """The region worth showing first: the biggest change in unserved demand against the
    base, else the biggest shortfall, else the biggest demand."""
    a = shortfall_series(view).groupby("region")["amount"].sum()
    if base is not None:
        b = shortfall_series(base).groupby("region")["amount"].sum()
        d = a.sub(b, fill_value=0.0).abs()
        if len(d) and d.max() > EPS:
            return str(d.idxmax())
        fa, fb = view.table("flows"), base.table("flows")
        if not fa.empty and not fb.empty:  # no shortfall changes: where the biggest reroute lands
            keys = ["destination", "origin", "commodity"]
            moved = fa.groupby(keys)["amount"].sum().sub(fb.groupby(keys)["amount"].sum(),
                                                         fill_value=0.0).abs()
            if len(moved) and moved.max() > EPS:
                return str(moved.idxmax()[0])
    if len(a) and a.max() > EPS:
        return str(a.idxmax())
    un = view.table("unserved")
    if not un.empty and "requested" in un:
        req = un.groupby("region")["requested"].sum()
        if len(req) and req.max() > EPS:
            return str(req.idxmax())
    return None


def default_period(view: RunView, base: RunView | None = None) -> str | None:
    """The period worth showing first: the biggest change against the base, else the biggest
    shortfall, else the first period."""
    periods = view.periods
    if not periods:
        return None
    a = shortfall_series(view).groupby("period")["amount"].sum()
    if base is not None:
        b = shortfall_series(base).groupby("period")["amount"].sum()
        d = a.sub(b, fill_value=0.0).abs()
        if len(d) and d.max() > EPS:
            return str(d.idxmax())
        fa, fb = view.table("flows"), base.table("flows")
        if not fa.empty and not fb.empty:
            keys = ["period", "origin", "destination", "commodity"]
            ga = fa.assign(period=fa["period"].astype(str)).groupby(keys)["amount"].sum()
            gb = fb.assign(period=fb["period"].astype(str)).groupby(keys)["amount"].sum()
            moved = ga.sub(gb, fill_value=0.0).abs().groupby(level=0).sum()
            moved = moved[moved.index.isin(periods)]
            if len(moved) and moved.max() > EPS:
                return str(moved.idxmax())
    if len(a) and a.max() > EPS:
        return str(a.idxmax())
    return periods[0]
