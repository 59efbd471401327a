"""agreement: a minimum (and optional maximum) yearly volume between two regions.

Shortfalls and excesses are allowed at the breach cost, because real agreements are
renegotiated rather than physically enforced; `breach_cost: .inf` makes it binding.
"""

from __future__ import annotations

import math
from typing import Literal

import numpy as np
import pandas as pd

from ..errors import Problem
from ..model.types import Amount, Bound
from .base import PolicyBase, known


class Agreement(PolicyBase):
    type: Literal["agreement"]
    exporter: str
    importer: str
    commodity: str
    min: Amount = 0.0
    max: Bound | None = None
    breach_cost: Bound

    def check(self, scn, path):
        out = known("region", self.exporter, scn.regions, f"{path}.exporter")
        out += known("region", self.importer, scn.regions, f"{path}.importer")
        out += known("commodity", self.commodity, scn.commodities, f"{path}.commodity")
        if self.max is not None and self.max < self.min:
            out.append(Problem(f"{path}.max", f"max {self.max} is below min {self.min}",
                               "make max at least min, or drop max"))
        if not out and not any(
            r.from_ == self.exporter and r.to == self.importer and r.commodity == self.commodity
            for r in scn.routes
        ):
            out.append(Problem(path, f"no route carries {self.commodity} from {self.exporter} "
                               f"to {self.importer}",
                               "add that route under routes, or fix exporter/importer/commodity"))
        return out

    def apply(self, ctx) -> None:
        routes = ctx.match_routes(self.exporter, [self.commodity], [self.importer], None)
        t = np.flatnonzero(ctx.active(self.start, self.end))
        if len(t) == 0 or len(routes) == 0:
            return
        flows = ctx.route_cols[routes][:, t]  # routes × active periods
        length = ctx.periods.length[t]
        labels = pd.DataFrame({"policy": self.label(), "period": ctx.labels[t]})
        for side, volume, sign in (("min", self.min, 1.0), ("max", self.max, -1.0)):
            if volume is None or (side == "min" and volume == 0):
                continue
            # min:  Σ f + short ≥ min·len      max:  −Σ f + excess ≥ −max·len
            rows = ctx.lp.add_rows(f"agreement_{side}", labels.assign(side=side),
                                   sign * volume * length, np.inf)
            ctx.lp.add_coeffs(np.repeat(rows[None, :], len(routes), 0), flows, sign)
            if not math.isinf(self.breach_cost):
                slack = ctx.lp.add_cols(f"agreement_{'shortfall' if side == 'min' else 'excess'}",
                                        labels, 0.0, np.inf, self.breach_cost * ctx.disc[t])
                ctx.lp.add_coeffs(rows, slack, 1.0)
            ctx.row_owner(self, rows)
