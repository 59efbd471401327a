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
    obj = view.objective
    d = f"{obj - base.objective:+,.0f} {cur} vs {base.name}" if base is not None else "total cost"
    card("Objective", f"{_num(obj)} {cur}", d)
    card("Solver", str(view.summary().get("status", "")),
         f"{view.summary().get('variables', 0):,} variables, solved in "
         f"{float(view.summary().get('solve_seconds') or 0):.3f} s")
    return cards


def _comparison(view: Results, bview: Results) -> dict:
    cmp = charts.compare(view, bview)
    head = pd.DataFrame([
        {"measure": "unserved demand (t)", bview.name: cmp["unserved_base"],
         view.name: cmp["unserved"], "change": cmp["unserved"] - cmp["unserved_base"]},
        {"measure": f"objective ({view.currency})", bview.name: cmp["objective_base"],
         view.name: cmp["objective"], "change": cmp["objective"] - cmp["objective_base"]},
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
    if region is None:
        region = charts.default_region(view, bview)
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
    period = str(period) if period is not None else charts.default_period(view, bview)

    scn = view.scenario
    periods = view.periods
    figures = [("sankey", charts.sankey_all_periods(view, region, period, base=bview)),
               ("shortfall", charts.shortfall_figure(view, region)),
               ("prices", charts.price_figure(view, region)),
               ("supplier-shares", charts.share_figure(view, None, region))]
    comparison = None
    if bview is not None:
        comparison = _comparison(view, bview)
        figures.append(("change", charts.change_figure(view, bview, region)))
    unserved = None
    un = view.table("unserved")
    if not un.empty:
        un = un[un["amount"] > charts.EPS]
        cols = [c for c in ("region", "sector", "commodity", "period", "requested", "amount")
                if c in un.columns]
        unserved = {"table": table_data(un[cols].rename(columns={"amount": "unserved"}), 1)}
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
        "shortfalls": (charts.shortfall_sentences(view)
                       if not sentences or view.total_unserved() > charts.EPS else None),
        "where": view.region_label(region) if region else "all regions",
        "comparison": comparison,
        "metrics": [(k, table_data(v, 2)) for k, v in view.metrics().items()],
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


def write_report(results, path: Path | str, base=None, region: str | None = None,
                 period: str | None = None) -> Path:
    """Write the report atomically (a crash never leaves half a file)."""
    import os

    from rareflow.results.tables import atomic_write

    path = Path(path)
    atomic_write(path, build_report(results, base=base, region=region, period=period))
    umask = os.umask(0)
    os.umask(umask)
    os.chmod(path, 0o666 & ~umask)  # a report is for sharing: the usual file mode, not 0600
    return path
