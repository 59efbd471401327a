"""Back-test: the observed series (analyze/observations.py) against the model's figures for
the same places and periods, so that a calibration is measured rather than asserted.

`backtest(result)` returns one row per observation the scenario can speak to — observed,
model, error % (model / observed − 1, in %), unit, period, source, and `how` the model
figure was made — worst first by |error %|. Observations it cannot speak to (a period outside
the horizon, a region or commodity the model does not have) are left out and listed in
`table.attrs["left_out"]` (series, period, reason). `run_backtest` returns the same with the
model's monthly lines for the chart.

The rules (docs/dataset.md, "Back-test"):

(a) Periods. Model amounts are tonnes per period. An observation's period (a month, a year,
    or a span `2025-01..2025-07`) takes from each model period the share of it that it covers:
    a month against a yearly period is 1/12 of that year's amount ("yearly period: 1/12 of
    2025"); a span sums the periods inside it, pro-rating those it cuts at its edges. Prices
    are the mean over the covered months; shares divide the two pro-rated sums. An
    observation any part of which lies outside the horizon is left out.
(b) exports: the sum of the flows (`r.flows`) of the commodity from the exporter to every
    other region (`partner: all`) or to the named one.
(c) price: the dual of the region's balance row for the commodity (`r.prices`, currency per t,
    undiscounted) ÷ 1000 → per kg. Only scenarios priced in USD are compared. The model has one
    `dytb_oxide`; the observed Dy oxide and Tb oxide prices of the same place and period are
    compared with it as one mix (MIXES below, EST: the Dy:Tb weight ratio of the baseline
    magnet recipe), never one by one.
(d) mine_output: activity of the mining processes × their REO output per unit of activity,
    summed per region. A mining process has no inputs and makes an ore-concentrate
    commodity (`reo_*`, t REO). USGS rows the model lumps into one region (Madagascar,
    Nigeria and 'Other' are the dataset's ROW) carry that region's code and are summed into one
    comparison; WORLD is the sum over every region.
(e) import_share: flows from the supplier to the importer ÷ all flows into the importer from
    other regions, over the observation's commodities (for Japan: the model's rare-earth
    oxides, mixed compounds and metals — ndpr_oxide, dytb_oxide, other_reo, mixed_re_oxide,
    ndpr_metal, dytb_metal; not ores, not magnets), in %. Commodities the model lacks are
    dropped and the `how` column names those used.
(f) A relative observation ("April ≈ 0.5 × March", `relative_to`) gives a row with the
    observed ratio and the model's ratio of the same quantity over the two periods.
"""

from __future__ import annotations

import math
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rareflow.analyze.observations import Observation, load_observations
from rareflow.results.result import analysis
from rareflow.scenario.periods import label_of

ORE_PREFIX = "reo_"
WORLD = "WORLD"
LUMPED = ("mine_output",)  # measures whose rows for one model region are summed (USGS countries)
# EST: Dy 0.811 and Tb 0.104 wt % in the baseline magnet recipe (docs/dataset.md, "Process
# coefficients": facts.md §3b defaults weighted by IEA 2024 sector shares). Metal weights; on
# an oxide basis the shares move by 0.002, which the rounding of the prices dwarfs.
MIXES: dict[str, dict[str, float]] = {"dytb_oxide": {"dy_oxide": 0.811, "tb_oxide": 0.104}}
MIX_SOURCE = "EST: Dy:Tb 0.811:0.104 by weight, the baseline magnet recipe"
COLUMNS = ["kind", "series", "label", "what", "region", "period", "observed", "model", "error_pct",
           "unit", "confidence", "source", "source_short", "how", "note"]
KIND_ORDER = ["exports", "exports ratio", "price", "price ratio", "mine_output", "mine_output ratio",
              "import_share", "import_share ratio"]
STEP_WORD = {12: "yearly", 3: "quarterly", 1: "monthly"}


@dataclass
class Backtest:
    """The comparison table, what was left out and why, and the model's monthly lines."""

    table: pd.DataFrame
    left_out: list[dict] = field(default_factory=list)
    lines: pd.DataFrame = field(default_factory=pd.DataFrame)

    def medians(self) -> dict[str, float]:
        """Median |error %| per kind of series (NaN errors ignored)."""
        t = self.table.dropna(subset=["error_pct"])
        med = {k: float(g["error_pct"].abs().median()) for k, g in t.groupby("kind", sort=False)}
        return dict(sorted(med.items(), key=lambda kv: (KIND_ORDER.index(kv[0])
                                                        if kv[0] in KIND_ORDER else 99, kv[0])))


