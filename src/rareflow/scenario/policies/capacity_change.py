"""capacity_change: an outage (factor 0), a derating or an expansion of a facility over dates."""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from rareflow.scenario.policies.base import PolicyBase, known
from rareflow.scenario.types import Amount, Bound


class CapacityChange(PolicyBase):
    type: Literal["capacity_change"]
    facility: str
    factor: Amount | None = None
    capacity: Bound | None = None

    @model_validator(mode="after")
    def _one_of(self) -> CapacityChange:
        if (self.factor is None) == (self.capacity is None):
            raise ValueError("give exactly one of 'factor' and 'capacity' | e.g. factor: 0 for "
                             "an outage, or capacity: 5000 (t/yr)")
        return self

    def check(self, scn, path):
        return known("facility", self.facility, {f.id for f in scn.facilities}, f"{path}.facility")
