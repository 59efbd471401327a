"""tolling: a partner converts the owner's material at reserved capacity and returns the product.

One column per period: tonnes of `output` delivered back to the owner. It draws `ratio` t of
`input` from the owner's balance and adds 1 t of `output` to it; the owner pays `fee` (+
`transport_cost`) per tonne of output. If `facility` names the partner's plant, the reserved
capacity is taken out of that plant's own capacity (reserved, so unavailable to others).
"""

from __future__ import annotations

from typing import Literal

from pydantic import model_validator

from rareflow.errors import Problem
from rareflow.scenario.policies.base import PolicyBase, known
from rareflow.scenario.types import Amount, Bound, Coef


class Tolling(PolicyBase):
    type: Literal["tolling"]
    owner: str
    partner: str
    input: str
    output: str
    ratio: Coef | None = None
    capacity: Bound
    fee: Amount = 0.0
    transport_cost: Amount = 0.0
    facility: str | None = None

    @model_validator(mode="after")
    def _ratio_known(self) -> Tolling:
        if self.ratio is None and self.facility is None:
            raise ValueError("give 'ratio' (t of input per t of output) or the partner's "
                             "'facility' to take it from | e.g. ratio: 0.33")
        return self

    def check(self, scn, path):
        out = known("region", self.owner, scn.regions, f"{path}.owner")
        out += known("region", self.partner, scn.regions, f"{path}.partner")
        out += known("commodity", self.input, scn.commodities, f"{path}.input")
        out += known("commodity", self.output, scn.commodities, f"{path}.output")
        if self.facility is not None:
            fac = {f.id: f for f in scn.facilities}
            out += known("facility", self.facility, fac, f"{path}.facility")
            if self.facility in fac:
                f = fac[self.facility]
                proc = self._recipe(scn, f)
                if f.region != self.partner:
                    out.append(Problem(f"{path}.facility", f"facility '{f.id}' is in {f.region}, "
                                       f"not in the partner region {self.partner}",
                                       "name a facility of the partner"))
                elif proc is not None and (self.output not in proc.outputs
                                           or self.input not in proc.inputs):
                    out.append(Problem(f"{path}.facility", f"facility '{f.id}' does not turn "
                                       f"{self.input} into {self.output}",
                                       "name a facility whose process has them as input and output"))
        return out

    def per_output(self, scn) -> tuple[float, float | None]:
        """(t input per t output, activity units per t output of the partner plant or None)."""
        if self.facility is None:
            return float(self.ratio), None
        f = next(f for f in scn.facilities if f.id == self.facility)
        proc = self._recipe(scn, f)
        per_act = 1.0 / proc.outputs[self.output]
        ratio = self.ratio if self.ratio is not None else proc.inputs[self.input] * per_act
        return float(ratio), per_act

    def _recipe(self, scn, f):
        """The partner plant's process that turns `input` into `output`: its only one, or the
        first such recipe of several (else the first known one, which the check refuses);
        None if unknown."""
        procs = [p for p in (scn.processes.get(r) for r in f.recipes()) if p is not None]
        fits = [p for p in procs if self.output in p.outputs and self.input in p.inputs]
        return fits[0] if fits else (procs[0] if procs else None)