@dataclass
class _Comparison:
    """One row to compute: one observation, or several summed (lumped regions) or mixed."""

    members: list[Observation]
    observed: float
    label: str
    series: str
    commodity: tuple[str, ...]
    note: str = ""
    how_observed: str = ""

    @property
    def first(self) -> Observation:
        return self.members[0]


@analysis("backtest")
def backtest(result, observations: list[Observation] | None = None) -> pd.DataFrame:
    """The back-test table of a solved result (Results or a stored run), worst first."""
    bt = run_backtest(result, observations)
    bt.table.attrs["left_out"] = bt.left_out
    return bt.table


def run_backtest(result, observations: list[Observation] | None = None) -> Backtest:
    obs = load_observations() if observations is None else observations
    m = _ModelFigures(result)
    rows, left = [], []
    for comp, reason in _group(obs, m):
        if comp is None:
            left.append(reason)
            continue
        row, why = m.compare(comp)
        if row is None:
            left.append({"series": comp.series, "period": comp.first.period, "reason": why})
        else:
            rows.append(row)
    table = pd.DataFrame(rows, columns=COLUMNS)
    if len(table):
        key = table["error_pct"].abs().fillna(-1.0)
        table = table.loc[key.sort_values(ascending=False, kind="stable").index]
        table = table.reset_index(drop=True)
    return Backtest(table, left, m.lines(obs))


# ---- grouping: lumped regions and mixed commodities ------------------------------------
def _group(obs: list[Observation], m: _ModelFigures):
    """Yield (comparison, None) or (None, left-out record), in the order of the files."""
    lumps: dict[tuple, list[Observation]] = {}
    mixes: dict[tuple, list[Observation]] = {}
    order: list[tuple[str, tuple]] = []
    for o in obs:
        comp = _mix_of(o.commodity[0], m) if o.measure == "price" else None
        if comp is not None:
            key = (comp, o.region, o.period, o.relative_to)
            if key not in mixes:
                order.append(("mix", key))
            mixes.setdefault(key, []).append(o)
        elif o.measure in LUMPED and not o.relative_to:
            key = (o.measure, o.region, o.partner, o.commodity, o.period)
            if key not in lumps:
                order.append(("lump", key))
            lumps.setdefault(key, []).append(o)
        else:
            order.append(("one", (o,)))
    for what, key in order:
        if what == "one":
            o = key[0]
            yield _Comparison([o], o.value, o.label, o.series, o.commodity, o.note), None
        elif what == "lump":
            yield _lumped(lumps[key]), None
        else:
            yield _mixed(key[0], mixes[key])


def _mix_of(commodity: str, m: _ModelFigures) -> str | None:
    if commodity in m.commodities:
        return None
    for comp, parts in MIXES.items():
        if commodity in parts and comp in m.commodities:
            return comp
    return None


def _lumped(group: list[Observation]) -> _Comparison:
    o = group[0]
    if len(group) == 1:
        return _Comparison(group, o.value, o.label, o.series, o.commodity, o.note)
    names = [g.label.split(", ", 1)[-1] for g in group]
    head = o.label.split(", ", 1)[0]
    label = f"{head}, {o.region} ({' + '.join(names)})"
    note = f"the sum of {len(group)} observations the model lumps into {o.region}"
    return _Comparison(group, sum(g.value for g in group), label,
                       f"{o.measure.replace('_', '-')}-{o.region.lower()}", o.commodity, note,
                       how_observed=f"observed = {' + '.join(names)}")


