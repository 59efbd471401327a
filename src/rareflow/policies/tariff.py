"""tariff: an extra cost per tonne on the matching routes while it is in force."""

from __future__ import annotations

from typing import Literal

from ..model.types import Amount
from .base import PolicyBase, known


class Tariff(PolicyBase):
    type: Literal["tariff"]
    commodity: str | list[str]
    exporter: str | None = None
    importer: str | None = None
    rate: Amount

    def commodities(self) -> list[str]:
        return [self.commodity] if isinstance(self.commodity, str) else list(self.commodity)

    def check(self, scn, path):
        out = []
        for key in ("exporter", "importer"):
            if getattr(self, key) is not None:
                out += known("region", getattr(self, key), scn.regions, f"{path}.{key}")
        for c in self.commodities():
            out += known("commodity", c, scn.commodities, f"{path}.commodity")
        return out

    def apply(self, ctx) -> None:
        to = [self.importer] if self.importer else None
        routes = ctx.match_routes(self.exporter, self.commodities(), to, None)
        mask = ctx.active(self.start, self.end)
        cols = ctx.route_cols[routes][:, mask]
        ctx.lp.cost[cols] += self.rate * ctx.disc[mask][None, :]
        ctx.bound_by(self, cols.ravel())
