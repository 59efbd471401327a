"""Targets: shares a region wants to reach ("30 % of India's NdFeB made at home from 2030").

A target is a row with a slack priced at a very high penalty: when it can be met, the optimum
meets it; when it cannot, the slack shows in which periods and by how much, and the rows that
bind upstream say why (lead times, ore, separation capacity) — instead of "infeasible".
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import RuleBuild


def _slack(tg, b: RuleBuild, t, labels) -> np.ndarray:
    pen = tg.default_penalty(b.scenario)
    return b.add_cols("target_shortfall", labels, 0.0, np.inf, pen * b.disc[t])


def domestic_share(tg, b: RuleBuild) -> None:
    """Domestic output of `commodity` in `region` + slack ≥ `min` × the region's demand."""
    t = np.flatnonzero(b.active(tg.start, tg.end))
    d = b.demands
    sel = ((d["region"] == tg.region) & (d["commodity"] == tg.commodity)).to_numpy()
    need = b.demand_amount[sel].sum(axis=0)[t] * tg.min if sel.any() else np.zeros(len(t))
    t, need = t[need > 0], need[need > 0]
    if not len(t):
        return
    labels = pd.DataFrame({"target": tg.label(), "period": b.labels[t]})
    rows = b.add_rows("target", labels, need, np.inf, owner=tg)
    for cols, out in b.output_terms(tg.region, tg.commodity):
        b.add_coeffs(rows, cols[t], out)
    b.add_coeffs(rows, _slack(tg, b, t, labels), 1.0)


def import_share(tg, b: RuleBuild) -> None:
    """(1 − max)·f_origin − max·f_others − slack ≤ 0 over the region's imports."""
    t = np.flatnonzero(b.active(tg.start, tg.end))
    routes = b.match_routes(None, [tg.commodity], [tg.region], None)
    if not len(t) or not len(routes):
        return
    labels = pd.DataFrame({"target": tg.label(), "period": b.labels[t]})
    rows = b.add_rows("target", labels, -np.inf, 0.0, owner=tg)
    origin = b.routes["origin"].to_numpy()[routes] == tg.origin
    coef = np.where(origin, 1.0 - tg.max, -tg.max)
    b.add_coeffs(np.broadcast_to(rows, (len(routes), len(t))), b.route_cols[routes][:, t],
                 coef[:, None])
    b.add_coeffs(rows, _slack(tg, b, t, labels), -1.0)
