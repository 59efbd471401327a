"""capacity_change: an outage (factor 0), a derating or an expansion of a facility over dates.

For a facility with several recipes the change applies to their shared capacity row when it
exists, else to each recipe's activity bound.
"""

from __future__ import annotations

import numpy as np

from .base import RuleBuild


def apply(pol, b: RuleBuild) -> None:
    mask = b.active(pol.start, pol.end)
    for i in b.facility_rows(pol.facility):
        cols = b.fac_cols[i][mask]
        lb, ub = b.get_bounds(cols)
        ub = ub * pol.factor if pol.factor is not None else np.full(len(cols), pol.capacity) * b.length[mask]
        b.set_bounds(cols, lb=np.minimum(lb, ub), ub=ub, owner=pol)  # an outage overrides must-run
