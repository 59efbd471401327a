"""Which routes a trade policy covers: an exporter, commodities, and `to` or `except` lists."""

from __future__ import annotations

import numpy as np
import pandas as pd
from pydantic import Field

from rareflow.scenario.policies.base import PolicyBase, known


class TradePolicy(PolicyBase):
    """Shared fields of policies that act on an exporter's routes."""

    exporter: str
    commodity: str | list[str]
    to: list[str] | None = None
    except_: list[str] | None = Field(default=None, alias="except")
    # Material from `exporter` may not reach the measure's destinations through a third
    # country: each other region re-exports to them at most what it makes or imports from
    # elsewhere (DESIGN, "No transit"; lp/rules/transit.py).
    no_transit: bool = False

    def commodities(self) -> list[str]:
        return [self.commodity] if isinstance(self.commodity, str) else list(self.commodity)

    def destinations(self, regions) -> list[str]:
        """D: the `to` list, or every region but the exporter and the `except` list."""
        if self.to is not None:
            return [r for r in self.to if r != self.exporter]
        skip = {self.exporter, *(self.except_ or [])}
        return [r for r in regions if r not in skip]

    def check(self, scn, path):
        out = known("region", self.exporter, scn.regions, f"{path}.exporter")
        for i, c in enumerate(self.commodities()):
            sub = f"{path}.commodity" + (f"[{i}]" if isinstance(self.commodity, list) else "")
            out += known("commodity", c, scn.commodities, sub)
        for key, regions in (("to", self.to), ("except", self.except_)):
            for i, r in enumerate(regions or []):
                out += known("region", r, scn.regions, f"{path}.{key}[{i}]")
        return out


def match_routes(routes: pd.DataFrame, exporter=None, commodities=None, to=None,
                 except_=None) -> np.ndarray:
    """Positions of the routes (a table with origin, destination, commodity) that an exporter,
    commodity list and `to`/`except` lists select; None selects all. The one route matcher:
    the LP's rules use it through `Build.match_routes`, and a comparison of stored runs uses
    it on their flow tables."""
    m = np.ones(len(routes), dtype=bool)
    if exporter is not None:
        m &= (routes["origin"] == exporter).to_numpy()
    if commodities is not None:
        m &= routes["commodity"].isin(commodities).to_numpy()
    if to is not None:
        m &= routes["destination"].isin(to).to_numpy()
    if except_ is not None:
        m &= ~routes["destination"].isin(except_).to_numpy()
    return np.flatnonzero(m)
