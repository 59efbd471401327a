"""no_transit: material from a restricted exporter may not reach the measure's destinations
through a third country (DESIGN, "No transit").

In 2025 an overlay banning China's magnet exports to Japan at monthly resolution was bypassed
by shipping Chinese magnets to the US and re-exporting them to Japan: routes are links, and an
LP launders freely through any node. With `no_transit: true` on an export_ban, export_quota or
export_licence of exporter X on commodity c with destinations D (the `to` list, or every
region but X and the `except` list), in each period t of the measure and for every region
Y ≠ X:

    Σ_{d∈D, d≠Y} f[Y→d, c, t] ≤ output of c made in Y in t + Σ_{Z≠X} f[Z→Y, c, t]

A third country may still send its own output (and what it imports from elsewhere) to D; its
stock draws do not count on the right, so a stock cannot launder X's material either. One row
per region, commodity and period, owned by the policy (kind `no_transit`), so explanations and
the transit table can name it.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import RuleBuild

KIND = "no_transit"


def apply(pol, b: RuleBuild) -> None:
    """Add the no-transit rows of a trade measure that asks for them (`no_transit: true`)."""
    if not getattr(pol, "no_transit", False):
        return
    t = np.flatnonzero(b.active(pol.start, pol.end))
    if not len(t):
        return
    x = pol.exporter
    dests = pol.destinations(list(b.scenario.regions))
    origin = b.routes["origin"].to_numpy()
    dest = b.routes["destination"].to_numpy()
    comm = b.routes["commodity"].to_numpy()
    for c in pol.commodities():
        of_c = comm == c
        for y in b.scenario.regions:
            if y == x:
                continue
            out = np.flatnonzero(of_c & (origin == y) & np.isin(dest, dests) & (dest != y))
            if not len(out):
                continue  # Y sends nothing to D: nothing to launder
            inflow = np.flatnonzero(of_c & (dest == y) & (origin != x))
            labels = pd.DataFrame({"policy": pol.label(), "exporter": x, "region": y,
                                   "commodity": c, "period": b.labels[t]})
            rows = b.add_rows(KIND, labels, -np.inf, 0.0, owner=pol)
            b.add_coeffs(np.broadcast_to(rows, (len(out), len(t))), b.route_cols[out][:, t], 1.0)
            if len(inflow):
                b.add_coeffs(np.broadcast_to(rows, (len(inflow), len(t))),
                             b.route_cols[inflow][:, t], -1.0)
            for cols, coef in b.output_terms(y, c):
                b.add_coeffs(rows, cols[t], -coef)
