"""Compile a model and its `uncertainty` block into a `Plan`: everything a worker needs.

A plan is plain data (numpy arrays, the frozen LP, the base basis), so it pickles to a
process pool or a Dask cluster once; workers then need neither the scenario files nor any
validation. Each uncertain event becomes the LP columns (and balance rows) it touches; the
columns are those the rule of the equivalent policy constrains (rareflow.sweep.events):

| event            | touches, as found by                            | reference level                    |
|------------------|-------------------------------------------------|------------------------------------|
| `export_ban`     | route columns: the `export_ban` rule            | the route's bound (base flow if ∞) |
| `export_licence` | route columns: the `export_licence` rule        | the base-case flow                 |
| `route_block`    | route columns (by id): `events.route_block`     | the route's bound (base flow if ∞) |
| `outage`         | activity columns: the `capacity_change` rule    | the capacity (base activity if ∞)  |
| `demand_shock`   | unserved columns + balance-row RHS: its filter  | the demand amount                  |
"""

from __future__ import annotations

import dataclasses
import hashlib
import time
import zlib
from dataclasses import dataclass, field

import numpy as np

from rareflow.errors import RareflowError, SolveError
from rareflow.lp import highs, solving, stages
from rareflow.lp.check import BalanceCheck
from rareflow.lp.matrix import Frozen
from rareflow.lp.rationing import ration
from rareflow.lp.solving import warm_iteration_limit
from rareflow.lp.stages import column_periods
from rareflow.scenario import series
from rareflow.scenario.uncertainty import (
    DemandShockEvent,
    ExportLicenceEvent,
    StockReleaseEvent,
    Uncertainty,
    bounds,
)
from rareflow.sweep.events import event_columns, period_of


@dataclass
class EventPlan:
    id: str
    kind: str  # "cap" (upper bounds of columns), "floor" (lower bounds: a stock release) or
    # "demand" (demand amounts: unserved ub + RHS)
    p_start: np.ndarray  # (T,) chance the event starts in each period
    duration: object  # float or a distribution (model.uncertainty)
    amount: object  # severity (cap), remaining share (licence) or factor (demand)
    amount_is: str  # "severity" | "share" | "factor"
    pos: np.ndarray  # cap: (n,) positions of its columns in `Plan.touched`; demand: (n,)
    # positions of its demands in `Plan.shock_demands`
    t: np.ndarray | None = None  # cap: (n,) the period of each column
    ref: np.ndarray | None = None  # cap: (n,) reference level of each column
    salt: int = 0  # part of the event's random stream: independent of the other events
    worst: float = 0.0  # the hardest level a draw can reach (for the feasibility pre-check)
    reach: np.ndarray | None = None  # (T,) periods an occurrence can touch
    onset_at_start: bool = False


@dataclass
class Plan:
    key: str
    scenario: str
    frozen: Frozen  # the LP as HiGHS gets it (integer decisions fixed at the base plan)
    labels: tuple[str, ...]  # period labels
    period_start: np.ndarray  # (T,) start month of each period
    period_months: np.ndarray  # (T,) length in months
    base_col_status: np.ndarray  # int8, HiGHS basis of the base solve
    base_row_status: np.ndarray
    base_objective: float
    base_iterations: int
    base_seconds: float
    # columns and rows events may change, with their base bounds
    touched: np.ndarray  # column indices
    t_lb: np.ndarray
    t_ub: np.ndarray
    # demands: unserved columns, amounts and balance rows, and reporting groups. D counts
    # demand slices: one per demand, plus one per tier of a tiered demand (Build.add_demands)
    unserved_cols: np.ndarray  # (D, T)
    demand_amount: np.ndarray  # (D, T) tonnes per period in each slice
    demand_rows: np.ndarray  # (D, T) balance rows
    demand_group: np.ndarray  # (D,) index into groups
    groups: list[tuple[str, str, str]]  # (region, sector, commodity): one demand, one share
    shock_demands: np.ndarray  # demand indices any demand_shock touches
    events: list[EventPlan] = field(default_factory=list)
    balance_pairs: list[tuple[str, str]] = field(default_factory=list)  # (region, commodity)
    tolerance: float = 1e-6
    warm_iteration_limit: int = 0
    n_fixed_integers: int = 0
    base_unserved: np.ndarray | None = None  # (G, T) unserved per group and period, no events
    demand_ties: np.ndarray | None = None  # (D,) equal-priority groups sharing a shortfall
    # surprises (docs/sweep.md): a sample's periods before its first sampled start are held at
    # the base plan, column by column (`col_period`: T for columns of no period)
    base_x: np.ndarray | None = None  # (n_cols,) the base solve's answer (before rationing)
    col_period: np.ndarray | None = None  # (n_cols,)
    staged: bool = False  # the base plan was solved stage by stage (measures announced late)

    @property
    def T(self) -> int:
        return len(self.labels)


