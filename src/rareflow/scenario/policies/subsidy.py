"""subsidy: a payment per unit of a process's activity in one region, with an optional budget.

Governments pay for capacity they want to exist (India's 2025 scheme for rare-earth magnet
plants): the LP sees the payment as a negative cost on that activity. With a `budget` only so
much money is there over the window, so only that much activity earns it.
"""

from __future__ import annotations

from typing import Literal

from rareflow.scenario.policies.base import PolicyBase, known
from rareflow.scenario.types import Amount, AmountSeries


class Subsidy(PolicyBase):
    type: Literal["subsidy"]
    region: str
    process: str
    amount: AmountSeries  # currency per unit of activity in the window's periods
    budget: Amount | None = None  # currency over the whole window, undiscounted

    def check(self, scn, path):
        return known("region", self.region, scn.regions, f"{path}.region") + \
            known("process", self.process, scn.processes, f"{path}.process")
