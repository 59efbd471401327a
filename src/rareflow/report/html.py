"""The self-contained HTML report: one file, Plotly's JavaScript embedded, no network needed.

The markup is a Jinja2 template in package data (`report/templates/report.html.j2`, with its
`report.css` and `report.js`), autoescaped; this module computes what goes in it: the cards,
sentences, tables and figures. Each figure is embedded as JSON in a
`<script type="application/json" class="rf-figure">` element and drawn by a few lines of
script, so the data behind every picture can be read back (tests parse it; so can anyone
curious).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
from functools import cache
from pathlib import Path

import pandas as pd

from rareflow import __version__
from rareflow.analyze import backtest as bt_mod
from rareflow.analyze import closest_optimum
from rareflow.report import charts
from rareflow.results.jsonsafe import jsonable
from rareflow.results.result import Results


@cache
def _templates():
    import jinja2  # here, not at the top: ~90 ms that only rendering needs

    # autoescape on: names and sentences from a scenario file are text, never markup
    return jinja2.Environment(loader=jinja2.PackageLoader("rareflow.report", "templates"),
                              autoescape=True, undefined=jinja2.StrictUndefined,
                              trim_blocks=True, lstrip_blocks=True)


def to_json(obj) -> str:
    return json.dumps(jsonable(obj), allow_nan=False, separators=(",", ":"))


def _script_json(obj) -> str:
    return to_json(obj).replace("</", "<\\/")


def _num(v, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:,.{digits}f}"


def table_data(df: pd.DataFrame | None, numeric_digits: int = 1,
               max_rows: int = 500) -> dict | None:
    """A table for the template's `table` macro: header (label, class) and rows of
    (text, is_number); numbers formatted with thousands separators. None when empty."""
    if df is None or df.empty:
        return None
    df = df.head(max_rows)
    num = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    rows = []
    for row in df.itertuples(index=False):
        rows.append([(_num(float(v), numeric_digits), True) if c in num
                     else ("" if v is None else str(v), False)
                     for c, v in zip(df.columns, row, strict=True)])
    return {"head": [(str(c), "num" if c in num else "") for c in df.columns], "rows": rows}


def sources_table(view: Results) -> pd.DataFrame:
    """Every item of the scenario that names where its numbers come from."""
    scn = view.scenario
    rows = []
    for k, v in scn.commodities.items():
        rows.append(("commodity", k, v.label, v.source))
    for k, v in scn.regions.items():
        rows.append(("region", k, v.label, v.source))
    for k, v in scn.processes.items():
        rows.append(("process", k, v.label, v.source))
    for f in scn.facilities:
        what = f"{'/'.join(f.recipes())} in {f.region}"  # its process, or its recipes
        rows.append(("facility", f.id, what + (f", {f.owner}" if f.owner else ""), f.source))
    for r in scn.routes:
        rows.append(("route", r.id, f"{r.from_} → {r.to}, {r.commodity}", r.source))
    for s in scn.stocks:
        rows.append(("stock", s.id, f"{s.commodity} in {s.region}", s.source))
    for d in scn.demands:
        rows.append(("demand", d.id, f"{d.region} {d.sector} ({d.commodity})", d.source))
    for i, p in enumerate(scn.all_policies()):
        rows.append(("policy", p.id or f"{p.type}-{i + 1}", p.headline or p.type, p.source))
    for e in scn.events:
        rows.append(("event", e.id, f"{e.date}: {e.headline}", e.source + (f" {e.url}" if e.url
                                                                         else "")))
    for c in scn.candidates:
        rows.append(("candidate", c.id, f"{c.process} in {c.region}", c.source))
    for k, v in scn.sources.items():
        rows.append(("reference", k, "", v))
    df = pd.DataFrame(rows, columns=["kind", "id", "what", "source"])
    return df


def _cards(view: Results, base: Results | None) -> list[dict]:
    """The headline cards: key, value, detail, and a class for the value's colour."""
    cur = view.currency
    un = view.total_unserved()
    s = charts.shortfall_series(view)
    worst = s.groupby("period")["amount"].sum() if len(s) else pd.Series(dtype=float)
    cards: list[dict] = []

    def card(k, v, d="", cls=""):
        cards.append({"k": k, "v": v, "d": d, "cls": cls})

    if base is not None:
        dun = un - base.total_unserved()
        card("Unserved demand", f"{_num(un)} t", f"{dun:+,.0f} t vs {base.name}",
             "bad" if un > 0 else "good")
    else:
        card("Unserved demand", f"{_num(un)} t", "over the whole horizon",
             "bad" if un > 0 else "good")
    card("Demands short", f"{s.groupby(['region', 'sector', 'commodity']).ngroups if len(s) else 0}",
         f"of {len(view.scenario.demands)} demands")
    if len(worst) and worst.max() > 0:
        card("Worst period", str(worst.idxmax()), f"{_num(float(worst.max()))} t unserved")
    paid, valued = cost_split(view)
    d = (f"{paid - cost_split(base)[0]:+,.0f} {cur} vs {base.name}" if base is not None
         else "operating, transport, tariffs, holding, capital, breaches (discounted)")
    card("Cost (money paid)", f"{_num(paid)} {cur}", d)
    if valued > 0 or (base is not None and cost_split(base)[1] > 0):
        card("Penalty valuation", f"{_num(valued)} {cur}",
             "what the model puts on tonnes unserved or targets missed: a valuation, not money "
             "paid")
    card("Solver", str(view.summary().get("status", "")),
         f"{view.summary().get('variables', 0):,} variables, solved in "
         f"{float(view.summary().get('solve_seconds') or 0):.3f} s")
    return cards


