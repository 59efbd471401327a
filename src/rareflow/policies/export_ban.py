"""export_ban: no exports of a commodity from one region to some (or all but some) others."""

from __future__ import annotations

from typing import Literal

from .routes_match import TradePolicy


class ExportBan(TradePolicy):
    type: Literal["export_ban"]

    def apply(self, ctx) -> None:
        mask = ctx.active(self.start, self.end)
        cols = ctx.route_cols[self.routes(ctx)][:, mask].ravel()
        ctx.lp.lb[cols] = 0.0
        ctx.lp.ub[cols] = 0.0
        ctx.bound_by(self, cols)
