"""The `uncertainty` block: disruptions that may happen, how often, and for how long.

Each event has a chance of starting in a period and a duration distribution (in months). A
sampled future is the set of events that started, when, and for how long; `rareflow sweep`
turns it into bound and right-hand-side changes of the already-built LP (see
`rareflow.sweep.compile`). This module is the schema and its reference checks only.
"""

from __future__ import annotations

import math
from abc import abstractmethod
from typing import Annotated, Literal, Union

import numpy as np
from pydantic import Field, model_validator

from rareflow.errors import Problem
from rareflow.scenario.periods import parse_key
from rareflow.scenario.types import Amount, Block, Bound, Fraction, PeriodKey

# ---- distributions -------------------------------------------------------------------------


class _Dist(Block):
    max: Bound = math.inf
    """Draws above this are cut to it (useful for long-tailed lognormal and exponential)."""

    @abstractmethod
    def _draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        """n draws (before the `max` cut); every distribution defines it."""

    def draw(self, rng: np.random.Generator, n: int) -> np.ndarray:
        return np.minimum(self._draw(rng, n), self.max)

    @abstractmethod
    def _bounds(self) -> tuple[float, float]:
        """The smallest and largest draw before the `max` cut; every distribution defines it."""

    def bounds(self) -> tuple[float, float]:
        """The smallest and largest value a draw can take (after the `max` cut)."""
        lo, hi = self._bounds()
        return min(lo, self.max), min(hi, self.max)


class Fixed(_Dist):
    distribution: Literal["fixed"]
    value: Amount

    def _draw(self, rng, n):
        return np.full(n, self.value)

    def _bounds(self):
        return self.value, self.value


class Uniform(_Dist):
    distribution: Literal["uniform"]
    low: Amount
    high: Amount

    @model_validator(mode="after")
    def _order(self) -> Uniform:
        if self.high < self.low:
            raise ValueError(f"high {self.high:g} is below low {self.low:g} | swap low and high")
        return self

    def _draw(self, rng, n):
        return rng.uniform(self.low, self.high, n)

    def _bounds(self):
        return self.low, self.high


class Triangular(_Dist):
    distribution: Literal["triangular"]
    low: Amount
    mode: Amount
    high: Amount

    @model_validator(mode="after")
    def _order(self) -> Triangular:
        if not self.low <= self.mode <= self.high:
            raise ValueError("needs low ≤ mode ≤ high | reorder low, mode and high")
        return self

    def _draw(self, rng, n):
        if self.high == self.low:
            return np.full(n, self.low)
        return rng.triangular(self.low, self.mode, self.high, n)

    def _bounds(self):
        return self.low, self.high


class Lognormal(_Dist):
    distribution: Literal["lognormal"]
    median: Amount
    sigma: Amount
    """Standard deviation of the log; 0.5 puts 95 % of draws within ×/÷ 2.7 of the median."""

    def _draw(self, rng, n):
        if self.median == 0:
            return np.zeros(n)
        return rng.lognormal(math.log(self.median), self.sigma, n)

    def _bounds(self):
        return 0.0, (math.inf if self.median > 0 else 0.0)


class Exponential(_Dist):
    distribution: Literal["exponential"]
    mean: Amount

    def _draw(self, rng, n):
        return rng.exponential(self.mean, n)

    def _bounds(self):
        return 0.0, (math.inf if self.mean > 0 else 0.0)


class Choice(_Dist):
    distribution: Literal["choice"]
    values: list[Amount] = Field(min_length=1)
    weights: list[Amount] | None = None

    @model_validator(mode="after")
    def _weights(self) -> Choice:
        if self.weights is not None:
            if len(self.weights) != len(self.values):
                raise ValueError(f"{len(self.weights)} weights for {len(self.values)} values | "
                                 "give one weight per value")
            if sum(self.weights) <= 0:
                raise ValueError("the weights sum to 0 | give at least one positive weight")
        return self

    def _draw(self, rng, n):
        p = None
        if self.weights is not None:
            w = np.asarray(self.weights, float)
            p = w / w.sum()
        return rng.choice(np.asarray(self.values, float), size=n, p=p)

    def _bounds(self):
        return min(self.values), max(self.values)


