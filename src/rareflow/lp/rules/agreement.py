"""agreement: a minimum (and optional maximum) yearly volume between two regions.

Shortfalls and excesses are allowed at the breach cost (a slack column per period), because
real agreements are renegotiated rather than physically enforced; `breach_cost: .inf` makes
the row binding.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd

from .base import RuleBuild


def apply(pol, b: RuleBuild) -> None:
    routes = b.match_routes(pol.exporter, [pol.commodity], [pol.importer], None)
    t = np.flatnonzero(b.active(pol.start, pol.end))
    if len(t) == 0 or len(routes) == 0:
        return
    flows = b.route_cols[routes][:, t]  # routes × active periods
    length = b.length[t]
    labels = pd.DataFrame({"policy": pol.label(), "period": b.labels[t]})
    for side, volume, sign in (("min", pol.min, 1.0), ("max", pol.max, -1.0)):
        if volume is None or (side == "min" and volume == 0):
            continue
        # min:  Σ f + short ≥ min·len      max:  −Σ f + excess ≥ −max·len
        rows = b.add_rows(f"agreement_{side}", labels.assign(side=side), sign * volume * length,
                          np.inf, owner=pol)
        b.add_coeffs(np.repeat(rows[None, :], len(routes), 0), flows, sign)
        if not math.isinf(pol.breach_cost):
            slack = b.add_cols(f"agreement_{'shortfall' if side == 'min' else 'excess'}",
                               labels, 0.0, np.inf, pol.breach_cost * b.disc[t])
            b.add_coeffs(rows, slack, 1.0)
