"""The scenario schema (DESIGN's file contract) as pydantic blocks.

The schema checks shapes and values; `validate.py` checks references between blocks.
"""

from __future__ import annotations

import math
from typing import Annotated, Literal, Union

from pydantic import BeforeValidator, Field, model_validator

from rareflow.scenario.policies import POLICY_TYPES
from rareflow.scenario.policies.targets import Target
from rareflow.scenario.types import (
    Amount,
    AmountSeries,
    Block,
    Bound,
    BoundSeries,
    Coef,
    DateText,
    Fraction,
    PeriodKey,
    ScenarioName,
    final_level,
)
from rareflow.scenario.uncertainty import Uncertainty

Policy = Annotated[Union[POLICY_TYPES], Field(discriminator="type")]  # noqa: UP007


class PeriodRange(Block):
    start: PeriodKey
    end: PeriodKey
    step: Literal["year", "quarter", "month"] = "year"


class Commodity(Block):
    unit: str = "t"
    label: str = ""
    disposal_cost: Amount | None = None
    source: str = ""


class Region(Block):
    label: str = ""
    source: str = ""


class Process(Block):
    inputs: dict[str, Coef] = {}
    outputs: dict[str, Coef] = {}
    label: str = ""
    source: str = ""


class Recipe(Block):
    """One recipe of a facility with several (`processes:`): they share its capacity."""

    cost: AmountSeries | None = None  # per unit of activity; default: the facility's `cost`
    max_share: Fraction | None = None  # at most this share of the facility's activity
    label: str = ""
    source: str = ""


class Facility(Block):
    id: str
    region: str
    process: str | None = None
    processes: dict[str, Recipe] | None = None
    capacity: BoundSeries
    cost: AmountSeries = 0.0
    minimum: AmountSeries = 0.0
    online: PeriodKey | None = None
    offline: PeriodKey | None = None
    owner: str = ""
    label: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _one_process_form(self) -> Facility:
        if (self.process is None) == (self.processes is None):
            both = self.process is not None
            raise ValueError(
                ("both 'process' and 'processes' are given" if both else
                 "'process' is required (or 'processes' for several recipes)")
                + " | give one process as 'process: NAME', or several recipes sharing the "
                "capacity as 'processes: {NAME: {}, NAME2: {cost: 3000, max_share: 0.6}}'"
                + (" (in an overlay, write 'process: null' to replace the base's process)"
                   if both else ""))
        if self.processes is not None and not self.processes:
            raise ValueError("'processes' is empty | list at least one recipe, e.g. "
                             "'processes: {sinter_std: {}}'")
        return self

    def recipes(self) -> dict[str, Recipe]:
        """Recipe (process name) → its data; a single `process` is one recipe with the
        facility's cost and no share limit."""
        if self.processes is not None:
            return self.processes
        return {self.process: Recipe()}  # type: ignore[dict-item]


class Route(Block):
    id: str = ""
    from_: str = Field(alias="from")
    to: str
    commodity: str
    cost: AmountSeries = 0.0
    capacity: BoundSeries | None = None
    minimum: AmountSeries = 0.0
    label: str = ""
    source: str = ""

    @model_validator(mode="after")
    def _default_id(self) -> Route:
        if not self.id:
            self.id = f"{self.from_}-{self.to}-{self.commodity}"
        return self


class FinalLevel(Block):
    """`final: {min: initial}` or `final: {min: NUMBER}`: the level the horizon must end at."""

    min: Annotated[float | str, BeforeValidator(final_level)]


class Stock(Block):
    id: str = ""
    region: str
    commodity: str
    initial: Amount = 0.0
    capacity: Bound | None = None
    holding_cost: Amount = 0.0
    minimum: AmountSeries = 0.0  # a floor on each period's end level, t (a strategic reserve)
    final: FinalLevel | None = None
    label: str = ""
    source: str = ""

    def final_min(self) -> float:
        """The end-of-horizon level required (0 without `final`)."""
        if self.final is None:
            return 0.0
        return self.initial if self.final.min == "initial" else float(self.final.min)

    @model_validator(mode="after")
    def _default_id(self) -> Stock:
        if not self.id:
            self.id = f"{self.region}-{self.commodity}"
        return self


class Tier(Block):
    """A slice of a demand: `share` of its amount, given up at `priority` per tonne."""

    share: Fraction
    priority: Amount
    label: str = ""


class Demand(Block):
    id: str = ""
    region: str
    commodity: str
    sector: str
    amount: AmountSeries
    priority: Amount
    tiers: list[Tier] = []
    label: str = ""
    source: str = ""

    def rest_share(self) -> float:
        """The share left at the demand's own priority (1 without tiers)."""
        return max(1.0 - sum(t.share for t in self.tiers), 0.0)

    @model_validator(mode="after")
    def _default_id(self) -> Demand:
        if not self.id:
            self.id = f"{self.region}-{self.commodity}-{self.sector}"
        return self


class Candidate(Block):
    id: str
    region: str
    process: str
    capex: Amount = 0.0
    lead_time: Amount = 0.0
    max_capacity: Bound = math.inf
    min_capacity: Amount = 0.0
    earliest: PeriodKey | None = None
    cost: AmountSeries = 0.0
    owner: str = ""
    label: str = ""
    source: str = ""


class Event(Block):
    id: str
    date: DateText
    headline: str
    source: str
    url: str = ""
    # When the news broke, for all the event's policies (a policy's own `announced` wins).
    announced: PeriodKey | None = None
    policies: list[Policy] = []


class Scenario(Block):
    name: ScenarioName
    description: str = ""
    extends: str | None = None
    periods: PeriodRange | list[PeriodRange | PeriodKey]
    currency: str = "USD"
    discount_rate: Amount = 0.0
    commodities: dict[str, Commodity] = {}
    regions: dict[str, Region] = {}
    processes: dict[str, Process] = {}
    facilities: list[Facility] = []
    routes: list[Route] = []
    stocks: list[Stock] = []
    demands: list[Demand] = []
    policies: list[Policy] = []
    events: list[Event] = []
    candidates: list[Candidate] = []
    targets: list[Target] = []
    sources: dict[str, str] = {}
    uncertainty: Uncertainty | None = None

    def all_policies(self) -> list:
        """Top-level policies, then those inside events (tagged with the event's id and source)."""
        out = list(self.policies)
        for ev in self.events:
            for p in ev.policies:
                upd = {"event": ev.id}
                if not p.headline:
                    upd["headline"] = ev.headline
                if not p.source:
                    upd["source"] = ev.source
                if not p.id:
                    upd["id"] = ev.id if len(ev.policies) == 1 else None
                if p.announced is None and ev.announced is not None:
                    upd["announced"] = ev.announced
                out.append(p.model_copy(update=upd))
        return out