Distribution = Annotated[Union[Fixed, Uniform, Triangular, Lognormal, Exponential, Choice],  # noqa: UP007
                         Field(discriminator="distribution")]
Quantity = Amount | Distribution
"""A number, or a distribution to draw it from once per occurrence."""


def draw(q: float | _Dist, rng: np.random.Generator, n: int = 1) -> np.ndarray:
    if isinstance(q, _Dist):
        return q.draw(rng, n)
    return np.full(n, float(q))


def bounds(q: float | _Dist) -> tuple[float, float]:
    """The range of values `q` can take."""
    if isinstance(q, _Dist):
        return q.bounds()
    return float(q), float(q)


# ---- events --------------------------------------------------------------------------------

ProbabilitySeries = Fraction | dict[PeriodKey, Fraction]


class EventBase(Block):
    id: str
    headline: str = ""
    source: str = ""
    probability: ProbabilitySeries | None = None
    """Chance that the event starts in a period (a number, or {period: chance} from that
    period on). With monthly periods this is a chance per month."""
    annual_probability: Fraction | None = None
    """Alternative to `probability`: the chance per year, spread over shorter periods as
    1 − (1 − p)^(period length in years)."""
    duration: Quantity
    """Months (a number or a distribution); 7 weeks ≈ 1.6."""
    onset: Literal["uniform", "start"] = "uniform"
    """When in its period an occurrence begins: at a uniform moment (default), or at the
    period's start (e.g. a policy that takes effect on 1 January)."""
    start: PeriodKey | None = None
    """First period in which the event may start (default: the first period)."""
    end: PeriodKey | None = None
    """Last period in which the event may start (default: the last period)."""

    @model_validator(mode="after")
    def _one_probability(self) -> EventBase:
        if (self.probability is None) == (self.annual_probability is None):
            raise ValueError("give exactly one of 'probability' (per period) and "
                             "'annual_probability' | write e.g. 'probability: 0.05'")
        return self

    def refs(self, scn, path: str) -> list[Problem]:  # noqa: ARG002
        return []


def _known(kind: str, value: str, options, path: str) -> list[Problem]:
    if value in options:
        return []
    opts = ", ".join(sorted(options)) or "none defined"
    return [Problem(path, f"unknown {kind} '{value}'", f"use one of the known {kind}s: {opts}")]


def _as_list(v: str | list[str] | None) -> list[str]:
    if v is None:
        return []
    return [v] if isinstance(v, str) else list(v)


class _ExportEvent(EventBase):
    exporter: str
    commodity: str | list[str]
    to: list[str] | None = None
    except_: list[str] | None = Field(default=None, alias="except")

    def commodities(self) -> list[str]:
        return _as_list(self.commodity)

    def refs(self, scn, path):
        out = _known("region", self.exporter, scn.regions, f"{path}.exporter")
        for i, c in enumerate(self.commodities()):
            sub = f"{path}.commodity" + (f"[{i}]" if isinstance(self.commodity, list) else "")
            out += _known("commodity", c, scn.commodities, sub)
        for key, regions in (("to", self.to), ("except", self.except_)):
            for i, r in enumerate(regions or []):
                out += _known("region", r, scn.regions, f"{path}.{key}[{i}]")
        if out:
            return out
        comms, to, exc = set(self.commodities()), self.to, self.except_
        if not any(r.from_ == self.exporter and r.commodity in comms
                   and (to is None or r.to in to) and (exc is None or r.to not in exc)
                   for r in scn.routes):
            out.append(Problem(path, f"no route carries {', '.join(sorted(comms))} from "
                               f"{self.exporter}" + (f" to {', '.join(to)}" if to else ""),
                               "add such a route, or fix exporter/commodity/to"))
        return out