VALUATIONS = ("penalty",)
"""Cost terms whose words mark them as valuations (shortfall and target penalties), not money."""


def cost_split(view: Results) -> tuple[float, float]:
    """(money that would be paid, penalty valuation): the objective's terms in two sums."""
    c = view.costs
    if c is None or c.empty:
        return float(view.objective), 0.0
    valued = c["term"].astype(str).str.contains("|".join(VALUATIONS))
    return float(c.loc[~valued, "amount"].sum()), float(c.loc[valued, "amount"].sum())


# ---- metric tables: human column names with units ------------------------------------------
METRIC_TITLES = {
    "balances": "Balances by region, commodity and period",
    "hhi_imports": "How concentrated each region's imports are",
    "hhi_output": "How concentrated the world's output is",
    "shortfall_by_sector": "Shortfall by sector",
    "days_of_cover": "Days of cover held in stocks",
    "prices": "Scarcity prices (duals of the balance rows)",
}
METRIC_NOTES = {
    "hhi_imports": "HHI (Herfindahl–Hirschman index) is the sum of the suppliers' squared shares "
                   "in %: 10,000 is a single supplier, below 1,500 is usually read as diverse.",
    "hhi_output": "HHI (Herfindahl–Hirschman index) is the sum of the producers' squared shares "
                  "in %: 10,000 is a single producer, below 1,500 is usually read as diverse.",
    "prices": "What one more tonne would be worth there and then. Where demand goes unserved the "
              "price is set by the penalty on unserved demand: a valuation, not a market price.",
    "shortfall_by_sector": "Share unserved is a share of that sector's demand in the period.",
}
# column → (label, kind): kind says how to print it — t (tonnes, whole), pct (a share already in
# %), frac (a share as a fraction, printed in %), count, hhi, days, money, text
COLUMNS = {
    "region": ("Region", "text"), "commodity": ("Commodity", "text"), "period": ("Period", "text"),
    "sector": ("Sector", "text"), "stock": ("Stock", "text"),
    "produced": ("Produced (t)", "t"), "used_in_processes": ("Used in processes (t)", "t"),
    "imports": ("Imports (t)", "t"), "exports": ("Exports (t)", "t"),
    "demand": ("Demand (t)", "t"), "served": ("Served (t)", "t"),
    "unserved": ("Unserved (t)", "t"), "stock_build": ("Added to stock (t)", "t"),
    "stock_level": ("Stock level (t)", "t"), "discarded": ("Discarded (t)", "t"),
    "consumption": ("Consumption (t)", "t"), "requested": ("Requested (t)", "t"),
    "self_sufficiency": ("Self-sufficiency (% of consumption)", "frac"),
    "import_dependence": ("Import dependence (% of consumption)", "frac"),
    "hhi": ("HHI (0–10,000)", "hhi"), "top": ("Largest supplier", "text"),
    "top_share": ("Largest supplier's share (%)", "pct"), "suppliers": ("Suppliers", "count"),
    "share_unserved": ("Unserved (% of that demand in that period)", "frac"),
    "level": ("Stock level (t)", "t"), "daily_use": ("Use per day (t)", "t1"),
    "days": ("Days of cover", "days"), "price": ("Price ({cur}/t)", "money"),
}


def _cell(v, kind: str) -> tuple[str, bool]:
    if kind == "text":
        return ("" if v is None or (isinstance(v, float) and math.isnan(v)) else str(v)), False
    try:
        f = float(v)
    except (TypeError, ValueError):
        return str(v), False
    if not math.isfinite(f):
        return ("no use" if kind == "days" and f > 0 else "—"), True
    if kind == "frac":
        return f"{100 * f:,.1f} %", True
    if kind == "pct":
        return f"{f:,.1f} %", True
    if kind == "t1":
        return f"{f:,.1f}", True
    return f"{f:,.0f}", True


