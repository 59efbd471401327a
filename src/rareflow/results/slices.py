"""Demand tiers and stock levels in the result tables (DESIGN, "What real shocks need").

A tiered demand has one unserved column per slice; the `unserved` table keeps one row per
demand and period (the slices summed), so that every shortfall table downstream reads as
before, and `unserved_tiers` shows the split. A stock's table gains its floor, what was drawn
in each period, and the final level the horizon must end at.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

TIER_LABELS = ["tier", "share", "priority", "slice"]


def unserved_per_demand(df: pd.DataFrame) -> pd.DataFrame:
    """The unserved table with each demand's tier slices added into its own row."""
    if "tier" not in df.columns:
        return df
    tiered = df["tier"].notna()
    base = df.loc[~tiered].drop(columns=[c for c in TIER_LABELS if c in df.columns])
    extra = df.loc[tiered].groupby(["demand", "period"], sort=False)["amount"].sum()
    key = pd.MultiIndex.from_arrays([base["demand"], base["period"]])
    base = base.reset_index(drop=True)
    base["amount"] = base["amount"].to_numpy() + extra.reindex(key).fillna(0.0).to_numpy()
    return base


def unserved_tiers(model, df: pd.DataFrame) -> pd.DataFrame:
    """demand, region, commodity, sector, period, tier, share, priority, size, amount: one row
    per slice and period. Tier 0 is the rest of the amount, at the demand's own priority;
    tiers 1, 2, … are those the file lists, in its order."""
    cols = ["demand", "region", "commodity", "sector", "period", "tier", "share", "priority",
            "size", "amount"]
    if not len(df):
        return pd.DataFrame(columns=cols)
    dem = {d.id: d for d in model.scenario.demands}
    if "tier" not in df.columns:
        df = df.assign(tier=np.nan, share=np.nan, priority=np.nan, slice=np.nan)
    rest = df["tier"].isna()
    out = df.copy()
    out.loc[rest, "tier"] = 0
    out.loc[rest, "share"] = [dem[d].rest_share() for d in df.loc[rest, "demand"]]
    out.loc[rest, "priority"] = [dem[d].priority for d in df.loc[rest, "demand"]]
    out.loc[rest, "slice"] = df.loc[rest, "requested"].to_numpy() * out.loc[rest, "share"]
    out["tier"] = out["tier"].astype(int)
    out = out.rename(columns={"slice": "size"})
    order = {"period": {p: i for i, p in enumerate(model.periods.labels)},
             "demand": {d: i for i, d in enumerate(dem)}}  # the file's order, as `unserved`
    out = out.sort_values(["demand", "period", "tier"], key=lambda s: s.map(order[s.name])
                          if s.name in order else s, kind="stable")
    return out[cols].reset_index(drop=True)


def stock_levels(model, df: pd.DataFrame) -> pd.DataFrame:
    """The stocks table with `floor` (t, the `minimum` in force), `draw` (t taken out in the
    period: the previous level minus this one; negative when it is filled) and `final` (the
    level the horizon must end at, on the last period's row; NaN elsewhere or without one)."""
    if not len(df):
        return df
    b = model.build
    T = b.T
    df = df.copy()
    df["floor"] = b.stock_floor.ravel()
    level = df["level"].to_numpy().reshape(-1, T)
    init = np.array([s.initial for s in model.scenario.stocks])
    prev = np.hstack([init[:, None], level[:, :-1]])
    df["draw"] = _clean(prev - level).ravel()
    final = np.full(level.shape, np.nan)
    has = np.array([s.final is not None for s in model.scenario.stocks])
    final[has, -1] = b.stock_final[has]
    df["final"] = final.ravel()
    return df


def _clean(v: np.ndarray) -> np.ndarray:
    return np.where(np.abs(v) < 1e-9, 0.0, v) + 0.0