def _mixed(comp: str, group: list[Observation]):
    parts = MIXES[comp]
    have = {g.commodity[0]: g for g in group}
    o = group[0]
    if set(have) != set(parts):
        lacking = ", ".join(sorted(set(parts) - set(have)))
        return None, {"series": o.series, "period": o.period,
                      "reason": f"{o.commodity[0]} is compared only within the {comp} mix, and "
                                f"the observation of {lacking} for {o.region} {o.period} is missing"}
    total = sum(parts.values())
    value = sum(parts[c] / total * have[c].value for c in parts)
    terms = " + ".join(f"{parts[c] / total:.3f} × {c} {have[c].value:g}" for c in parts)
    names = [c.split("_")[0].capitalize() for c in parts]
    place = o.label.split(", ", 1)[-1] if ", " in o.label else o.region
    label = f"{'/'.join(names)} {comp.split('_', 1)[-1]} price, {place} (mix, EST)"
    return _Comparison([have[c] for c in parts], value, label, f"{comp.replace('_', '-')}-price",
                       (comp,), note=f"{MIX_SOURCE}; " + "; ".join(have[c].note for c in parts),
                       how_observed=f"observed = {terms} ({MIX_SOURCE})"), None


# ---- the model's figures ----------------------------------------------------------------
class _ModelFigures:
    """Per-period arrays of the quantities observations speak of, from one solved result."""

    def __init__(self, result) -> None:
        # the horizon and the scenario, not the model: a run read back from the store has both
        self.P = result.horizon
        self.scn = result.scenario
        self.regions = set(self.scn.regions)
        self.commodities = set(self.scn.commodities)
        self.index = {p: k for k, p in enumerate(self.P.labels)}
        self.flows = result.flows
        self.activity = result.activity
        # the rows one region ships, receives or mines, taken once per region: the
        # observations ask about a few regions many times (issue 17: no table scan per figure)
        self._rows: dict[tuple[str, str], pd.DataFrame] = {}
        self._mines: pd.DataFrame | None = None
        self.prices = result.prices
        procs = self.scn.processes
        self.mining = {pid: sum(v for c, v in p.outputs.items() if c.startswith(ORE_PREFIX))
                       for pid, p in procs.items()
                       if not p.inputs and any(c.startswith(ORE_PREFIX) for c in p.outputs)}

    def _flows(self, side: str, region: str) -> pd.DataFrame:
        """The flows whose `side` ('origin' or 'destination') is `region`, in table order."""
        key = (side, region)
        if key not in self._rows:
            self._rows[key] = self.flows[self.flows[side] == region]
        return self._rows[key]

    def _mining(self) -> pd.DataFrame:
        """The mining processes' activity, with its REO output (`reo`), in table order."""
        if self._mines is None:
            a = self.activity
            a = a[a["process"].isin(list(self.mining))]
            self._mines = a.assign(reo=a["amount"] * a["process"].map(self.mining).astype(float))
        return self._mines

    def _per_period(self, df: pd.DataFrame, value: str) -> np.ndarray:
        out = np.zeros(self.P.n)
        if len(df):
            g = df.groupby("period")[value].sum()
            for per, v in g.items():
                out[self.index[str(per)]] += float(v)
        return out

    # Each figure returns (numerator, denominator or None, mode, what-text) or a reason.
    def exports(self, o: Observation, comms: tuple[str, ...]):
        f = self._flows("origin", o.region)
        sel = f["commodity"].isin(comms) & (f["destination"] != o.region)
        to = "every other region"
        if o.partner and o.partner != "all":
            if o.partner not in self.regions:
                return f"partner region {o.partner} is not in the model"
            sel &= f["destination"] == o.partner
            to = o.partner
        what = f"Σ flows of {', '.join(comms)} from {o.region} to {to}"
        return self._per_period(f[sel], "amount"), None, "sum", what

    def mine_output(self, o: Observation, comms):
        if not self.mining:
            return "the model has no mining process (no inputs, makes reo_* ore)"
        a = self._mining()
        if o.region != WORLD:
            a = a[a["region"] == o.region]
        procs = ", ".join(sorted(set(a["process"]))) or "none there"
        where = "every region" if o.region == WORLD else o.region
        what = f"Σ activity × REO output of mining processes ({procs}) in {where}"
        return self._per_period(a, "reo"), None, "sum", what

    def price(self, o: Observation, comms):
        if self.scn.currency != "USD":
            return f"the scenario's prices are in {self.scn.currency}, the observation's in USD"
        c = comms[0]
        p = self.prices
        p = p[(p["region"] == o.region) & (p["commodity"] == c)]
        if not len(p):
            return f"the model has no balance row (no price) for {c} in {o.region}"
        what = f"dual of the {o.region} {c} balance row, USD/t ÷ 1000"
        return self._per_period(p, "price") / 1000.0, None, "mean", what

    def import_share(self, o: Observation, comms):
        if o.partner not in self.regions:
            return f"supplier region {o.partner} is not in the model"
        f = self._flows("destination", o.region)
        into = f[(f["origin"] != o.region) & f["commodity"].isin(comms)]
        num = self._per_period(into[into["origin"] == o.partner], "amount")
        den = self._per_period(into, "amount")
        what = (f"flows {o.partner}→{o.region} ÷ all flows →{o.region} of {', '.join(comms)}, "
                f"in %")
        return num, den, "share", what

    # ---- spans -------------------------------------------------------------------------
    def weights(self, span: tuple[int, int]) -> np.ndarray | None:
        """Months of each period inside the span, or None when the horizon does not cover it."""
        s, e = span
        starts, months = self.P.start, self.P.months
        ov = np.clip(np.minimum(e, starts + months) - np.maximum(s, starts), 0, None)
        return ov.astype(float) if int(ov.sum()) == e - s else None

    def value(self, fig, ov: np.ndarray) -> float:
        num, den, mode, _ = fig
        w = ov / self.P.months
        if mode == "sum":
            return float(num @ w)
        if mode == "mean":
            return float(num @ ov / ov.sum())
        d = float(den @ w)
        return 100.0 * float(num @ w) / d if d > 0 else math.nan

    def prorate(self, ov: np.ndarray, period: str, mode: str) -> str:
        """How the model periods make up the observation's period, in words ('' if exact)."""
        idx = np.flatnonzero(ov > 0)
        labels = [self.P.labels[k] for k in idx]
        months = {int(self.P.months[k]) for k in idx}
        word = STEP_WORD.get(months.pop(), "") if len(months) == 1 else "mixed"
        full = [ov[k] == self.P.months[k] for k in idx]
        if len(idx) == 1 and full[0]:
            return "" if labels[0] == period else f"{word} period {labels[0]}"
        if len(idx) == 1:
            k = idx[0]
            if mode == "mean":
                return f"{word} period: the figure of {labels[0]}"
            return f"{word} period: {int(ov[k])}/{int(self.P.months[k])} of {labels[0]}"
        verb = {"sum": "sum", "mean": "mean", "share": "shares of the summed flows"}[mode]
        if all(full):
            return f"{verb} of {len(idx)} {word} periods {labels[0]}..{labels[-1]}"
        parts = [lab if f else f"{int(ov[k])}/{int(self.P.months[k])} of {lab}"
                 for k, lab, f in zip(idx, labels, full, strict=True)]
        return f"{word} periods, {verb} of " + " + ".join(parts)

    def _horizon(self) -> str:
        return f"{self.P.labels[0]}–{self.P.labels[-1]}"

    def compare(self, comp: _Comparison) -> tuple[dict | None, str]:
        o = comp.first
        if o.region != WORLD and o.region not in self.regions:
            return None, f"region {o.region} is not in the model"
        if o.region == WORLD and o.measure != "mine_output":
            return None, "WORLD is only a region of mine output"
        comms = comp.commodity
        if o.measure != "mine_output":
            comms = tuple(c for c in comp.commodity if c in self.commodities)
            if not comms:
                return None, f"commodity {', '.join(comp.commodity)} is not in the model"
        fig = getattr(self, o.measure)(o, comms)
        if isinstance(fig, str):
            return None, fig
        ov = self.weights(o.span)
        ref = self.weights(o.reference_span) if o.relative_to else None
        if ov is None or (o.relative_to and ref is None):
            return None, f"outside the model's horizon {self._horizon()}"
        model = self.value(fig, ov)
        how = [fig[3]]
        if comms != comp.commodity and o.measure != "mine_output":
            how.append(f"of the observed {', '.join(comp.commodity)} the model has only these")
        if o.relative_to:
            base = self.value(fig, ref)
            model = model / base if base else math.nan
            a = self.prorate(ov, o.period, fig[2]) or o.period
            b = self.prorate(ref, o.relative_to, fig[2]) or o.relative_to
            how.append(f"ratio of {o.period} ({a}) to {o.relative_to} ({b})")
        else:
            txt = self.prorate(ov, o.period, fig[2])
            if txt:
                how.append(txt)
        if comp.how_observed:
            how.append(comp.how_observed)
        err = (model / comp.observed - 1.0) * 100.0 if comp.observed and not math.isnan(model) \
            else math.nan
        kind = o.measure + (" ratio" if o.relative_to else "")
        cites = list(dict.fromkeys(m.cite() for m in comp.members))
        shorts = list(dict.fromkeys(_short(m) for m in comp.members))
        grades = [m.confidence for m in comp.members] + (["EST"] if comp.how_observed and
                                                          "EST" in comp.how_observed else [])
        period = o.period + (f" / {o.relative_to}" if o.relative_to else "")
        return {"kind": kind, "series": comp.series, "label": comp.label,
                "what": _what(o, comp.commodity), "region": o.region,
                "period": period, "observed": comp.observed, "model": model, "error_pct": err,
                "unit": o.unit, "confidence": _weakest(grades), "source": "; ".join(cites),
                "source_short": "; ".join(shorts), "how": "; ".join(how),
                "note": comp.note}, ""

    # ---- the chart's lines --------------------------------------------------------------
    def lines(self, obs: list[Observation]) -> pd.DataFrame:
        """For each series observed in single months: the model's figure for every month from
        its first to its last observed month (what the chart draws as the model's line)."""
        out = []
        by_series: dict[str, list[Observation]] = {}
        for o in obs:
            s, e = o.span
            if e - s == 1 and not o.relative_to and o.measure in ("exports", "price"):
                by_series.setdefault(o.series, []).append(o)
        for sid, group in by_series.items():
            if len(group) < 2:
                continue
            o = group[0]
            if o.region not in self.regions or not all(c in self.commodities for c in o.commodity):
                continue
            fig = getattr(self, o.measure)(o, o.commodity)
            if isinstance(fig, str):
                continue
            first = min(g.span[0] for g in group)
            last = max(g.span[0] for g in group)
            for mth in range(first, last + 1):
                ov = self.weights((mth, mth + 1))
                if ov is not None:
                    out.append({"series": sid, "label": o.label, "month": label_of(mth, "month"),
                                "model": self.value(fig, ov), "unit": o.unit})
        return pd.DataFrame(out, columns=["series", "label", "month", "model", "unit"])


