"""Who runs short, in a series and in sentences, and where a picture of a run should open.

The share of demand unserved has ONE definition, here (`share_of_demand`): tonnes unserved ÷
tonnes requested, for the same region, sector and commodity and the same span of periods —
the whole horizon of the run unless a span is named. `run`, `explain`, `compare`, the sweep,
the report and the dashboard all use it, and every place says what it is a share of
("32% of IND's industrial NdFeB magnet demand in 2024–2035"). The horizon, not the periods
short, because a sweep knows only horizon totals, and a share whose denominator moves with
the shortfall cannot be compared between runs.

The report and the web page draw and tell shortfalls from these functions; "where to look
first" (the region and period that changed most against the base, else the worst shortfall)
is a judgement about the answer, so it is made here rather than in the drawing code.
"""

from __future__ import annotations

import pandas as pd

from rareflow.analyze.words import period_runs, share, span, tonnes
from rareflow.tolerances import SHOWN_T as EPS

KEYS = ["region", "sector", "commodity", "period"]


def share_of_demand(unserved_t: float, requested_t: float) -> float | None:
    """The one definition: unserved ÷ requested (same keys, same periods); None without demand."""
    return float(unserved_t) / float(requested_t) if requested_t > EPS else None


def share_words(unserved_t: float, requested_t: float, of: str, periods: str) -> str:
    """'32% of IND's industrial NdFeB magnet demand in 2024–2035' ('' without demand): the
    share with what it is a share of, so no figure stands without its denominator."""
    pct = share(unserved_t, requested_t) if share_of_demand(unserved_t, requested_t) is not None \
        else ""
    return f"{pct} of {of} in {periods}" if pct else ""


def demand_words(region: str, sector: str | None = None, commodity: str | None = None) -> str:
    """'IND's industrial ndfeb magnet demand': ids, which stay short where labels run long
    ("European Union (one group, incl. Germany)"); a sentence that has just named the demand
    by its labels says "of that demand" instead."""
    what = " ".join(x for x in (sector, commodity.replace("_", " ") if commodity else None) if x)
    return f"{region}'s {what + ' ' if what else ''}demand"


def shortfall_shares(r, region: str | None = None, periods=None) -> pd.DataFrame:
    """One row per region × sector × commodity that runs short: unserved t, requested t and the
    share over `periods` (default: the run's horizon), with `span` and the `text` that says what
    it is a share of. The figures `run` prints, the report shows and the API returns."""
    cols = ["region", "sector", "commodity", "span", "unserved_t", "requested_t", "share", "text"]
    un = r.table("unserved")
    if un.empty:
        return pd.DataFrame(columns=cols)
    un = un.assign(period=un["period"].astype(str))
    order = [str(p) for p in (periods or r.periods)]
    un = un[un["period"].isin(order)]
    if region:
        un = un[un["region"] == region]
    keys = ["region", "sector", "commodity"]
    g = un.groupby(keys, sort=False)[["amount", "requested"]].sum().reset_index()
    g = g[g["amount"] > EPS].sort_values("amount", ascending=False, kind="stable")
    when = span(order) if order else ""
    rows = []
    for row in g.itertuples(index=False):
        unserved, asked = float(row.amount), float(row.requested)
        rows.append((row.region, row.sector, row.commodity, when, unserved, asked,
                     share_of_demand(unserved, asked),
                     share_words(unserved, asked, demand_words(row.region, row.sector,
                                                               row.commodity), when)))
    return pd.DataFrame(rows, columns=cols)


def shortfall_series(r, region: str | None = None) -> pd.DataFrame:
    """Unserved t by (region, sector, commodity) × period, only groups with any shortfall."""
    un = r.table("unserved")
    if un.empty:
        return pd.DataFrame(columns=KEYS + ["amount"])
    if region:
        un = un[un["region"] == region]
    un = un.assign(period=un["period"].astype(str))
    g = un.groupby(KEYS, sort=False)["amount"].sum()
    g = g.reset_index()
    short = g.groupby(["region", "sector", "commodity"], sort=False)["amount"].transform("max")
    return g[short > EPS].reset_index(drop=True)


def shortfall_sentences(r, limit: int = 12) -> list[str]:
    """Plain statements of who runs short of what, when and by how much."""
    s = shortfall_series(r)
    if s.empty:
        return ["All demand is served in every period."]
    shares = shortfall_shares(r).set_index(["region", "sector", "commodity"])
    out = []
    groups = sorted(s.groupby(["region", "sector", "commodity"], sort=False),
                    key=lambda kv: -kv[1]["amount"].sum())
    for (reg, sec, c), g in groups[:limit]:
        hit = g[g["amount"] > EPS]
        total = float(hit["amount"].sum())
        of = share_words(shares.at[(reg, sec, c), "unserved_t"], shares.at[(reg, sec, c),
                         "requested_t"], "that demand", shares.at[(reg, sec, c), "span"]) \
            if (reg, sec, c) in shares.index else ""
        part = f" ({of})" if of else ""
        peak = hit.loc[hit["amount"].idxmax()]
        out.append(f"{r.region_label(reg)}'s {sec} demand for {r.commodity_label(c)} is short "
                   f"in {period_runs(hit['period'], r.periods)}: {tonnes(total, small=2)} in "
                   f"total{part}, worst in {peak['period']} "
                   f"({tonnes(float(peak['amount']), small=2)}).")
    if len(groups) > limit:
        out.append(f"… and {len(groups) - limit} more demands run short.")
    return out