def _p_start(ev, periods) -> np.ndarray:
    if ev.probability is not None:
        p = series.values(ev.probability, periods) if isinstance(ev.probability, dict) \
            else np.full(periods.n, float(ev.probability))
    else:
        p = 1.0 - (1.0 - float(ev.annual_probability)) ** periods.length
    window = periods.mask(ev.start, ev.end)
    return np.where(window, np.clip(p, 0.0, 1.0), 0.0)


def _worst_and_reach(ev, p: np.ndarray, periods) -> tuple[float, np.ndarray]:
    if isinstance(ev, ExportLicenceEvent):
        worst = 1.0 - min(max(bounds(ev.share)[0], 0.0), 1.0)
    elif isinstance(ev, DemandShockEvent):
        worst = min(bounds(ev.factor)[0], 1.0) - 1.0  # less demand can strand must-run supply
    elif isinstance(ev, StockReleaseEvent):
        worst = min(max(bounds(ev.share)[1], 0.0), 1.0)
    else:
        worst = min(max(bounds(ev.severity)[1], 0.0), 1.0)
    on = np.flatnonzero(p > 0)
    if not len(on):
        return worst, np.zeros(periods.n, dtype=bool)
    first, last = on[0], on[-1]
    reach_end = periods.start[last] + periods.months[last] + bounds(ev.duration)[1]
    reach = (periods.start + periods.months > periods.start[first]) & (periods.start < reach_end)
    return worst, reach


def _cold_solve(lp: Frozen, options: dict | None):
    """A fresh solver for `lp`, solved cold on `Model.solve`'s path (method rule included)."""
    h = highs.new_solver(lp, options)
    solving.configure(h, lp, options)
    return h, solving.solve(h, lp, options)


def _staged_base(model, lp: Frozen, h, options: dict | None):
    """The base plan of a scenario whose measures are announced after its start, solved stage
    by stage on `h` (which holds `lp`) as `Model.solve` does, or None when every measure is
    known from the outset.

    Why: a sample holds the periods before its first sampled start at the base plan. With
    measures announced late, the plan that was actually followed is the staged one (no
    pre-stocking for a surprise ban); a foresight base would make every sample start from a
    past that `rareflow run` says did not happen. Periods from a sample's start on are solved
    with every measure known; the built-in scenarios' events all start after their last
    announcement, where that is exact."""
    if stages.for_model(model) is None:
        return None
    staging = stages.Staging(model.build, lp)  # fresh: `h` holds `lp`, not the model's solver
    sol = staging.solve(h, model.name)  # a stage that does not solve raises, naming why
    # the last stage holds the past fixed: give the solver back the full LP (its basis stays)
    staging.hold(h, lp)
    return sol