def _what(o: Observation, commodity: tuple[str, ...]) -> str:
    """A compact name for narrow tables: 'CHN ndfeb_magnet exports', 'mine output USA'."""
    if o.measure == "exports":
        to = f" to {o.partner}" if o.partner and o.partner != "all" else ""
        return f"{o.region} {'+'.join(commodity)} exports{to}"
    if o.measure == "price":
        return f"{commodity[0]} price {o.region}"
    if o.measure == "mine_output":
        return f"mine output {o.region}"
    return f"{o.region} imports: {o.partner} share"


def _short(o: Observation) -> str:
    """The publication in a few words: 'USGS Mineral Commodity Summaries 2026' → 'USGS MCS 2026'."""
    head = o.source.split(",")[0].split(" (")[0].strip()
    if len(head) > 30:
        words = head.split()
        initials = "".join(w[0] for w in words[1:] if w[0].isupper())
        tail = [w for w in words[1:] if w.isdigit()]
        head = " ".join([words[0], initials, *tail]).replace("  ", " ")
    return f"{head} ({o.published})" if o.published else head


def _weakest(grades: list[str]) -> str:
    order = ["High", "Med-High", "Med", "Low-Med", "Low", "EST"]
    return max(grades, key=order.index)


# ---- presentation --------------------------------------------------------------------------
def fmt(v: float, unit: str) -> str:
    """A figure as a reader wants it: tonnes whole, prices to 0.1, shares to 0.1 %, ratios 0.01."""
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "–"
    if unit == "ratio":
        return f"{v:,.2f}"
    if unit in ("%", "USD/kg"):
        return f"{v:,.1f}"
    return f"{v:,.0f}"


