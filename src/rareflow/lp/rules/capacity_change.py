"""capacity_change: an outage (factor 0), a derating or an expansion of a facility over dates.

It changes the facility's total capacity wherever the assembler holds it (`facility_capacity`):
the activity bound of a single-process facility, the shared capacity row of one with several
recipes. An outage also overrides a must-run minimum.
"""

from __future__ import annotations

import numpy as np

from .base import RuleBuild


def apply(pol, b: RuleBuild) -> None:
    t = np.flatnonzero(b.active(pol.start, pol.end))
    lb, ub = b.facility_capacity(pol.facility)
    lb, ub = lb[t], ub[t]
    if pol.factor is not None:
        with np.errstate(invalid="ignore"):
            ub = np.where(np.isinf(ub) & (pol.factor == 0), 0.0, ub * pol.factor)
    else:
        ub = np.full(len(t), pol.capacity) * b.length[t]
    b.set_facility_capacity(pol.facility, t, lb=np.minimum(lb, ub), ub=ub, owner=pol)
