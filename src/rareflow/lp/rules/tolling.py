"""tolling: a partner converts the owner's material at reserved capacity and returns the product.

One column per period: tonnes of `output` delivered back to the owner. It draws `ratio` t of
`input` from the owner's balance and adds 1 t of `output` to it; the owner pays `fee` (+
`transport_cost`) per tonne of output. If `facility` names the partner's plant, the reserved
capacity is taken out of that plant's own capacity (reserved, so unavailable to others); for
a plant with several recipes, out of their shared capacity, in units of the recipe that turns
`input` into `output`.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from .base import RuleBuild


def apply(pol, b: RuleBuild) -> None:
    mask = b.active(pol.start, pol.end)
    ratio, per_act = pol.per_output(b.scenario)
    reserved = np.where(mask, pol.capacity * b.length, 0.0)
    labels = pd.DataFrame({"policy": pol.label(), "owner": pol.owner, "partner": pol.partner,
                           "period": b.labels})
    cols = b.add_cols("tolled", labels, 0.0, reserved, (pol.fee + pol.transport_cost) * b.disc)
    b.add_balance(b.balance_keys([pol.owner], [pol.input])[0], cols, -ratio)
    b.add_balance(b.balance_keys([pol.owner], [pol.output])[0], cols, 1.0)
    b.set_bounds(cols, owner=pol)
    if per_act is not None and np.isfinite(pol.capacity):
        lb, ub = b.facility_capacity(pol.facility)  # the plant's total (all its recipes)
        ub = np.maximum(ub - reserved * per_act, 0.0)
        every = np.ones(b.T, dtype=bool)
        b.set_facility_capacity(pol.facility, every, lb=np.minimum(lb, ub), ub=ub)
        b.set_facility_capacity(pol.facility, mask, owner=pol)