def fmt_error(v: float) -> str:
    return "–" if v is None or math.isnan(v) else f"{v:+,.0f} %"


def medians_line(bt: Backtest) -> str:
    med = bt.medians()
    if not med:
        return "No observation could be compared."
    parts = ", ".join(f"{k.replace('_', ' ')} {v:,.0f} %" for k, v in med.items())
    return f"Median |error| by kind: {parts}."


def left_out_line(bt: Backtest) -> str:
    if not bt.left_out:
        return "Every observation was compared."
    reasons: dict[str, int] = {}
    for x in bt.left_out:
        reasons[x["reason"]] = reasons.get(x["reason"], 0) + 1
    parts = "; ".join(f"{n} × {r}" for r, n in sorted(reasons.items(), key=lambda kv: -kv[1]))
    n = len(bt.left_out)
    return f"{n} observation{'s' if n != 1 else ''} left out: {parts}."


def markdown(bt: Backtest, scenario: str) -> str:
    """The back-test table as Markdown, for docs/dataset.md (scripts/backtest_table.py)."""
    lines = [f"Back-test of `{scenario}` (`rareflow backtest {scenario}`), worst first:", "",
             "| series | period | observed | model | error | unit | source |",
             "|---|---|---:|---:|---:|---|---|"]
    for r in bt.table.itertuples():
        lines.append(f"| {r.label} | {r.period} | {fmt(r.observed, r.unit)} | "
                     f"{fmt(r.model, r.unit)} | {fmt_error(r.error_pct)} | {r.unit} | "
                     f"{r.source_short} |")
    lines += ["", medians_line(bt), left_out_line(bt)]
    return "\n".join(lines) + "\n"


