"""export_quota: a yearly cap on the sum of an exporter's matching routes."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rareflow.scenario import series

from .base import RuleBuild
from .routes import trade_routes
from .transit import apply as no_transit


def apply(pol, b: RuleBuild) -> None:
    """One row per period: Σ covered flows ≤ cap × length."""
    no_transit(pol, b)  # rows only with `no_transit: true`
    routes = trade_routes(pol, b)
    t = np.flatnonzero(b.active(pol.start, pol.end))
    cap = series.values(pol.cap, b.periods)[t] * b.length[t]
    keep = np.isfinite(cap)
    t, cap = t[keep], cap[keep]
    if not len(t):
        return
    labels = pd.DataFrame({"policy": pol.label(), "period": b.labels[t]})
    rows = b.add_rows("export_quota", labels, -np.inf, cap, owner=pol)
    if len(routes):
        b.add_coeffs(np.broadcast_to(rows, (len(routes), len(t))), b.route_cols[routes][:, t], 1.0)
