"""The chain diagram: one period's material flows, left to right by stage.

Columns are fixed by the scenario's commodity chain (plot/stages.py): mine → concentrate →
oxide → metal → magnet → sector, processes between the commodities they convert. Every band
runs rightwards, or within its column for trade (an exporter's node stands a little left of the
importer's in the same stage: China's magnets → Japan's magnets). What would run backwards is
drawn otherwise: a magnet plant's swarf returned as oxide enters the oxide node from a small
"recycled in the plant" node beside it. Co-products nobody takes (separation's "other REO") are
not drawn as bands — they would be the fattest band and say nothing — and a note under the
figure gives their tonnes. Every node is named "Country · thing", never by id.

Nodes are placed by this module (`arrangement: fixed`): in each column they are stacked by
their flow, each given at least a line of text, so labels do not overlap.
"""

from __future__ import annotations

import math
from collections import defaultdict

import pandas as pd

from rareflow.analyze.words import tonnes
from rareflow.plot import palette
from rareflow.plot.common import EPS, FONT, empty, fmt_t, layout
from rareflow.plot.labels import Names
from rareflow.plot.stages import layout as stage_layout

TRADE_SHIFT = 0.3   # exporters stand this much left of their column, importers this much right
LINE_PX = 15        # the least height a node's slot gets: one line of label text
GAP_PX = 4          # between slots
PROCESS_LABEL_PX = 60  # a process node shorter than this shows its name on hover only
SAFETY = 0.97       # aim a little under our model of Plotly's node scale