class ExportBanEvent(_ExportEvent):
    """An embargo: the matching routes lose `severity` of their capacity (1 = stopped)."""

    type: Literal["export_ban"]
    severity: Quantity = 1.0


class ExportLicenceEvent(_ExportEvent):
    """A licence squeeze: the matching routes may carry only `share` of their base-case flow."""

    type: Literal["export_licence"]
    share: Quantity


class OutageEvent(EventBase):
    """A mine or plant loses `severity` of its capacity (1 = shut)."""

    type: Literal["outage"]
    facility: str | list[str]
    severity: Quantity = 1.0

    def refs(self, scn, path):
        ids = {f.id for f in scn.facilities}
        many = isinstance(self.facility, list)
        out = []
        for i, f in enumerate(_as_list(self.facility)):
            out += _known("facility", f, ids, f"{path}.facility" + (f"[{i}]" if many else ""))
        return out


class RecipeOutageEvent(EventBase):
    """One recipe of a plant with several (`processes:`) is unavailable: its activity loses
    `severity` of its base-case level (1 = the recipe cannot run); the plant's other recipes
    keep the shared capacity. E.g. a grain-boundary-diffusion line down, the plain recipe on."""

    type: Literal["recipe_outage"]
    facility: str
    process: str
    """The recipe: a key of the facility's `processes` (or its single `process`)."""
    severity: Quantity = 1.0

    def refs(self, scn, path):
        fac = {f.id: f for f in scn.facilities}
        out = _known("facility", self.facility, fac, f"{path}.facility")
        if out:
            return out
        f = fac[self.facility]
        recipes = list(f.processes) if f.processes is not None else [f.process]
        if self.process not in recipes:
            out.append(Problem(f"{path}.process", f"facility '{self.facility}' has no recipe "
                               f"'{self.process}'", f"use one of: {', '.join(map(str, recipes))}"))
        return out


class StockReleaseEvent(EventBase):
    """A stockpile's floor (`minimum`) is lowered by `share` for the event's duration (1 = the
    whole floor may be drawn): a government releasing a strategic reserve. The floor includes
    a `final` level in the last period."""

    type: Literal["stock_release"]
    stock: str
    share: Quantity = 1.0

    def refs(self, scn, path):
        st = {s.id: s for s in scn.stocks}
        out = _known("stock", self.stock, st, f"{path}.stock")
        m = st[self.stock].minimum if not out else 0.0
        if not out and all(v == 0 for v in (m.values() if isinstance(m, dict) else [m])):
            out.append(Problem(f"{path}.stock", f"stock '{self.stock}' has no 'minimum' to release",
                               "give the stock a 'minimum:', or pick a stock that has one"))
        return out


class RouteBlockEvent(EventBase):
    """A shipping block: the named routes lose `severity` of their capacity (1 = closed)."""

    type: Literal["route_block"]
    route: str | list[str]
    severity: Quantity = 1.0

    def refs(self, scn, path):
        ids = {r.id for r in scn.routes}
        many = isinstance(self.route, list)
        out = []
        for i, r in enumerate(_as_list(self.route)):
            out += _known("route", r, ids, f"{path}.route" + (f"[{i}]" if many else ""))
        return out


