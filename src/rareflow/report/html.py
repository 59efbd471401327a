"""The self-contained HTML report: one file, Plotly's JavaScript embedded, no network needed.

Each figure is embedded as JSON in a `<script type="application/json" class="rf-figure">`
element and drawn by a few lines of script, so the data behind every picture can be read back
(tests parse it; so can anyone curious).
"""

from __future__ import annotations

import datetime as _dt
import html
import json
import math
from pathlib import Path

import pandas as pd

from rareflow import __version__
from rareflow.analyze import closest_optimum
from rareflow.report import charts
from rareflow.results.jsonsafe import jsonable
from rareflow.results.result import Results

CSS = """
:root { --ink:#1d2330; --muted:#5b6475; --line:#e3e7ee; --accent:#c2410c; --bg:#f6f7f9; }
* { box-sizing: border-box; }
body { margin:0; font: 15px/1.5 Inter, "Segoe UI", Helvetica, Arial, sans-serif; color:var(--ink);
       background:var(--bg); }
header { background:#111827; color:white; padding:22px 36px 18px; }
header h1 { margin:0 0 4px; font-size:24px; font-weight:650; }
header p { margin:2px 0; color:#cbd5e1; }
main { max-width:1240px; margin:0 auto; padding:18px 28px 40px; }
section { background:white; border:1px solid var(--line); border-radius:10px; padding:16px 20px;
          margin:18px 0; }
section h2 { font-size:18px; margin:0 0 8px; }
section p.note { color:var(--muted); margin:0 0 8px; font-size:13.5px; }
.cards { display:grid; grid-template-columns: repeat(auto-fit, minmax(190px, 1fr)); gap:12px; }
.card { background:white; border:1px solid var(--line); border-radius:10px; padding:12px 16px; }
.card .k { color:var(--muted); font-size:12.5px; text-transform:uppercase; letter-spacing:.04em; }
.card .v { font-size:22px; font-weight:650; margin-top:2px; }
.card .d { font-size:13px; color:var(--muted); }
.bad { color:#b91c1c; } .good { color:#15803d; }
ul.sentences { margin:0; padding-left:20px; } ul.sentences li { margin:4px 0; }
table { border-collapse:collapse; width:100%; font-size:13.5px; }
th, td { border-bottom:1px solid var(--line); padding:5px 8px; text-align:left; vertical-align:top; }
th { background:#f1f4f8; font-weight:600; position:sticky; top:0; }
td.num, th.num { text-align:right; font-variant-numeric: tabular-nums; white-space:nowrap; }
.scroll { max-height:420px; overflow:auto; border:1px solid var(--line); border-radius:6px; }
.fig { width:100%; }
.grid2 { display:grid; grid-template-columns: 1fr 1fr; gap:14px; }
@media (max-width: 1000px) { .grid2 { grid-template-columns: 1fr; } }
footer { color:var(--muted); font-size:12.5px; text-align:center; padding:10px 0 30px; }
code { background:#f1f4f8; padding:1px 4px; border-radius:4px; }
"""

DRAW = """
(function () {
  var config = {displaylogo: false, responsive: true,
                toImageButtonOptions: {format: 'png', scale: 2}};
  document.querySelectorAll('script.rf-figure').forEach(function (el) {
    var fig = JSON.parse(el.textContent);
    var div = document.getElementById(el.dataset.target);
    Plotly.newPlot(div, fig.data, fig.layout, config);
  });
})();
"""


def to_json(obj) -> str:
    return json.dumps(jsonable(obj), allow_nan=False, separators=(",", ":"))


def _script_json(obj) -> str:
    return to_json(obj).replace("</", "<\\/")


def _esc(v) -> str:
    return html.escape(str(v), quote=True)


def _num(v, digits: int = 0) -> str:
    if v is None or (isinstance(v, float) and not math.isfinite(v)):
        return "—"
    return f"{v:,.{digits}f}"


def table_html(df: pd.DataFrame, numeric_digits: int = 1, max_rows: int = 500) -> str:
    if df is None or df.empty:
        return "<p class='note'>(none)</p>"
    df = df.head(max_rows)
    num = [c for c in df.columns if pd.api.types.is_numeric_dtype(df[c])]
    head = "".join(f"<th class='{'num' if c in num else ''}'>{_esc(c)}</th>" for c in df.columns)
    rows = []
    for row in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, row, strict=True):
            if c in num:
                cells.append(f"<td class='num'>{_esc(_num(float(v), numeric_digits))}</td>")
            else:
                cells.append(f"<td>{_esc('' if v is None else v)}</td>")
        rows.append("<tr>" + "".join(cells) + "</tr>")
    return (f"<div class='scroll'><table><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table></div>")


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
        rows.append(("facility", f.id, f"{f.process} in {f.region}" + (f", {f.owner}" if f.owner
                                                                       else ""), f.source))
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