def sankey_links(view, period: str, region: str | None = None,
                 base=None) -> tuple[list[dict], pd.DataFrame]:
    """Nodes and links of the chain in one period.

    Nodes (dicts with id, label, long, region, kind, x): `proc:R:P` (a process in region R),
    `com:R:C` (commodity C in R), `dem:R:S` (sector S of R), `stock:ID`, `short` (unserved
    demand), `back:R:P:C` (by-product returned in the plant), `toll:R:ID`. `x` is the column
    (plot/stages.py), before trade shifts.
    Links (kind): input, output, recycled, trade, served, unserved, stock_draw, stock_build,
    toll. With `region`, only links touching that region are kept. Discards are not links: see
    `discards`.
    """
    period = str(period)
    scn = view.scenario
    names = Names(scn)
    lay = stage_layout(scn)
    rows: list[tuple[str, str, float, str, str, str]] = []  # source, target, value, kind, ref, text
    nodes: dict[str, dict] = {}

    def node(nid: str, label: str, reg: str | None, kind: str, x: float,
             long: str | None = None) -> str:
        if nid not in nodes:
            nodes[nid] = {"id": nid, "label": label, "long": long or label, "region": reg,
                          "kind": kind, "x": x}
        return nid

    def com(r: str, c: str) -> str:
        return node(f"com:{r}:{c}", names.at(r, names.c(c)), r, "commodity", lay.commodity_x(c),
                    f"{names.r(r)} · {view.commodity_label(c)}")

    dropped = discards(view, period)
    act = view.table("activity")
    if not act.empty:
        act = _nonzero(act[act["period"].astype(str) == period])
        made = defaultdict(float)
        for (r, p), x in act.groupby(["region", "process"], sort=False)["amount"].sum().items():
            proc = scn.processes.get(p)
            for c, a in (proc.outputs.items() if proc else []):
                made[(r, c)] += a * x
        for (r, p), x in act.groupby(["region", "process"], sort=False)["amount"].sum().items():
            proc = scn.processes.get(p)
            if proc is None:
                continue
            px = lay.process_x(p)
            pn = node(f"proc:{r}:{p}", names.at(r, names.p(p)), r, "process", px,
                      f"{names.r(r)} · {view.process_label(p)}")
            nodes[pn]["mine"] = not proc.inputs
            for c, a in proc.inputs.items():
                rows.append((com(r, c), pn, a * x, "input", p,
                             f"{names.r(r)}: {names.p(p)} uses {fmt_t(a * x)} of {names.c(c)}"))
            for c, a in proc.outputs.items():
                v = a * x
                gone = dropped.get((r, c), 0.0)
                if gone > EPS and made[(r, c)] > EPS:  # the discarded part is not drawn
                    v *= max(0.0, 1.0 - gone / made[(r, c)])
                if v <= EPS:
                    continue
                text = f"{names.r(r)}: {names.p(p)} makes {fmt_t(v)} of {names.c(c)}"
                if lay.commodity_x(c) <= px:  # would run backwards: enters from beside its node
                    bn = node(f"back:{r}:{p}:{c}", names.at(r, f"{names.c(c)} (returned)"),
                              r, "recycled", lay.commodity_x(c) - 0.5,
                              f"{names.r(r)} · {names.c(c)} returned by {view.process_label(p)}")
                    rows.append((bn, com(r, c), v, "recycled", p, text + " (returned to use)"))
                else:
                    rows.append((pn, com(r, c), v, "output", p, text))

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
                    vs = f" (new against {base.name})"
                elif abs(f.amount - was) > EPS:
                    vs = f" ({f.amount - was:+,.0f} t against {base.name})"
            rows.append((com(f.origin, f.commodity), com(f.destination, f.commodity), f.amount,
                         "trade", f.route,
                         f"{names.r(f.origin)} → {names.r(f.destination)}: "
                         f"{fmt_t(f.amount)} of {names.c(f.commodity)}{vs}"))

    tl = _nonzero(view.table("tolling"))
    tl = tl[tl["period"].astype(str) == period]
    for t in tl.itertuples(index=False):
        c_in, c_out, used = t.input, t.output, float(t.input_amount)
        tx = (lay.commodity_x(c_in) + lay.commodity_x(c_out)) / 2
        tn = node(f"toll:{t.partner}:{t.policy}", names.at(t.partner, f"tolling for {names.r(t.owner)}"),
                  t.partner, "tolling", tx)
        if used > EPS:
            rows.append((com(t.owner, c_in), tn, used, "toll", t.policy,
                         f"{names.r(t.owner)} sends {fmt_t(used)} of {names.c(c_in)} to "
                         f"{names.r(t.partner)} for tolling"))
        rows.append((tn, com(t.owner, c_out), t.amount, "toll", t.policy,
                     f"{names.r(t.partner)} returns {fmt_t(t.amount)} of {names.c(c_out)} to "
                     f"{names.r(t.owner)}"))

    un = view.table("unserved")
    if not un.empty:
        un = un[un["period"].astype(str) == period]
        short_by = un.groupby(["region", "sector"])["amount"].sum()
        for d in un.itertuples(index=False):
            served = float(d.requested) - float(d.amount)
            if served <= EPS and d.amount <= EPS:
                continue
            gap = float(short_by.get((d.region, d.sector), 0.0))
            dn = node(f"dem:{d.region}:{d.sector}", names.at(d.region, names.s(d.sector)),
                      d.region, "demand", lay.sector_x,
                      f"{names.r(d.region)} · {names.s(d.sector)} demand"
                      + (f", {fmt_t(gap)} of it unserved" if gap > EPS else ""))
            if served > EPS:
                rows.append((com(d.region, d.commodity), dn, served, "served", d.demand,
                             f"{names.r(d.region)} {names.s(d.sector)}: {fmt_t(served)} of "
                             f"{names.c(d.commodity)} served"))
            if d.amount > EPS:
                sn = node("short", "unserved demand", None, "shortfall", lay.sector_x - 0.7,
                          "unserved demand (asked for, not delivered)")
                rows.append((sn, dn, float(d.amount), "unserved", d.demand,
                             f"{names.r(d.region)} {names.s(d.sector)}: {fmt_t(d.amount)} of "
                             f"{names.c(d.commodity)} NOT served"))

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
                was = float(initial.get(sid, 0.0))
            else:
                pv = g[g["period"].astype(str) == prev_p]
                was = float(pv["level"].iloc[0]) if len(pv) else 0.0
            r, c = cur["region"].iloc[0], cur["commodity"].iloc[0]
            cx = lay.commodity_x(c)
            label = names.at(r, f"{names.c(c)} stock")
            if was - level > EPS:
                sn = node(f"stock:{sid}", label, r, "stock", cx - 0.5)
                rows.append((sn, com(r, c), was - level, "stock_draw", sid,
                             f"{names.r(r)} draws {fmt_t(was - level)} of {names.c(c)} from stock"))
            elif level - was > EPS:
                sn = node(f"stock:{sid}", label, r, "stock", cx + 0.5)
                rows.append((com(r, c), sn, level - was, "stock_build", sid,
                             f"{names.r(r)} adds {fmt_t(level - was)} of {names.c(c)} to stock"))

    links = pd.DataFrame(rows, columns=["source", "target", "value", "kind", "ref", "text"])
    if region:
        reg_of = {k: v["region"] for k, v in nodes.items()}
        keep = [reg_of.get(s) == region or reg_of.get(t) == region
                for s, t in zip(links["source"], links["target"], strict=True)]
        links = links[keep].reset_index(drop=True)
    used = set(links["source"]) | set(links["target"])
    out = [n for k, n in nodes.items() if k in used]
    _shift_traders(out, links)
    return out, links


