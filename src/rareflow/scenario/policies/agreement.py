"""agreement: a minimum (and optional maximum) yearly volume between two regions.

Shortfalls and excesses are allowed at the breach cost, because real agreements are
renegotiated rather than physically enforced; `breach_cost: .inf` makes it binding.
"""

from __future__ import annotations

from typing import Literal

from rareflow.errors import Problem
from rareflow.scenario.policies.base import PolicyBase, known
from rareflow.scenario.types import Amount, Bound


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
