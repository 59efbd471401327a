"""Targets: shares a region wants to reach ("30 % of India's NdFeB made at home from 2030").

A target is a row with a slack priced at a very high penalty: when it can be met, the optimum
meets it; when it cannot, the slack shows in which periods and by how much, and the rows that
bind upstream say why (lead times, ore, separation capacity) — instead of "infeasible".
"""

from __future__ import annotations

from typing import Annotated, Literal, Union

from pydantic import Field

from rareflow.scenario.policies.base import PolicyBase, known
from rareflow.scenario.types import Amount, Fraction


class _Target(PolicyBase):
    penalty: Amount | None = None  # per tonne short; default: far above every other price

    def default_penalty(self, scn) -> float:
        worst = max([d.priority for d in scn.demands] + [1.0])
        return self.penalty if self.penalty is not None else max(1e6, 100.0 * worst)



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



TARGET_TYPES = (DomesticShare, ImportShare)
Target = Annotated[Union[TARGET_TYPES], Field(discriminator="type")]  # noqa: UP007