def _nonzero(df: pd.DataFrame, col: str = "amount") -> pd.DataFrame:
    if df.empty or col not in df:
        return df.iloc[0:0] if not df.empty else df
    return df[df[col].abs() > EPS]


def discards(view, period: str, region: str | None = None) -> dict[tuple[str, str], float]:
    """(region, commodity) → t discarded in `period` (co-products nobody takes)."""
    sp = view.table("surplus")
    if sp.empty or "period" not in sp:
        return {}
    sp = _nonzero(sp[sp["period"].astype(str) == str(period)])
    if region:
        sp = sp[sp["region"] == region]
    return {(r, c): float(v) for (r, c), v in
            sp.groupby(["region", "commodity"], sort=False)["amount"].sum().items()}


def _shift_traders(nodes: list[dict], links: pd.DataFrame) -> None:
    """Within a stage, exporters stand left of importers, so a trade band runs rightwards."""
    tr = links[links["kind"] == "trade"]
    out, into = set(tr["source"]), set(tr["target"])
    for n in nodes:
        if n["id"] in out and n["id"] not in into:
            n["x"] -= TRADE_SHIFT
        elif n["id"] in into and n["id"] not in out:
            n["x"] += TRADE_SHIFT


# ---- placing the nodes -------------------------------------------------------------------
def _values(nodes: list[dict], links: pd.DataFrame) -> dict[str, float]:
    inn = links.groupby("target")["value"].sum()
    out = links.groupby("source")["value"].sum()
    return {n["id"]: max(float(inn.get(n["id"], 0.0)), float(out.get(n["id"], 0.0)))
            for n in nodes}


def _order_key(n: dict, regions: list[str], focus: str | None) -> tuple:
    kind_rank = {"shortfall": 9}.get(n["kind"], 0)
    reg = n["region"]
    r_rank = (-1 if reg == focus else regions.index(reg)) if reg in regions else len(regions)
    return (kind_rank, r_rank, n["id"])


def plotly_columns(nodes: list[dict], links: pd.DataFrame) -> list[list[str]]:
    """The columns Plotly's d3-sankey puts the nodes in before our x/y replace its positions:
    depth = longest path from a source, nodes without outgoing links in the last column
    ("justify"). Its scale (px per tonne) is computed over these columns, so we need them."""
    succ: dict[str, set[str]] = defaultdict(set)
    for s, t in zip(links["source"], links["target"], strict=True):
        succ[s].add(t)
    depth = {n["id"]: 0 for n in nodes}
    frontier, d = [n["id"] for n in nodes], 0
    while frontier and d <= len(nodes):
        nxt = set()
        for u in frontier:
            depth[u] = d
            nxt |= succ[u]
        frontier, d = list(nxt), d + 1
    last = max(depth.values(), default=0)
    cols: dict[int, list[str]] = defaultdict(list)
    for n in nodes:
        cols[depth[n["id"]] if succ[n["id"]] else last].append(n["id"])
    return list(cols.values())


