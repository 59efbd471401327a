"""Distributions of a sweep: probability of a shortfall, expected unserved, CVaR-95, periods short.

All statistics weigh the N samples equally. CVaR at level α is the mean of the worst (1 − α)
share of outcomes, counting the sample on the boundary fractionally (Rockafellar–Uryasev):
with N = 40 and α = 0.95 it is the mean of the two largest; with N ≤ 20 it is the largest.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rareflow.analyze.shortfalls import share_of_demand


def cvar(values, alpha: float = 0.95, axis: int = 0) -> np.ndarray:
    """Mean of the worst (1 − α) tail of `values` along `axis` (larger = worse)."""
    v = np.asarray(values, dtype=float)
    v = np.moveaxis(v, axis, 0)
    n = v.shape[0]
    if n == 0:
        return np.full(v.shape[1:], np.nan)
    m = round(n * (1.0 - alpha), 9)  # tail mass in samples; rounding keeps 0.05 × 20 = 1 exact
    if m <= 0:
        return v.max(axis=0)
    k = int(np.floor(m))
    s = -np.sort(-v, axis=0)  # descending
    total = s[:k].sum(axis=0)
    if k < n and m > k:
        total = total + (m - k) * s[k]
    return total / m


def var(values, alpha: float = 0.95, axis: int = 0) -> np.ndarray:
    """The α-quantile (lower): the smallest value with at least α of the samples at or below it."""
    v = np.sort(np.moveaxis(np.asarray(values, dtype=float), axis, 0), axis=0)
    n = v.shape[0]
    if n == 0:  # every sample failed: no distribution to read
        return np.full(v.shape[1:], np.nan)
    k = max(int(np.ceil(round(alpha * n, 9))) - 1, 0)
    return v[min(k, n - 1)]


def _share(unserved_t: np.ndarray, requested_t: np.ndarray) -> np.ndarray:
    """Expected unserved ÷ expected requested, by the one definition of a share of demand
    (analyze/shortfalls.share_of_demand: same keys, the whole horizon); 0 without demand."""
    return np.array([share_of_demand(u, q) or 0.0 for u, q in zip(unserved_t, requested_t,
                                                                  strict=True)], dtype=float)


def group_summary(groups: list[tuple[str, ...]], unserved: np.ndarray, periods_short: np.ndarray,
                  requested: np.ndarray, tol: float, alpha: float = 0.95,
                  base: np.ndarray | None = None) -> pd.DataFrame:
    """One row per (region, sector, commodity): unserved (N, G) tonnes over the horizon per sample;
    `base` (G,) is the undisrupted case's unserved, to tell new shortfalls from standing ones."""
    short = unserved > tol
    base = np.zeros(len(groups)) if base is None else np.asarray(base, float)
    mean_req = requested.mean(axis=0) if len(requested) else np.zeros(len(groups))
    exp_un = unserved.mean(axis=0)
    share = _share(exp_un, mean_req)
    df = pd.DataFrame({
        "region": [g[0] for g in groups],
        "sector": [g[1] for g in groups],
        "commodity": [g[2] if len(g) > 2 else "" for g in groups],
        "p_shortfall": short.mean(axis=0),
        "p_worse_than_base": (unserved > base[None, :] + tol).mean(axis=0),
        "base_unserved_t": base,
        "expected_unserved_t": exp_un,
        "expected_extra_t": exp_un - base,
        f"var{round(alpha * 100)}_t": var(unserved, alpha),
        f"cvar{round(alpha * 100)}_t": cvar(unserved, alpha),
        "max_unserved_t": unserved.max(axis=0),
        "expected_periods_short": periods_short.mean(axis=0),
        "max_periods_short": periods_short.max(axis=0),
        "demand_t": mean_req,
        "expected_share_unserved": share,
    })
    return df


def sector_summary(groups: list[tuple[str, ...]], unserved: np.ndarray, requested: np.ndarray,
                   tol: float, alpha: float = 0.95) -> pd.DataFrame:
    """The same statistics with regions summed, one row per sector and commodity (tonnes of
    different commodities are never added)."""
    keys = sorted({(g[1], g[2] if len(g) > 2 else "") for g in groups})
    idx = {s: i for i, s in enumerate(keys)}
    M = np.zeros((len(groups), len(keys)))
    for j, g in enumerate(groups):
        M[j, idx[(g[1], g[2] if len(g) > 2 else "")]] = 1.0
    u = unserved @ M
    r = requested @ M
    exp_un = u.mean(axis=0)
    mean_req = r.mean(axis=0)
    share = _share(exp_un, mean_req)
    return pd.DataFrame({
        "sector": [k[0] for k in keys],
        "commodity": [k[1] for k in keys],
        "p_shortfall": (u > tol).mean(axis=0),
        "expected_unserved_t": exp_un,
        f"cvar{round(alpha * 100)}_t": cvar(u, alpha),
        "max_unserved_t": u.max(axis=0) if len(u) else np.nan,
        "demand_t": mean_req,
        "expected_share_unserved": share,
    })
