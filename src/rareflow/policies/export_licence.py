"""export_licence: exports need licences, granted for an approved volume per destination.

China's April 2025 measure (MOFCOM Announcement No. 18) is a licensing regime, not a ban: the
approved volume is a share of a reference period's flow to each destination, or a fixed cap.
`rolling: true` makes the reference the period just before (a squeeze that compounds).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
import pandas as pd
from pydantic import model_validator

from ..errors import Problem
from ..model.periods import parse_key
from ..model.types import Bound, Fraction, PeriodKey
from .routes_match import TradePolicy


class ExportLicence(TradePolicy):
    type: Literal["export_licence"]
    share: Fraction | None = None
    cap: Bound | None = None
    reference: PeriodKey | None = None
    rolling: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> ExportLicence:
        if (self.share is None) == (self.cap is None):
            raise ValueError("give exactly one of 'share' (of the reference flow) and 'cap' (t/yr) "
                             "| e.g. share: 0.3 for licences covering 30 % of last year's volume")
        return self

    def check(self, scn, path):
        out = super().check(scn, path)
        if self.share is not None and not self.rolling:
            from ..model.validate import make_periods

            P = make_periods(scn)
            ref = self._reference_index(P)
            if ref is None or ref < 0:
                out.append(Problem(f"{path}.reference", "the reference period is not inside the "
                                   f"horizon ({P.labels[0]}–{P.labels[-1]})",
                                   "set 'reference' to a period in the horizon before 'start', or "
                                   "use 'cap' instead of 'share'"))
        return out

    def _reference_index(self, P) -> int | None:
        if self.reference is not None:
            m = parse_key(self.reference)[0]
            hits = np.flatnonzero(P.start == m)
            return int(hits[0]) if len(hits) else None
        first = int(np.argmax(P.mask(self.start, self.end)))
        return first - 1

    def apply(self, ctx) -> None:
        routes = self.routes(ctx)
        t = np.flatnonzero(ctx.active(self.start, self.end))
        if not len(routes) or not len(t):
            return
        dests = ctx.routes["destination"].to_numpy()[routes]
        ref = None if self.rolling or self.share is None else self._reference_index(ctx.periods)
        for d in sorted(set(dests)):
            rs = routes[dests == d]
            tt = t[t > 0] if (self.rolling and self.share is not None) else t
            if not len(tt):
                continue
            labels = pd.DataFrame({"policy": self.label(), "destination": d,
                                   "period": ctx.labels[tt]})
            if self.cap is not None:
                rows = ctx.lp.add_rows("export_licence", labels, -np.inf, self.cap * ctx.length[tt])
            else:
                rows = ctx.lp.add_rows("export_licence", labels, -np.inf, 0.0)
                prev = tt - 1 if ref is None else np.full(len(tt), ref)
                ctx.lp.add_coeffs(np.broadcast_to(rows, (len(rs), len(tt))),
                                  ctx.route_cols[rs][:, prev], -self.share)
            ctx.lp.add_coeffs(np.broadcast_to(rows, (len(rs), len(tt))), ctx.route_cols[rs][:, tt], 1.0)
            ctx.row_owner(self, rows)