def plotly_scale(columns: list[list[str]], vals: dict[str, float], height_px: float,
                 pad: float) -> float:
    """d3-sankey's px per tonne for node padding `pad` (it caps the padding at 2/3 of the
    height shared among the gaps of its fullest column)."""
    most = max((len(c) for c in columns), default=1)
    py = min(pad, 2 / 3 * height_px / (most - 1)) if most > 1 else pad
    kys = [(height_px - (len(c) - 1) * py) / tot for c in columns
           if (tot := sum(vals[i] for i in c)) > 0]
    return max(0.0, min(kys)) if kys else 1.0


def place(nodes: list[dict], links: pd.DataFrame, regions: list[str], focus: str | None,
          height_px: float, bounds: tuple[float, float] | None = None
          ) -> tuple[dict[str, float], dict[str, float], float, float, float]:
    """(x in 0–1, y centre in 0–1, px per tonne, node pad, px needed) for each node: columns
    from the stage layout, each column's nodes stacked by flow, every slot at least one line of
    text high. Plotly sizes the nodes by its own columns; the pad we give it is chosen so that
    its scale is no larger than ours, so nodes never outgrow their slots. When Plotly cannot be
    brought that low, "px needed" says how tall the plot must be for the slots to fit."""
    vals = _values(nodes, links)
    xs = [n["x"] for n in nodes]
    lo, hi = bounds or (min(xs), max(xs))  # the columns shown (the same for every period)
    span = (hi - lo) or 1.0
    x = {n["id"]: 0.005 + 0.99 * (n["x"] - lo) / span for n in nodes}
    cols: dict[int, list[dict]] = defaultdict(list)
    last = max(math.floor(n["x"] + 0.5) for n in nodes)
    for n in nodes:  # unserved demand stacks under the sectors it feeds
        cols[last if n["kind"] == "shortfall" else math.floor(n["x"] + 0.5)].append(n)
    # px per tonne: the fullest column fills the height with its minimum slots and gaps
    target = math.inf
    for col in cols.values():
        tot = sum(vals[n["id"]] for n in col)
        if tot > 0:
            target = min(target, max(1e-9, height_px - len(col) * (LINE_PX + GAP_PX)) / tot)
    target = 1.0 if not math.isfinite(target) else target
    pcols = plotly_columns(nodes, links)
    pad, hi_pad = float(GAP_PX), height_px
    aim = SAFETY * target
    if plotly_scale(pcols, vals, height_px, pad) > aim:
        lo_pad = pad
        for _ in range(60):  # the smallest pad that brings Plotly's scale down to ours
            mid = (lo_pad + hi_pad) / 2
            if plotly_scale(pcols, vals, height_px, mid) > aim:
                lo_pad = mid
            else:
                hi_pad = mid
        pad = hi_pad
    ky = plotly_scale(pcols, vals, height_px, pad) / SAFETY  # at most what Plotly will draw
    y: dict[str, float] = {}
    need = 0.0
    for col in cols.values():
        col.sort(key=lambda n: _order_key(n, regions, focus))
        slots = [max(vals[n["id"]] * ky, LINE_PX) + GAP_PX for n in col]
        total = sum(slots)
        need = max(need, total)
        top = 0.0
        scale = min(1.0, height_px / total) if total else 1.0
        for n, s in zip(col, slots, strict=True):
            y[n["id"]] = min(0.999, max(0.001, (top + s * scale / 2) / height_px))
            top += s * scale
    return x, y, ky, pad, need


