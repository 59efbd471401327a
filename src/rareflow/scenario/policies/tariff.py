"""tariff: an extra cost per tonne on the matching routes while it is in force."""

from __future__ import annotations

from typing import Literal

from rareflow.scenario.policies.base import PolicyBase, known
from rareflow.scenario.types import Amount


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
