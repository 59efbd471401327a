"""Targets: shares a region wants to reach ("30 % of India's NdFeB made at home from 2030").

A target is a row with a slack priced at a very high penalty: when it can be met, the optimum
meets it; when it cannot, the slack shows in which periods and by how much, and the rows that
bind upstream say why (lead times, ore, separation capacity) — instead of "infeasible".
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

import numpy as np
import pandas as pd
from pydantic import Field

from ..model.types import Amount, Fraction
from .base import PolicyBase, known


class _Target(PolicyBase):
    penalty: Amount | None = None  # per tonne short; default: far above every other price

    def default_penalty(self, scn) -> float:
        worst = max([d.priority for d in scn.demands] + [1.0])
        return self.penalty if self.penalty is not None else max(1e6, 100.0 * worst)

    def _slack(self, ctx, t, labels):
        pen = self.default_penalty(ctx.scenario)
        return ctx.lp.add_cols("target_shortfall", labels, 0.0, np.inf, pen * ctx.disc[t])


class DomesticShare(_Target):
    """Domestic output of `commodity` in `region` ≥ `min` × the region's demand for it."""

    type: Literal["domestic_share"]
    region: str
    commodity: str
    min: Fraction

    def describe(self) -> str:
        return f"{self.region} domestic share of {self.commodity} demand ≥ {self.min:.0%}"

    def check(self, scn, path):
        return known("region", self.region, scn.regions, f"{path}.region") + \
            known("commodity", self.commodity, scn.commodities, f"{path}.commodity")

    def apply(self, ctx) -> None:
        t = np.flatnonzero(ctx.active(self.start, self.end))
        d = ctx.demands
        sel = ((d["region"] == self.region) & (d["commodity"] == self.commodity)).to_numpy()
        need = ctx.demand_amount[sel].sum(axis=0)[t] * self.min if sel.any() else np.zeros(len(t))
        t, need = t[need > 0], need[need > 0]
        if not len(t):
            return
        labels = pd.DataFrame({"target": self.label(), "period": ctx.labels[t]})
        rows = ctx.lp.add_rows("target", labels, need, np.inf)
        for frame, cols in ((ctx.facilities, ctx.fac_cols), (ctx.candidates, ctx.cand_cols)):
            for i, (reg, proc) in enumerate(zip(frame["region"], frame["process"], strict=True)):
                out = ctx.scenario.processes[proc].outputs.get(self.commodity)
                if reg == self.region and out:
                    ctx.lp.add_coeffs(rows, cols[i][t], out)
        ctx.lp.add_coeffs(rows, self._slack(ctx, t, labels), 1.0)
        ctx.row_owner(self, rows)


class ImportShare(_Target):
    """Imports of `commodity` into `region` from `origin` ≤ `max` × all its imports of it."""

    type: Literal["import_share"]
    region: str
    commodity: str
    origin: str
    max: Fraction

    def describe(self) -> str:
        return (f"{self.region} imports of {self.commodity} from {self.origin} ≤ {self.max:.0%} "
                "of its imports")

    def check(self, scn, path):
        return known("region", self.region, scn.regions, f"{path}.region") + \
            known("region", self.origin, scn.regions, f"{path}.origin") + \
            known("commodity", self.commodity, scn.commodities, f"{path}.commodity")

    def apply(self, ctx) -> None:
        t = np.flatnonzero(ctx.active(self.start, self.end))
        routes = ctx.match_routes(None, [self.commodity], [self.region], None)
        if not len(t) or not len(routes):
            return
        labels = pd.DataFrame({"target": self.label(), "period": ctx.labels[t]})
        # (1 − max)·f_origin − max·f_others − slack ≤ 0
        rows = ctx.lp.add_rows("target", labels, -np.inf, 0.0)
        origin = ctx.routes["origin"].to_numpy()[routes] == self.origin
        coef = np.where(origin, 1.0 - self.max, -self.max)
        ctx.lp.add_coeffs(np.broadcast_to(rows, (len(routes), len(t))),
                          ctx.route_cols[routes][:, t], coef[:, None])
        ctx.lp.add_coeffs(rows, self._slack(ctx, t, labels), -1.0)
        ctx.row_owner(self, rows)


TARGET_TYPES = (DomesticShare, ImportShare)
Target = Annotated[Union[TARGET_TYPES], Field(discriminator="type")]  # noqa: UP007
