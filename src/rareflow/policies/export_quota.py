"""export_quota: a yearly cap on the sum of an exporter's matching routes."""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd

from ..model import series
from ..model.types import BoundSeries
from .routes_match import TradePolicy


class ExportQuota(TradePolicy):
    type: Literal["export_quota"]
    cap: BoundSeries

    def apply(self, ctx) -> None:
        routes = self.routes(ctx)
        t = np.flatnonzero(ctx.active(self.start, self.end))
        cap = series.values(self.cap, ctx.periods)[t] * ctx.length[t]
        keep = np.isfinite(cap)
        t, cap = t[keep], cap[keep]
        if not len(t):
            return
        labels = pd.DataFrame({"policy": self.label(), "period": ctx.labels[t]})
        rows = ctx.lp.add_rows("export_quota", labels, -np.inf, cap)
        if len(routes):
            ctx.lp.add_coeffs(np.broadcast_to(rows, (len(routes), len(t))),
                              ctx.route_cols[routes][:, t], 1.0)
        ctx.row_owner(self, rows)