def sankey_trace(view, period: str, region: str | None = None, base=None,
                 height_px: float = 600, bounds: tuple[float, float] | None = None
                 ) -> tuple[dict, list[dict], pd.DataFrame]:
    """The Sankey trace of one period; `meta.plot_px` is the plot height it was laid out for
    (at least `height_px`, more if its nodes need it)."""
    nodes, links = sankey_links(view, period, region, base)
    scn = view.scenario
    colours = palette.region_colours(scn)
    regions = list(scn.regions)
    for _ in range(6):
        x, y, ky, pad, need = place(nodes, links, regions, region, height_px, bounds) if nodes else \
            ({}, {}, 1.0, GAP_PX, 0.0)
        if need <= height_px + 0.5:
            break
        height_px = math.ceil(need * 1.03)

    def ncol(n: dict) -> str:
        if n["kind"] == "shortfall":
            return palette.SHORTFALL
        return colours.get(n["region"], palette.NEUTRAL)

    by_id = {n["id"]: n for n in nodes}
    index = {n["id"]: i for i, n in enumerate(nodes)}
    home = Names(scn).at(region, "") if region else ""
    vals = _values(nodes, links) if nodes else {}

    def label(n: dict) -> str:
        """Processes between the named columns are labelled only when their node is tall
        enough to hold the words clear of the next column's labels, mines never; hover names
        every node."""
        if n["kind"] in ("process", "recycled") and vals[n["id"]] * ky < PROCESS_LABEL_PX:
            return ""
        if n.get("mine"):  # a mine's output node beside it says what it digs
            return ""
        if region and n["region"] == region and n["label"].startswith(home):
            # a one-country view: its own nodes are named without the country (the title
            # and the colour say it), which keeps labels clear of the next column's nodes
            return n["label"][len(home):]
        return n["label"]

    link_colours = [palette.rgba(palette.SHORTFALL, 0.45) if k == "unserved"
                    else palette.rgba(ncol(by_id[s]), 0.38)
                    for s, k in zip(links["source"], links["kind"], strict=True)]
    seen = {n["region"] for n in nodes if n["region"]}
    trace = {
        "type": "sankey", "name": str(period), "arrangement": "fixed", "valueformat": ",.0f",
        "valuesuffix": " t",
        "meta": {"regions": [r for r in regions if r in seen], "t_per_px": 1.0 / ky if ky else 0,
                 "plot_px": height_px, "columns": [n["x"] for n in nodes]},
        "node": {"label": [label(n) for n in nodes], "color": [ncol(n) for n in nodes],
                 "customdata": [n["long"] for n in nodes], "pad": pad, "thickness": 14,
                 "x": [x[n["id"]] for n in nodes], "y": [y[n["id"]] for n in nodes],
                 "line": {"color": "white", "width": 0.5},
                 "hovertemplate": "%{customdata}<br>%{value:,.0f} t<extra></extra>"},
        "textfont": {"size": 11},
        "link": {"source": [index[s] for s in links["source"]],
                 "target": [index[t] for t in links["target"]],
                 "value": [float(v) for v in links["value"]],
                 "customdata": [[k, str(r), t] for k, r, t in
                                zip(links["kind"], links["ref"], links["text"], strict=True)],
                 "color": link_colours,
                 "hovertemplate": "%{customdata[2]}<extra></extra>"},
    }
    return trace, nodes, links


def sankey_height(view, region: str | None, periods: list[str]) -> int:
    """Plot height (px) that gives every node of the busiest column a line of text."""
    most = 1
    for p in periods:
        nodes, _ = sankey_links(view, p, region)
        cols: dict[int, int] = defaultdict(int)
        for n in nodes:
            cols[math.floor(n["x"] + 0.5)] += 1
        most = max([most, *cols.values()])
    return int(min(2400, max(460, 120 + (LINE_PX + GAP_PX + 6) * most)))