def figure_panels(bt: Backtest) -> tuple[list[tuple[str, pd.DataFrame]], list[str]]:
    """The figure's panels, top to bottom, and their titles: one line panel per monthly series
    ("line:SERIES", its monthly rows), then one bar panel per unit ("bar:UNIT"), units in the
    order of their kinds."""
    t = bt.table
    monthly = set(bt.lines["series"]) if len(bt.lines) else set()
    in_lines = t["series"].isin(monthly) & t["period"].str.fullmatch(r"\d{4}-\d{2}")
    rest = t[~in_lines]
    panels: list[tuple[str, pd.DataFrame]] = []
    for sid in dict.fromkeys(bt.lines["series"]) if len(bt.lines) else []:
        panels.append(("line:" + sid, t[in_lines & (t["series"] == sid)]))
    rank = {k: i for i, k in enumerate(KIND_ORDER)}
    units = sorted(dict.fromkeys(rest["unit"]),
                   key=lambda u: min(rank.get(k, 99) for k in rest.loc[rest["unit"] == u, "kind"]))
    for unit in units:
        panels.append(("bar:" + unit, rest[rest["unit"] == unit].sort_values(["what", "period"])))
    titles = []
    for key, df in panels:
        kind, what = key.split(":", 1)
        titles.append(bt.lines.loc[bt.lines["series"] == what, "label"].iloc[0] + " (t per month)"
                      if kind == "line" else
                      f"{', '.join(k.replace('_', ' ') for k in dict.fromkeys(df['kind']))} ({what})")
    return panels, titles