def _cards(view: Results, base: Results | None) -> str:
    cur = view.currency
    un = view.total_unserved()
    s = charts.shortfall_series(view)
    worst = s.groupby("period")["amount"].sum() if len(s) else pd.Series(dtype=float)
    cards = []

    def card(k, v, d="", cls=""):
        cards.append(f"<div class='card'><div class='k'>{_esc(k)}</div>"
                     f"<div class='v {cls}'>{_esc(v)}</div><div class='d'>{_esc(d)}</div></div>")

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
    return "<div class='cards'>" + "".join(cards) + "</div>"


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
    figs: list[tuple[str, dict]] = []
    parts: list[str] = []

    def fig(name: str, figure: dict) -> str:
        figs.append((name, figure))
        return f"<div id='{name}' class='fig'></div>"

    scn = view.scenario
    vs = f" vs {bview.name}" if bview else ""
    heading = title or f"{scn.name}{vs}"
    generated = _dt.datetime.now(_dt.UTC).strftime("%Y-%m-%d %H:%M UTC")
    periods = view.periods
    span = f"{periods[0]}–{periods[-1]}" if periods else ""
    parts.append(f"<header><h1>rareflow report: {_esc(heading)}</h1>"
                 f"<p>{_esc(scn.description)}</p>"
                 f"<p>Periods {_esc(span)} · {len(scn.regions)} regions · "
                 f"{len(scn.facilities)} facilities · {len(scn.routes)} routes · "
                 f"{len(scn.all_policies())} policies · status {_esc(view.summary().get('status'))}"
                 "</p></header><main>")
    parts.append(_cards(view, bview))

    if sentences:
        parts.append("<section id='explanation'><h2>Why: bottlenecks in words</h2>"
                     "<ul class='sentences'>" + "".join(f"<li>{_esc(s)}</li>" for s in sentences)
                     + "</ul></section>")
    if not sentences or view.total_unserved() > charts.EPS:
        parts.append("<section id='shortfalls-in-words'><h2>Shortfalls in words</h2>"
                     "<ul class='sentences'>"
                     + "".join(f"<li>{_esc(s)}</li>" for s in charts.shortfall_sentences(view))
                     + "</ul></section>")

    where = view.region_label(region) if region else "all regions"
    parts.append("<section id='sankey-section'><h2>The chain: mine → oxide → metal → magnet → "
                 f"sector ({_esc(where)})</h2><p class='note'>Each band is tonnes moved in the "
                 "period chosen with the slider: processes (mining, separation, metal making, "
                 "magnet making) turn one material into the next, trade moves it between "
                 "countries, and the last column is demand by sector. Colours are countries; the "
                 "dark red node is demand left unserved. Hover for numbers.</p>"
                 + fig("sankey", charts.sankey_all_periods(view, region, period, base=bview)) + "</section>")
    parts.append("<section id='timeseries'><div class='grid2'>"
                 + fig("shortfall", charts.shortfall_figure(view, region))
                 + fig("prices", charts.price_figure(view, region)) + "</div>"
                 "<p class='note'>Scarcity prices are the duals of the balance rows: what one more "
                 "tonne would be worth there and then (capped by the penalty on unserved demand)."
                 "</p></section>")
    parts.append("<section id='shares'><h2>Who supplies whom</h2>"
                 + fig("supplier-shares", charts.share_figure(view, None, region)) + "</section>")

    if bview is not None:
        cmp = charts.compare(view, bview)
        head = pd.DataFrame([
            {"measure": "unserved demand (t)", bview.name: cmp["unserved_base"],
             view.name: cmp["unserved"], "change": cmp["unserved"] - cmp["unserved_base"]},
            {"measure": f"objective ({view.currency})", bview.name: cmp["objective_base"],
             view.name: cmp["objective"], "change": cmp["objective"] - cmp["objective_base"]},
        ])
        parts.append(f"<section id='comparison'><h2>{_esc(view.name)} compared with "
                     f"{_esc(bview.name)}</h2>" + table_html(head, 0)
                     + fig("change", charts.change_figure(view, bview, region))
                     + "<h3>Unserved demand that changed (t)</h3>"
                     + table_html(cmp["unserved_changes"], 1)
                     + "<h3>Trade flows that changed most, summed over the horizon (t)</h3>"
                     + table_html(cmp["flow_changes"], 1)
                     + "<h3>Production that changed most, summed over the horizon "
                       "(units of activity)</h3>"
                     + table_html(cmp["production_changes"], 1) + "</section>")

    metrics = view.metrics()
    if metrics:
        body = "".join(f"<h3>{_esc(k)}</h3>" + table_html(v, 2) for k, v in metrics.items())
        parts.append(f"<section id='metrics'><h2>Metrics</h2>{body}</section>")

    un = view.table("unserved")
    if not un.empty:
        un = un[un["amount"] > charts.EPS]
        cols = [c for c in ("region", "sector", "commodity", "period", "requested", "amount")
                if c in un.columns]
        parts.append("<section id='unserved-table'><h2>Unserved demand (t)</h2>"
                     + table_html(un[cols].rename(columns={"amount": "unserved"}), 1)
                     + "</section>")

    src = sources_table(view)
    with_src = src[src["source"].astype(str).str.strip() != ""]
    missing = len(src) - len(with_src)
    note = (f"<p class='note'>{missing} of {len(src)} items carry no source.</p>" if missing
            else "")
    parts.append("<section id='sources'><h2>Sources</h2>" + note + table_html(with_src)
                 + "</section>")
    h = view.hash[:12] if view.hash else ""
    run = f" · run #{view.run_id}" if view.run_id else ""
    parts.append(f"</main><footer>rareflow {__version__} · scenario hash {_esc(h)}{run} · "
                 f"generated {generated} · works offline (Plotly.js embedded)</footer>")

    fig_scripts = "".join(
        f"<script type='application/json' class='rf-figure' id='fig-{name}' "
        f"data-target='{name}'>{_script_json(f)}</script>" for name, f in figs)
    return ("<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'>"
            f"<title>rareflow: {_esc(heading)}</title>"
            "<meta name='viewport' content='width=device-width, initial-scale=1'>"
            f"<style>{CSS}</style><script>{get_plotlyjs()}</script></head><body>"
            + "".join(parts) + fig_scripts + f"<script>{DRAW}</script></body></html>")


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
