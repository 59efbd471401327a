"""export_ban: no exports of a commodity from one region to some (or all but some) others."""

from __future__ import annotations

from typing import Literal

from pydantic import Field

from .base import PolicyBase, known


class ExportBan(PolicyBase):
    type: Literal["export_ban"]
    exporter: str
    commodity: str | list[str]
    to: list[str] | None = None
    except_: list[str] | None = Field(default=None, alias="except")

    def commodities(self) -> list[str]:
        return [self.commodity] if isinstance(self.commodity, str) else list(self.commodity)

    def check(self, scn, path):
        out = known("region", self.exporter, scn.regions, f"{path}.exporter")
        for i, c in enumerate(self.commodities()):
            sub = f"{path}.commodity" + (f"[{i}]" if isinstance(self.commodity, list) else "")
            out += known("commodity", c, scn.commodities, sub)
        for key, regions in (("to", self.to), ("except", self.except_)):
            for i, r in enumerate(regions or []):
                out += known("region", r, scn.regions, f"{path}.{key}[{i}]")
        return out

    def apply(self, ctx) -> None:
        routes = ctx.match_routes(self.exporter, self.commodities(), self.to, self.except_)
        mask = ctx.active(self.start, self.end)
        cols = ctx.route_cols[routes][:, mask].ravel()
        ctx.lp.lb[cols] = 0.0
        ctx.lp.ub[cols] = 0.0
        ctx.bound_by(self, cols)