def column_heads(view, nodes: list[dict]) -> list[dict]:
    """Stage names over the columns: mine, concentrate, oxide, metal, magnet, sector."""
    lay = stage_layout(view.scenario)
    xs = [n["x"] for n in nodes]
    if not xs:
        return []
    lo, hi = min(xs), max(xs)
    span = (hi - lo) or 1.0
    heads = [(lay.mine_x, "mine")] + [(2 * k + 1, name) for k, name in lay.names.items()]
    heads.append((lay.sector_x, "sector"))
    return [{"text": f"<b>{name}</b>", "x": 0.005 + 0.99 * (cx - lo) / span, "y": 1.0,
             "xref": "paper", "yref": "paper", "yanchor": "bottom", "showarrow": False,
             "font": {"size": 12, "color": "#555"}}
            for cx, name in heads if lo - 0.4 <= cx <= hi + 0.4]


def notes(view, period: str, region: str | None, base=None) -> str:
    """What the figure leaves out, in words: discards, and trade that stopped against the base."""
    names = Names(view.scenario)
    out = []
    gone = discards(view, period, region)
    if gone:
        parts = [f"{names.r(r)} {fmt_t(v)} of {names.c(c)}"
                 for (r, c), v in sorted(gone.items(), key=lambda kv: -kv[1])[:4]]
        more = f" and {len(gone) - 4} more" if len(gone) > 4 else ""
        out.append("Not drawn: co-products nobody takes, discarded — " + "; ".join(parts) + more)
    if base is not None:
        a, b = view.table("flows"), base.table("flows")
        a = a[a["period"].astype(str) == str(period)]
        b = _nonzero(b[b["period"].astype(str) == str(period)])
        now = set(_nonzero(a)["route"])
        if region:
            b = b[(b["origin"] == region) | (b["destination"] == region)]
        stopped = b[~b["route"].isin(now)].sort_values("amount", ascending=False)
        if len(stopped):
            parts = [f"{names.r(f.origin)} → {names.r(f.destination)} {tonnes(f.amount)} of "
                     f"{names.c(f.commodity)}" for f in stopped.head(3).itertuples()]
            out.append(f"Stopped against {base.name}: " + "; ".join(parts)
                       + (f" and {len(stopped) - 3} more" if len(stopped) > 3 else ""))
    return "<br>".join(out)


def legend(view, regions: list[str]) -> str:
    """A row of coloured country names (a Sankey has no legend of its own)."""
    colours = palette.region_colours(view.scenario)
    names = Names(view.scenario)
    items = [f"<span style='color:{colours[r]}'>■</span> {names.r(r)}" for r in regions
             if r in colours]
    items.append(f"<span style='color:{palette.SHORTFALL}'>■</span> unserved")
    per_line = 9
    return "<br>".join("   ".join(items[i:i + per_line]) for i in range(0, len(items), per_line))


def title(view, period: str, region: str | None) -> str:
    names = Names(view.scenario)
    where = names.r(region) if region else "all regions"
    return f"Material flows in {period}, {where} (t; colour = country)"


def _frame(view, traces_nodes: list[tuple[dict, list[dict]]], period: str, region: str | None,
           plot_px: int, base=None, reason: str = "", note_lines: int = 0) -> dict:
    regions = [r for r in view.scenario.regions
               if any(r in tr["meta"]["regions"] for tr, _ in traces_nodes)]
    leg = legend(view, regions)
    leg_lines = leg.count("<br>") + 1
    top = 70 + 17 * leg_lines + 22
    note = notes(view, period, region, base)
    sub = "<br>".join(x for x in (reason, note) if x)
    lines = max(sub.count("<br>") + 1 if sub else 0, note_lines)
    bottom = 20 + 17 * lines
    all_nodes = [n for _, ns in traces_nodes for n in ns]
    ann = column_heads(view, all_nodes)
    ann.append({"text": leg, "showarrow": False, "xref": "paper", "yref": "paper", "x": 0,
                "y": 1.0, "yshift": 24, "xanchor": "left", "yanchor": "bottom", "align": "left",
                "font": {"size": 12, "color": "#333"}, "name": "legend"})
    if sub or note_lines:
        ann.append({"text": sub or " ", "showarrow": False, "xref": "paper", "yref": "paper", "x": 0,
                    "y": 0, "yshift": -8, "xanchor": "left", "yanchor": "top", "align": "left",
                    "font": {"size": 12, "color": "#555"}, "name": "notes"})
    return layout(title(view, period, region), height=plot_px + top + bottom, font=FONT,
                  margin={"l": 10, "r": 10, "t": top, "b": bottom}, annotations=ann,
                  meta={"period": str(period), "region": region, "reason": reason})