def figure(bt: Backtest, title: str = "Back-test: observed against the model") -> dict:
    """One Plotly figure (as a dict): monthly series as two lines (observed, model), every
    other kind as paired bars per unit; large ranges (prices, mine output) on log axes.

    Written as the dict that `make_subplots` + `add_scatter`/`add_bar` + `to_dict()` give (the
    same subplot domains, title annotations, typed arrays and default template; a test
    compares the two), without building Plotly's validated objects: they were a quarter of
    `rareflow backtest`'s time, for a figure of a dozen traces."""
    panels, titles = figure_panels(bt)
    if not panels:
        from plotly.subplots import make_subplots

        return make_subplots(rows=1, cols=1).update_layout(title=title).to_dict()
    data: list[dict] = []
    layout: dict = _subplot_layout(titles, vertical_spacing=0.08)
    for i, (key, df) in enumerate(panels, start=1):
        kind, what = key.split(":", 1)
        first = i == 1
        axes = {"xaxis": f"x{i if i > 1 else ''}", "yaxis": f"y{i if i > 1 else ''}"}
        if kind == "line":
            ln = bt.lines[bt.lines["series"] == what]
            df = df.sort_values("period")
            data.append({"legendgroup": "model", "line": {"color": "#1f77b4"}, "mode": "lines",
                         "name": "model", "showlegend": first, "x": _array(ln["month"]),
                         "y": _array(ln["model"]), "type": "scatter", **axes})
            data.append({"legendgroup": "observed", "line": {"color": "#d62728", "dash": "dot"},
                         "mode": "lines+markers", "name": "observed", "showlegend": first,
                         "x": _array(df["period"]), "y": _array(df["observed"]),
                         "type": "scatter", **axes})
            continue
        x = [f"{w} {per}" for w, per in zip(df["what"], df["period"], strict=True)]
        hover = [f"{lab}<br>error {fmt_error(e)}<br>{h}" for lab, e, h in
                 zip(df["label"], df["error_pct"], df["how"], strict=True)]
        for name, colour, col in (("observed", "#d62728", "observed"), ("model", "#1f77b4", "model")):
            data.append({"hovertext": hover, "legendgroup": name, "marker": {"color": colour},
                         "name": name, "showlegend": first, "x": x, "y": _array(df[col]),
                         "type": "bar", **axes})
        vals = pd.concat([df["observed"], df["model"]]).replace(0, np.nan).dropna()
        if len(vals) and vals.min() > 0 and vals.max() / vals.min() > 50:
            layout[f"yaxis{i if i > 1 else ''}"]["type"] = "log"
            layout["annotations"][i - 1]["text"] += ", log scale"
    layout.update(title={"text": title}, barmode="group", height=360 * len(panels),
                  paper_bgcolor="white", plot_bgcolor="white",
                  font={"family": "Inter, Segoe UI, Helvetica, Arial, sans-serif", "size": 12},
                  template=_default_template())
    return {"data": data, "layout": layout}


def _subplot_layout(titles: list[str], vertical_spacing: float) -> dict:
    """The layout `make_subplots(rows=len(titles), cols=1, subplot_titles=titles,
    vertical_spacing=...)` makes: the same arithmetic (plotly/_subplots.py, top row first), so
    the same floating-point domains."""
    rows = len(titles)
    heights = [(1.0 - vertical_spacing * (rows - 1)) / rows] * rows
    layout: dict = {"annotations": []}
    for r in range(rows):  # r = 0 is the top panel; plotly's grid counts rows from the bottom
        rr = rows - 1 - r
        y_s = sum(heights[:rr]) + rr * vertical_spacing
        y_e = y_s + heights[-1 - r]
        y_s, y_e = (min(max(v, 0.0), 1.0) if -0.01 < v < 1.01 else v for v in (y_s, y_e))
        layout["annotations"].append({"font": {"size": 16}, "showarrow": False, "text": titles[r],
                                      "x": 0.5, "xanchor": "center", "xref": "paper", "y": y_e,
                                      "yanchor": "bottom", "yref": "paper"})
        n = str(r + 1) if r else ""
        layout[f"xaxis{n}"] = {"anchor": f"y{n}", "domain": [0.0, 1.0]}
        layout[f"yaxis{n}"] = {"anchor": f"x{n}", "domain": [y_s, y_e]}
    return layout


def _array(s: pd.Series):
    """A column as Plotly's `to_dict()` holds it: numbers as a typed array (dtype + base64,
    what plotly.js reads), anything else as a numpy array."""
    import base64

    v = s.to_numpy()
    if v.dtype == np.float64 and v.size:
        return {"dtype": "f8", "bdata": base64.b64encode(np.ascontiguousarray(v)).decode("ascii")}
    if v.dtype.kind in "iuf" and v.size:
        from _plotly_utils.utils import to_typed_array_spec

        return to_typed_array_spec(v)
    return v


def _default_template() -> dict:
    """Plotly's default template as `to_dict()` writes it into a figure: the built-in one's
    JSON file read as it is (the validated template object is the same dict, slower)."""
    import json
    from pathlib import Path

    import plotly.io as pio

    name = pio.templates.default
    path = Path(pio.__file__).parent.parent / "package_data" / "templates" / f"{name}.json"
    if isinstance(name, str) and path.is_file():
        return json.loads(path.read_text())
    return pio.templates[name].to_plotly_json()
