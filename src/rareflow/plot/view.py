"""Where a picture of a run should open, and why, in words the report prints.

With a base run: the region and period where the answer changes most against it — first in
unserved demand, else in trade (a halted route and the routes that replace it), else in
production. Alone: where the most demand goes unserved, else the largest demand. The region is
the one with the largest change over the whole horizon; the period, that region's largest.
"""

from __future__ import annotations

import pandas as pd

from rareflow.analyze.words import tonnes
from rareflow.plot.common import EPS
from rareflow.plot.labels import Names


def _signed(v: float) -> str:
    return ("+" if v > 0 else "−") + tonnes(abs(v))


def _pick(scores: pd.DataFrame) -> tuple[str, str] | None:
    """scores: region, period, score → (region with the largest total, its largest period)."""
    if scores.empty:
        return None
    by_region = scores.groupby("region")["score"].sum()
    if not len(by_region) or by_region.max() <= EPS:
        return None
    reg = str(by_region.idxmax())
    mine = scores[scores["region"] == reg].groupby("period", sort=False)["score"].sum()
    return reg, str(mine.idxmax())


def _unserved(r) -> pd.DataFrame:
    un = r.table("unserved")
    if un.empty:
        return pd.DataFrame(columns=["region", "sector", "commodity", "period", "amount"])
    un = un.assign(period=un["period"].astype(str))
    return un.groupby(["region", "sector", "commodity", "period"])["amount"].sum().reset_index()


def _periods_in(r, df: pd.DataFrame) -> pd.DataFrame:
    return df[df["period"].isin(r.periods)]


def default_view(r, base=None) -> tuple[str | None, str | None, str]:
    """(region, period, reason): where to look first in result `r` (against `base` if given),
    and a sentence saying why, e.g. "Japan in 2026: the largest change against
    baseline-2024 — trade, −1,000 t of Mixed rare-earth compound from India"."""
    names = Names(r.scenario)
    if not r.periods:
        return None, None, ""
    if base is not None:
        keys = ["region", "sector", "commodity", "period"]
        d = _unserved(r).set_index(keys)["amount"].sub(_unserved(base).set_index(keys)["amount"],
                                                       fill_value=0.0).reset_index()
        d = _periods_in(r, d)
        got = _pick(d.assign(score=d["amount"].abs()))
        if got:
            reg, per = got
            here = d[(d["region"] == reg) & (d["period"] == per)]
            total = float(here["amount"].sum())
            top = here.loc[here["amount"].abs().idxmax()]
            return reg, per, (f"{names.r(reg)} in {per}: the largest change in unserved demand "
                              f"against {base.name}, {_signed(total)} (most of it "
                              f"{names.s(top['sector'])} demand for {names.c(top['commodity'])})")
        keys = ["origin", "destination", "commodity", "period"]

        def flows(x) -> pd.Series:
            f = x.table("flows")
            if f.empty:
                return pd.Series(dtype=float)
            f = f.assign(period=f["period"].astype(str))
            return f.groupby(keys)["amount"].sum()

        moved = flows(r).sub(flows(base), fill_value=0.0).reset_index()
        if len(moved):
            moved = _periods_in(r, moved.rename(columns={0: "amount"}))
            both = pd.concat([moved.assign(region=moved["origin"]),
                              moved.assign(region=moved["destination"])])
            got = _pick(both.assign(score=both["amount"].abs()))
            if got:
                reg, per = got
                here = both[(both["region"] == reg) & (both["period"] == per)]
                top = here.loc[here["amount"].abs().idxmax()]
                other = top["origin"] if top["destination"] == reg else top["destination"]
                way = "from" if top["destination"] == reg else "to"
                return reg, per, (f"{names.r(reg)} in {per}: the largest change in trade against "
                                  f"{base.name}, {_signed(float(top['amount']))} of "
                                  f"{names.c(top['commodity'])} {way} {names.r(other)}")
    un = _periods_in(r, _unserved(r))
    got = _pick(un.assign(score=un["amount"]))
    if got:
        reg, per = got
        here = un[(un["region"] == reg) & (un["period"] == per)]
        top = here.loc[here["amount"].idxmax()]
        why = f"{names.r(reg)} in {per}: the largest shortfall, {tonnes(float(here['amount'].sum()))} " \
              f"unserved (most of it {names.s(top['sector'])} demand for " \
              f"{names.c(top['commodity'])})"
        if base is not None:
            why += f"; nothing changes against {base.name}"
        return reg, per, why
    req = r.table("unserved")
    reg = None
    if not req.empty:
        tot = req.groupby("region")["requested"].sum()
        if len(tot) and tot.max() > EPS:
            reg = str(tot.idxmax())
    per = r.periods[0]
    if reg is None:
        return None, per, f"All regions in {per}: no demand in this scenario"
    return reg, per, (f"{names.r(reg)} in {per}: all demand is served; {names.r(reg)} asks "
                      "for the most")
