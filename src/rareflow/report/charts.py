"""Figures as plain Plotly JSON (dicts), built from a `Results` (live or read back from the
store): the report and the web page draw exactly the same data.

- `sankey_figure`: the chain in one period (mine → oxide → metal → magnet → sector), nodes and
  links coloured by country; every link carries `customdata = [kind, ref, text]` so that its
  meaning can be checked (a `trade` link's ref is the route id and its value the route's flow).
- `shortfall_figure`, `price_figure`, `share_figure`, `change_figure`: time series and bars.
- `compare`: the headline numbers and tables of a comparison, from analyze's (aligned) one.

Sentences and the choice of what to show first (`shortfall_sentences`, `default_region`,
`default_period`) are analyze's (analyze/shortfalls.py); they are importable from here too,
since the report and the web page ask for them beside the figures.
"""

from __future__ import annotations

from collections import defaultdict

import pandas as pd

from rareflow.analyze.compare import compare as _compare
from rareflow.analyze.shortfalls import (  # noqa: F401  (re-exported: see the module doc)
    default_period,
    default_region,
    shortfall_sentences,
    shortfall_series,
)
from rareflow.analyze.words import tonnes
from rareflow.results.result import Results
from rareflow.tolerances import SHOWN_T as EPS

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


def region_colours(view: Results) -> dict[str, str]:
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
    return tonnes(v, small=2)


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


def sankey_links(view: Results, period: str, region: str | None = None,
                 base: Results | None = None) -> tuple[list[dict], pd.DataFrame]:
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

    tl = _nonzero(view.table("tolling"))
    tl = tl[tl["period"].astype(str) == period]
    for t in tl.itertuples(index=False):
        c_in, c_out, used = t.input, t.output, float(t.input_amount)
        tn = node(f"toll:{t.partner}:{t.policy}", f"{t.partner} tolling for {t.owner}",
                  t.partner, "tolling")
        if used > EPS:
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


def sankey_height(view: Results, region: str | None, periods: list[str]) -> int:
    load = max((_column_load(sankey_links(view, p, region)[0]) for p in periods), default=1)
    return int(min(1500, max(520, 150 + 24 * load)))


def sankey_trace(view: Results, period: str, region: str | None = None,
                 colours: dict[str, str] | None = None, base: Results | None = None) -> dict:
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


def sankey_title(view: Results, period: str, region: str | None) -> str:
    where = view.region_label(region) if region else "all regions"
    return f"Material flows in {period}, {where} (t; colours = country)"


def country_legend(view: Results, regions: list[str] | None = None) -> list[dict]:
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


def sankey_figure(view: Results, period: str, region: str | None = None,
                  height: int | None = None, base: Results | None = None) -> dict:
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


def sankey_all_periods(view: Results, region: str | None = None, period: str | None = None,
                       height: int | None = None, base: Results | None = None) -> dict:
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
def shortfall_figure(view: Results, region: str | None = None, height: int = 380) -> dict:
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


def price_figure(view: Results, region: str | None = None, top: int = 10,
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


def supplier_shares(view: Results, period: str | None = None,
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
    tl = view.table("tolling")
    t = _nonzero(tl if period is None else tl[tl["period"].astype(str) == str(period)])
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


def share_figure(view: Results, period: str | None = None, region: str | None = None,
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
def compare(view: Results, base: Results, top: int = 15) -> dict:
    """Differences scenario − base for the report and the web page: headline numbers,
    unserved by demand and period, and the trade flows and plant activity that changed most
    over the horizon (the replacement routes). From `analyze.compare`, so a live scenario is
    first moved to its optimum closest to the base (stored runs are compared as stored)."""
    c = _compare(base, view)
    un = c.unserved[["region", "sector", "commodity", "period", "scenario", "base", "change"]]

    def biggest(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        g = df.groupby(keys, sort=False)[["scenario", "base", "change"]].sum()
        g = g[g["change"].abs() > EPS]
        return g.reindex(g["change"].abs().sort_values(ascending=False).index).head(top) \
            .reset_index()

    fl = biggest(c.flows_all, ["origin", "destination", "commodity"])
    pr = biggest(c.production, ["region", "process"])
    return {
        "scenario": view.name, "base": base.name,
        "objective": view.objective, "objective_base": base.objective,
        "unserved": view.total_unserved(), "unserved_base": base.total_unserved(),
        "unserved_changes": un, "flow_changes": fl, "production_changes": pr,
    }


def change_figure(view: Results, base: Results, region: str | None = None,
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