def sankey_figure(view, period: str, region: str | None = None, height: int | None = None,
                  base=None, reason: str = "") -> dict:
    """One period's chain diagram as a Plotly dict (the web page redraws it per period and
    region); with `base`, trade bands say how they changed and the note names trade that
    stopped. `reason` (why this view) is printed under the figure."""
    period = str(period)
    plot_px = height or sankey_height(view, region, [period])
    trace, nodes, links = sankey_trace(view, period, region, base, plot_px)
    plot_px = trace["meta"]["plot_px"]
    if not trace["link"]["value"]:
        where = f" in {Names(view.scenario).r(region)}" if region else ""
        return empty(title(view, period, region), f"Nothing moves in {period}{where}", plot_px)
    return {"data": [trace], "layout": _frame(view, [(trace, nodes)], period, region, plot_px,
                                              base, reason)}


def sankey_all_periods(view, region: str | None = None, period: str | None = None,
                       height: int | None = None, base=None, reason: str = "") -> dict:
    """One chain diagram per period with a slider to choose the period (the static report)."""
    periods = view.periods
    if not periods:
        return empty("Material flows", "no periods")
    plot_px = height or sankey_height(view, region, periods)
    shown = str(period) if period is not None and str(period) in periods else periods[0]
    traces, steps, pairs = [], [], []
    cols: list[float] = []
    for p in periods:  # one height and one set of columns for all periods
        tr = sankey_trace(view, p, region, base, plot_px)[0]
        plot_px = max(plot_px, tr["meta"]["plot_px"])
        cols += tr["meta"]["columns"]
    bounds = (min(cols), max(cols)) if cols else None
    subs = {p: "<br>".join(x for x in (reason, notes(view, p, region, base)) if x)
            for p in periods}
    lines = max(s.count("<br>") + 1 if s else 0 for s in subs.values())
    for p in periods:
        tr, nodes, _ = sankey_trace(view, p, region, base, plot_px, bounds)
        tr["visible"] = p == shown
        traces.append(tr)
        pairs.append((tr, nodes))
    lay = _frame(view, pairs, shown, region, plot_px, base, reason, note_lines=lines)
    k = next((i for i, a in enumerate(lay["annotations"]) if a.get("name") == "notes"), None)
    kl = next(i for i, a in enumerate(lay["annotations"]) if a.get("name") == "legend")
    # the legend names the countries of the period on screen, not of every period (the top
    # margin was sized for all of them, so a shorter legend still fits)
    legends = {p: legend(view, [r for r in view.scenario.regions if r in tr["meta"]["regions"]])
               for p, (tr, _) in zip(periods, pairs, strict=True)}
    lay["annotations"][kl]["text"] = legends[shown]
    for i, p in enumerate(periods):
        vis = [j == i for j in range(len(periods))]
        new = {"title.text": title(view, p, region), f"annotations[{kl}].text": legends[p]}
        if k is not None:  # the note under the figure follows the period
            new[f"annotations[{k}].text"] = subs[p] or " "
        steps.append({"label": p, "method": "update", "args": [{"visible": vis}, new]})
    lay["margin"]["b"] += 80
    lay["height"] += 80
    lay["sliders"] = [{"active": periods.index(shown), "steps": steps,
                       "currentvalue": {"prefix": "Period: ", "font": {"size": 14}},
                       "pad": {"t": 50}, "x": 0.05, "len": 0.9}]
    return {"data": traces, "layout": lay}