class DemandShockEvent(EventBase):
    """Demand of the matching demands is multiplied by `factor` (1.3 = +30 %, 0.5 = halved)."""

    type: Literal["demand_shock"]
    factor: Quantity
    region: str | list[str] | None = None
    commodity: str | list[str] | None = None
    sector: str | list[str] | None = None
    demand: str | list[str] | None = None
    """Demand ids; the other filters narrow further."""
    tier: int | None = None
    """Only this tier of each matching demand (1 = its first `tiers:` entry; 0 = the rest of
    the demand outside its tiers). `factor: 0` cuts the tier: that slice of demand vanishes
    (no shortfall counted for it). Without `tier`, the whole demand scales."""

    def refs(self, scn, path):
        out = []
        options = {"region": scn.regions, "commodity": scn.commodities,
                   "sector": {d.sector for d in scn.demands},
                   "demand": {d.id for d in scn.demands}}
        for key, known in options.items():
            val = getattr(self, key)
            many = isinstance(val, list)
            for i, v in enumerate(_as_list(val)):
                out += _known(key, v, known, f"{path}.{key}" + (f"[{i}]" if many else ""))
        if not out and not self.matches(scn.demands):
            out.append(Problem(path, "matches no demand",
                               "loosen region/commodity/sector/demand so that some demand matches"))
        if not out and self.tier is not None:
            most = max(len(scn.demands[i].tiers or []) for i in self.matches(scn.demands))
            if not 0 <= self.tier <= most:
                out.append(Problem(f"{path}.tier", f"tier {self.tier} is not a tier of the matching "
                                   f"demands (they have at most {most})",
                                   f"give a tier from 1 to {most} (0 = the rest outside the tiers)"
                                   if most else "remove 'tier:' (the matching demands have no tiers)"))
        return out

    def matches(self, demands) -> list[int]:
        keep = []
        filt = {k: set(_as_list(getattr(self, k))) for k in ("region", "commodity", "sector")}
        ids = set(_as_list(self.demand))
        for i, d in enumerate(demands):
            if ids and d.id not in ids:
                continue
            if all(not v or getattr(d, k) in v for k, v in filt.items()):
                keep.append(i)
        return keep


UncertainEvent = Annotated[Union[ExportBanEvent, ExportLicenceEvent, OutageEvent,  # noqa: UP007
                                 RecipeOutageEvent, StockReleaseEvent, RouteBlockEvent,
                                 DemandShockEvent],
                           Field(discriminator="type")]


class Uncertainty(Block):
    seed: int | None = None
    """Default seed of `rareflow sweep` (its --seed wins)."""
    shortfall_tolerance: Amount = 1e-6
    """Unserved tonnes at or below this count as no shortfall."""
    events: list[UncertainEvent] = []

    def check(self, scn, periods) -> list[Problem]:
        """Reference problems (unknown ids, windows outside the horizon) as `uncertainty.…` paths."""
        out: list[Problem] = []
        seen: dict[str, str] = {}
        for i, ev in enumerate(self.events):
            path = f"uncertainty.events[{i}]"
            if ev.id in seen:
                out.append(Problem(f"{path}.id", f"duplicate event id '{ev.id}' (also at {seen[ev.id]})",
                                   "give each event its own id"))
            seen[ev.id] = path
            out += ev.refs(scn, path)
            for key in ("start", "end"):
                k = getattr(ev, key)
                if k is not None and not periods.contains(k):
                    out.append(Problem(f"{path}.{key}", f"{key} {k} is outside the horizon "
                                       f"({periods.labels[0]}–{periods.labels[-1]})",
                                       "move it inside the horizon or drop it"))
            if ev.start is not None and ev.end is not None and \
                    parse_key(ev.end)[0] < parse_key(ev.start)[0]:
                out.append(Problem(f"{path}.end", f"end {ev.end} is before start {ev.start}",
                                   "swap start and end"))
            if isinstance(ev.probability, dict):
                for k in ev.probability:
                    if not periods.contains(k) and parse_key(k)[0] >= periods.end_month:
                        out.append(Problem(f"{path}.probability.{k}", f"period {k} is after the "
                                           "horizon", "move the key inside the horizon"))
        return out


__all__ = ["Uncertainty", "UncertainEvent", "ExportBanEvent", "ExportLicenceEvent", "OutageEvent",
           "RouteBlockEvent", "DemandShockEvent", "Distribution", "Quantity", "draw", "bounds"]