def compile_plan(model, uncertainty: Uncertainty | None = None, options: dict | None = None) -> Plan:
    """Solve the base case once (cold) and compile the uncertainty block against the model."""
    unc = uncertainty if uncertainty is not None else model.scenario.uncertainty
    if unc is None:
        raise RareflowError(
            f"scenario '{model.name}' has no 'uncertainty' block, so there is nothing to sample; "
            "add one (docs/sweep.md) or pass --uncertainty FILE")
    b = model.build
    P = model.periods
    T = P.n
    frozen = model.frozen
    # the base solve: a fresh HiGHS object so that the model's own solver is left untouched
    t0 = time.perf_counter()
    h, sol = _cold_solve(frozen, options)
    seconds = time.perf_counter() - t0
    if sol.status != "optimal":
        raise SolveError(f"the base case of '{model.name}' did not solve ({sol.status}); "
                         f"run 'rareflow run {model.name}' to see why")
    x0 = sol.x
    lb, ub = frozen.lb.copy(), frozen.ub.copy()
    n_int = len(frozen.integer)
    if n_int:  # lumpy build decisions are held at the base plan: the sweep is an LP
        idx = frozen.integer
        lb[idx] = ub[idx] = np.round(x0[idx])
    lp = dataclasses.replace(frozen, lb=lb, ub=ub, integer=np.zeros(0, dtype=np.int64))
    if n_int:
        h, sol = _cold_solve(lp, options)
        x0 = sol.x
    staged = _staged_base(model, lp, h, options)
    if staged is not None:  # measures announced late: the base plan is `run`'s staged answer
        sol = staged
        x0 = sol.x
    col_status, row_status = highs.get_basis(h)

    # demands and reporting groups (region × sector × commodity: tonnes of ferrite and of NdFeB
    # are never added into one share); the plan's "demands" are the LP's unserved slices (one
    # per demand unless it has tiers): b.unserved_demand maps them back
    dem = b.demands
    groups: list[tuple[str, str, str]] = []
    gindex: dict[tuple[str, str, str], int] = {}
    dgroup = np.zeros(len(dem), dtype=np.int64)
    for d, (r, s, c) in enumerate(zip(dem["region"], dem["sector"], dem["commodity"],
                                      strict=True)):
        key = (r, s, c)
        if key not in gindex:
            gindex[key] = len(groups)
            groups.append(key)
        dgroup[d] = gindex[key]
    pair_of = np.array([b.pairs[(r, c)] for r, c in zip(dem["region"], dem["commodity"],
                                                          strict=True)], dtype=np.int64)
    of = b.unserved_demand
    D = len(of)
    dgroup = dgroup[of]
    demand_rows = (pair_of[of][:, None] * T + np.arange(T)[None, :]).reshape(D, T)

    # events → column sets, found by the rules of the equivalent policies (sweep/events.py)
    cap_cols: list[np.ndarray] = []
    raw: list[tuple] = []
    col_period = period_of(b, lp.shape[1])
    # the tier of each demand slice (0 = the demand's rest), in Build.add_demands's order
    slice_tier = np.array([0] * len(model.scenario.demands)
                          + [k + 1 for d in model.scenario.demands for k in range(len(d.tiers))],
                          dtype=np.int64)[: len(of)]
    for ev in unc.events:
        p = _p_start(ev, P)
        if isinstance(ev, DemandShockEvent):
            sel = np.isin(of, ev.matches(model.scenario.demands))
            if ev.tier is not None:  # a tier cut: only that slice of each matching demand
                sel &= slice_tier == ev.tier
            raw.append((ev, p, "demand", np.flatnonzero(sel)))
        elif isinstance(ev, StockReleaseEvent):  # lowers the floor: lower bounds of the levels
            i = int(np.flatnonzero(b.stocks["stock"].to_numpy() == ev.stock)[0])
            cols = (b.stock_cols[i], np.arange(T))
            cap_cols.append(cols[0])
            raw.append((ev, p, "floor", cols))
        else:
            cols = event_columns(ev, b, col_period)
            cap_cols.append(cols[0])
            raw.append((ev, p, "cap", cols))
    touched = np.unique(np.concatenate(cap_cols)) if cap_cols else np.zeros(0, dtype=np.int64)
    shock_demands = np.unique(np.concatenate([r[3] for r in raw if r[2] == "demand"] or
                                             [np.zeros(0, dtype=np.int64)]))
    events = []
    for ev, p, kind, ents in raw:
        salt = zlib.crc32(ev.id.encode())
        worst, reach = _worst_and_reach(ev, p, P)
        if kind == "floor":
            cols, t = ents
            events.append(EventPlan(ev.id, "floor", p, ev.duration, ev.share, "severity",
                                    pos=np.searchsorted(touched, cols), t=t,
                                    ref=np.maximum(lb[cols], 0.0), salt=salt, worst=worst,
                                    reach=reach, onset_at_start=ev.onset == "start"))
        elif kind == "cap":
            cols, t = ents
            if isinstance(ev, ExportLicenceEvent):
                ref = x0[cols].copy()
                amount, amount_is = ev.share, "share"
            else:
                ref = np.where(np.isfinite(ub[cols]), ub[cols], x0[cols])
                amount, amount_is = ev.severity, "severity"
            events.append(EventPlan(ev.id, "cap", p, ev.duration, amount, amount_is,
                                    pos=np.searchsorted(touched, cols), t=t,
                                    ref=np.maximum(ref, 0.0), salt=salt, worst=worst,
                                    reach=reach, onset_at_start=ev.onset == "start"))
        else:
            events.append(EventPlan(ev.id, "demand", p, ev.duration, ev.factor, "factor",
                                    pos=np.searchsorted(shock_demands, ents), salt=salt,
                                    worst=worst, reach=reach,
                                    onset_at_start=ev.onset == "start"))

    base_un = np.zeros((len(groups), T))
    ucols, amount = b.unserved_cols.reshape(D, T), b.unserved_amount.reshape(D, T)
    x0 = ration(x0, ucols, amount, b.demand_ties)  # as every solve: equal priority, pro rata
    # the no-event plan, which a surprise's past keeps: rationed as every sample's answer is,
    # so that rationing a sample leaves its held past as it was
    base_x = np.clip(x0, lp.lb, lp.ub)
    BalanceCheck(lp).check(x0, b.balance_labels, what="the sweep's base case: ")
    u0 = x0[ucols]
    np.add.at(base_un, dgroup, np.maximum(u0, 0.0))

    digest = hashlib.sha1()
    for arr in (lp.a.data, lp.a.indices, lp.lb, lp.ub, lp.cost, lp.row_lb, touched):
        digest.update(np.ascontiguousarray(arr).tobytes())
    digest.update(repr(unc.model_dump()).encode())
    digest.update(b"surprises-v2-staged-base")  # how samples are solved: an older checkpoint is not resumed
    n_rows = lp.shape[0]
    return Plan(
        key=digest.hexdigest()[:16], scenario=model.name, frozen=lp, labels=tuple(P.labels),
        period_start=P.start.astype(float), period_months=P.months.astype(float),
        base_col_status=col_status, base_row_status=row_status, base_objective=sol.objective,
        base_iterations=sol.iterations, base_seconds=seconds,
        touched=touched, t_lb=lb[touched], t_ub=ub[touched],
        unserved_cols=b.unserved_cols.reshape(D, T),
        demand_amount=b.unserved_amount.reshape(D, T),
        demand_rows=demand_rows, demand_group=dgroup, groups=groups,
        shock_demands=shock_demands, events=events, balance_pairs=list(b.pairs),
        tolerance=unc.shortfall_tolerance, warm_iteration_limit=warm_iteration_limit(n_rows),
        n_fixed_integers=n_int, base_unserved=base_un, demand_ties=b.demand_ties,
        base_x=base_x, col_period=column_periods(b, lp.shape[1]), staged=staged is not None)


def default_seed(model, uncertainty: Uncertainty | None = None) -> int:
    unc = uncertainty if uncertainty is not None else model.scenario.uncertainty
    return int(unc.seed) if unc is not None and unc.seed is not None else 0


__all__ = ["Plan", "EventPlan", "compile_plan", "warm_iteration_limit", "default_seed"]
