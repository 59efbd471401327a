"""capacity_change: an outage (factor 0), a derating or an expansion of a facility over dates."""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from ..model.types import Amount, Bound
from .base import PolicyBase, known


class CapacityChange(PolicyBase):
    type: Literal["capacity_change"]
    facility: str
    factor: Amount | None = None
    capacity: Bound | None = None

    @model_validator(mode="after")
    def _one_of(self) -> CapacityChange:
        if (self.factor is None) == (self.capacity is None):
            raise ValueError("give exactly one of 'factor' and 'capacity' | e.g. factor: 0 for "
                             "an outage, or capacity: 5000 (t/yr)")
        return self

    def check(self, scn, path):
        return known("facility", self.facility, {f.id for f in scn.facilities}, f"{path}.facility")

    def apply(self, ctx) -> None:
        i = int(np.flatnonzero(ctx.facilities["facility"].to_numpy() == self.facility)[0])
        mask = ctx.active(self.start, self.end)
        cols = ctx.fac_cols[i][mask]
        if self.factor is not None:
            ub = ctx.lp.ub[cols] * self.factor
        else:
            ub = np.full(len(cols), self.capacity) * ctx.length[mask]
        ctx.lp.ub[cols] = ub
        ctx.lp.lb[cols] = np.minimum(ctx.lp.lb[cols], ub)  # an outage overrides a must-run level
        ctx.bound_by(self, cols)