def metric_table(df: pd.DataFrame | None, currency: str, max_rows: int = 500) -> dict | None:
    """A metric table for the template: human column names with units, counts whole, shares
    with %, tonnes to the tonne. Unknown columns keep their name, numbers to 0.01."""
    if df is None or df.empty:
        return None
    df = df.head(max_rows)
    kinds = []
    for c in df.columns:
        if c in COLUMNS:
            label, kind = COLUMNS[c]
            kinds.append((label.format(cur=currency), kind))
        elif pd.api.types.is_numeric_dtype(df[c]):
            kinds.append((str(c).replace("_", " "), "num"))
        else:
            kinds.append((str(c).replace("_", " "), "text"))
    rows = []
    for row in df.itertuples(index=False):
        rows.append([(_num(float(v), 2), True) if k == "num" else _cell(v, k)
                     for (_, k), v in zip(kinds, row, strict=True)])
    return {"head": [(label, "" if k == "text" else "num") for label, k in kinds], "rows": rows}


def metric_tables(view: Results) -> list[dict]:
    out = []
    for k, v in view.metrics().items():
        out.append({"name": k, "title": METRIC_TITLES.get(k, k.replace("_", " ").capitalize()),
                    "note": METRIC_NOTES.get(k, ""), "table": metric_table(v, view.currency)})
    return out


# ---- the back-test -------------------------------------------------------------------------
def backtest_section(view: Results) -> tuple[dict, dict | None]:
    """The back-test table (worst first) and its figure; the figure is None, and the section
    says why in one sentence, when the scenario speaks to no observation."""
    bt = bt_mod.run_backtest(view)
    t = bt.table
    if t.empty:
        return {"table": None, "why": "This scenario speaks to none of the observed series "
                                      "(its regions, commodities or periods do not cover them), "
                                      "so there is nothing to back-test.",
                "medians": "", "left_out": ""}, None
    head = [("Series", ""), ("Period", ""), ("Observed", "num"), ("Model", "num"),
            ("Unit", ""), ("Error (model ÷ observed − 1, %)", "num"), ("Source", "")]
    rows = [[(r.label, False), (r.period, False), (bt_mod.fmt(r.observed, r.unit), True),
             (bt_mod.fmt(r.model, r.unit), True), (r.unit, False),
             (bt_mod.fmt_error(r.error_pct), True), (r.source_short, False)]
            for r in t.itertuples()]
    return {"table": {"head": head, "rows": rows}, "why": "",
            "medians": bt_mod.medians_line(bt), "left_out": bt_mod.left_out_line(bt)}, \
        plain_lists(bt_mod.figure(bt))


