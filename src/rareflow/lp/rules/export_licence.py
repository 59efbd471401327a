"""export_licence: approved volumes per destination (a cap, or a share of a reference flow)."""

from __future__ import annotations

import numpy as np
import pandas as pd

from rareflow.scenario.policies.export_licence import reference_index

from .base import RuleBuild
from .routes import trade_routes
from .transit import apply as no_transit


def apply(pol, b: RuleBuild) -> None:
    """Per destination and period: Σ flows ≤ cap × length, or ≤ share × the reference flow
    (as a rate per year, scaled by this period's length)."""
    no_transit(pol, b)  # rows only with `no_transit: true`
    routes = trade_routes(pol, b)
    t = np.flatnonzero(b.active(pol.start, pol.end))
    if not len(routes) or not len(t):
        return
    dests = b.routes["destination"].to_numpy()[routes]
    ref = None if pol.rolling or pol.share is None else reference_index(pol, b.periods)
    for d in sorted(set(dests)):
        rs = routes[dests == d]
        tt = t[t > 0] if (pol.rolling and pol.share is not None) else t
        if not len(tt):
            continue
        labels = pd.DataFrame({"policy": pol.label(), "destination": d, "period": b.labels[tt]})
        if pol.cap is not None:
            rows = b.add_rows("export_licence", labels, -np.inf, pol.cap * b.length[tt], owner=pol)
        else:
            rows = b.add_rows("export_licence", labels, -np.inf, 0.0, owner=pol)
            prev = tt - 1 if ref is None else np.full(len(tt), ref)
            # a share of the reference's rate: × len[t] / len[ref] (1 with equal periods), so a
            # month's flow read as the reference of a year counts twelve times
            scale = b.length[tt] / b.length[prev]
            b.add_coeffs(np.broadcast_to(rows, (len(rs), len(tt))), b.route_cols[rs][:, prev],
                         -pol.share * scale[None, :])
        b.add_coeffs(np.broadcast_to(rows, (len(rs), len(tt))), b.route_cols[rs][:, tt], 1.0)
