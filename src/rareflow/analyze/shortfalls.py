"""Who runs short, in a series and in sentences, and where a picture of a run should open.

The report and the web page draw and tell shortfalls from these functions; "where to look
first" (the region and period that changed most against the base, else the worst shortfall)
is a judgement about the answer, so it is made here rather than in the drawing code.
"""

from __future__ import annotations

import pandas as pd

from rareflow.analyze.words import period_runs, tonnes
from rareflow.tolerances import SHOWN_T as EPS

KEYS = ["region", "sector", "commodity", "period"]


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
    un = r.table("unserved").assign(period=lambda d: d["period"].astype(str))
    out = []
    groups = sorted(s.groupby(["region", "sector", "commodity"], sort=False),
                    key=lambda kv: -kv[1]["amount"].sum())
    for (reg, sec, c), g in groups[:limit]:
        hit = g[g["amount"] > EPS]
        total = float(hit["amount"].sum())
        req = un[(un["region"] == reg) & (un["sector"] == sec) & (un["commodity"] == c)
                 & un["period"].isin(hit["period"])]["requested"].sum()
        share = f" ({100 * total / req:.0f} % of what was asked)" if req > EPS else ""
        peak = hit.loc[hit["amount"].idxmax()]
        out.append(f"{r.region_label(reg)}'s {sec} demand for {r.commodity_label(c)} is short "
                   f"in {period_runs(hit['period'], r.periods)}: {tonnes(total, small=2)} in "
                   f"total{share}, worst in {peak['period']} "
                   f"({tonnes(float(peak['amount']), small=2)}).")
    if len(groups) > limit:
        out.append(f"… and {len(groups) - limit} more demands run short.")
    return out


def default_region(r, base=None) -> str | None:
    """The region worth showing first: the biggest change in unserved demand against the
    base, else the biggest shortfall, else the biggest demand."""
    a = shortfall_series(r).groupby("region")["amount"].sum()
    if base is not None:
        b = shortfall_series(base).groupby("region")["amount"].sum()
        d = a.sub(b, fill_value=0.0).abs()
        if len(d) and d.max() > EPS:
            return str(d.idxmax())
        fa, fb = r.table("flows"), base.table("flows")
        if not fa.empty and not fb.empty:  # no shortfall changes: where the biggest reroute lands
            keys = ["destination", "origin", "commodity"]
            moved = fa.groupby(keys)["amount"].sum().sub(fb.groupby(keys)["amount"].sum(),
                                                         fill_value=0.0).abs()
            if len(moved) and moved.max() > EPS:
                return str(moved.idxmax()[0])
    if len(a) and a.max() > EPS:
        return str(a.idxmax())
    un = r.table("unserved")
    if not un.empty:
        req = un.groupby("region")["requested"].sum()
        if len(req) and req.max() > EPS:
            return str(req.idxmax())
    return None


def default_period(r, base=None) -> str | None:
    """The period worth showing first: the biggest change against the base, else the biggest
    shortfall, else the first period."""
    periods = r.periods
    if not periods:
        return None
    a = shortfall_series(r).groupby("period")["amount"].sum()
    if base is not None:
        b = shortfall_series(base).groupby("period")["amount"].sum()
        d = a.sub(b, fill_value=0.0).abs()
        if len(d) and d.max() > EPS:
            return str(d.idxmax())
        fa, fb = r.table("flows"), base.table("flows")
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