def plain_lists(obj):
    """A Plotly dict with its numpy arrays as plain lists (what the report's JSON holds)."""
    if isinstance(obj, dict):
        return {k: plain_lists(v) for k, v in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [plain_lists(v) for v in obj]
    if hasattr(obj, "tolist"):
        return obj.tolist()
    return obj


def _comparison(view: Results, bview: Results) -> dict:
    cmp = charts.compare(view, bview)
    paid, valued = cost_split(view)
    bpaid, bvalued = cost_split(bview)
    head = pd.DataFrame([
        {"measure": "unserved demand (t)", bview.name: cmp["unserved_base"],
         view.name: cmp["unserved"], "change": cmp["unserved"] - cmp["unserved_base"]},
        {"measure": f"cost: money paid ({view.currency})", bview.name: bpaid,
         view.name: paid, "change": paid - bpaid},
        {"measure": f"penalty valuation, not paid ({view.currency})", bview.name: bvalued,
         view.name: valued, "change": valued - bvalued},
    ])
    return {"name": view.name, "base": bview.name, "head": table_data(head, 0),
            "unserved": table_data(cmp["unserved_changes"], 1),
            "flows": table_data(cmp["flow_changes"], 1),
            "production": table_data(cmp["production_changes"], 1)}


def build_report(results, base=None, region: str | None = None, period: str | None = None,
                 title: str | None = None) -> str:
    """The report as one HTML string. `results` and `base` are Results, live or read back
    from the store.

    `region`: the Sankey's region (default: where unserved demand changes, or is, largest;
    "all" for every region); `period`: the period it opens on."""
    from plotly.offline import get_plotlyjs

    if base is not None:
        # the optimum closest to the base: what the scenario had to change, not equal-cost swaps
        results = closest_optimum(results, base)
    view, bview = results, base
    sentences = view.explanation()
    # where the chain diagram opens, and why (plot/view.py): the largest change against the
    # base, else the largest shortfall; the report prints the reason
    auto_region, auto_period, reason = charts.default_view(view, bview)
    if region is not None or period is not None:
        reason = ""  # the reader chose the view
    if region is None:
        region = auto_region
    elif region.lower() in ("all", "*"):
        region = None
    if region is not None and region not in view.scenario.regions:
        known = ", ".join(view.scenario.regions)
        from rareflow.errors import RareflowError
        raise RareflowError(f"region '{region}' is not in scenario '{view.name}'; use one of {known}")
    if period is not None and str(period) not in view.periods:
        from rareflow.errors import RareflowError
        raise RareflowError(f"period '{period}' is not in scenario '{view.name}'; use one of "
                            f"{', '.join(view.periods)}")
    period = str(period) if period is not None else auto_period

    scn = view.scenario
    periods = view.periods
    figures = [("sankey", charts.sankey_all_periods(view, region, period, base=bview,
                                                    reason=reason)),
               ("shortfall", charts.shortfall_figure(view, region)),
               ("prices", charts.price_figure(view, region)),
               ("supplier-shares", charts.share_figure(view, None, region))]
    comparison = None
    changes: list[str] = []
    if bview is not None:
        comparison = _comparison(view, bview)
        changes = list(view.compare(bview).sentences)
        figures.append(("change", charts.change_figure(view, bview, region)))
    backtest, bt_fig = backtest_section(view)
    if bt_fig is not None:
        figures.append(("backtest-chart", bt_fig))
    # no empty charts: a figure with nothing to draw is left out and says so in one sentence
    empty = {name: _empty_sentence(f) for name, f in figures if name != "sankey" and not f["data"]}
    figures = [(name, f) for name, f in figures if name not in empty]
    unserved = None
    un = view.table("unserved")
    if not un.empty:
        un = un[un["amount"] > charts.EPS]
        cols = [c for c in ("region", "sector", "commodity", "period", "requested", "amount")
                if c in un.columns]
        unserved = {"table": metric_table(un[cols].rename(columns={"amount": "unserved"}),
                                          view.currency)}
    src = sources_table(view)
    with_src = src[src["source"].astype(str).str.strip() != ""]
    context = {
        "heading": title or f"{scn.name}{f' vs {bview.name}' if bview else ''}",
        "scenario": scn,
        "span": f"{periods[0]}–{periods[-1]}" if periods else "",
        "counts": {"regions": len(scn.regions), "facilities": len(scn.facilities),
                   "routes": len(scn.routes), "policies": len(scn.all_policies())},
        "status": view.summary().get("status"),
        "cards": _cards(view, bview),
        "sentences": list(sentences),
        "changes": changes,
        "empty": empty,
        "backtest": backtest,
        "shortfalls": (charts.shortfall_sentences(view)
                       if not sentences or view.total_unserved() > charts.EPS else None),
        "where": view.region_label(region) if region else "all regions",
        "view_reason": reason,
        "comparison": comparison,
        "metrics": metric_tables(view),
        "unserved": unserved,
        "sources": {"missing": len(src) - len(with_src), "total": len(src),
                    "table": table_data(with_src)},
        "version": __version__,
        "hash": view.hash[:12] if view.hash else "",
        "run_id": view.run_id,
        "generated": _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC"),
        "figures": [(name, _script_json(f)) for name, f in figures],
        "plotly_js": get_plotlyjs(),
    }
    return _templates().get_template("report.html.j2").render(context)


def _empty_sentence(fig: dict) -> str:
    """The message an empty chart would have shown, as a sentence, with its title."""
    lay = fig.get("layout", {})
    title = lay.get("title", {})
    title = title.get("text", "") if isinstance(title, dict) else str(title or "")
    notes = [a.get("text", "") for a in lay.get("annotations", []) if a.get("text")]
    msg = " ".join(notes) or "Nothing to show."
    return f"{title}: {msg}" if title else msg


def write_report(results, path: Path | str, base=None, region: str | None = None,
                 period: str | None = None) -> Path:
    """Write the report atomically (a crash never leaves half a file)."""
    import os

    from rareflow.results.tables import write_file

    path = Path(path)
    # in a result folder (rareflow-out/<scenario>/) the report joins the folder's set
    write_file(path, build_report(results, base=base, region=region, period=period),
               "rareflow report")
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)  # a report is for sharing: the usual file mode, not 0600
    return path
