"""Scenario → LP: one vectorised block of columns and rows per entity kind, all periods at once.

Layout of the balance row for region r, commodity c, period t (DESIGN, "The optimisation"):
  Σ out·x − Σ in·x + inflows − outflows + s[t−1] − s[t] − surplus + u = demand
"""

from __future__ import annotations

import math
from contextlib import contextmanager
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rareflow.lp import rules
from rareflow.lp.matrix import LP, Frozen
from rareflow.lp.rationing import tie_groups
from rareflow.scenario import series
from rareflow.scenario.periods import Periods, parse_key
from rareflow.scenario.policies.routes_match import match_routes


@dataclass
class Applied:
    """What one policy (or target) did to the LP, in the order it was applied.

    Recorded so that a staged solve (lp/stages.py) can leave a policy out until it is
    announced without building the LP again: its rows are relaxed, its columns fixed at 0,
    the costs it added taken back, and the bounds it replaced restored (`bounds` holds the
    values each `set_bounds` call replaced, so undoing them in reverse order is exact).
    """

    policy: object
    cols: list[np.ndarray] = field(default_factory=list)  # columns it added, call by call
    rows: list[np.ndarray] = field(default_factory=list)  # rows it added (pre-freeze indices)
    bounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)
    costs: list[tuple[np.ndarray, np.ndarray]] = field(default_factory=list)  # (cols, added)
    # row bounds it replaced (a facility's shared capacity row): (pre-freeze rows, lb, ub)
    row_bounds: list[tuple[np.ndarray, np.ndarray, np.ndarray]] = field(default_factory=list)


class Build:
    """The LP under construction plus the indexes rules need to find their columns.

    Entity blocks (`add_facilities`, …) fill it; policy rules (`lp/rules`) change it only
    through the methods declared in `rules.base.RuleBuild`.
    """

    def __init__(self, scn, periods: Periods) -> None:
        self.scenario = scn
        self.periods = periods
        self.T = periods.n
        self.labels = np.array(periods.labels, dtype=object)
        self.length = periods.length
        self.disc = (1.0 + scn.discount_rate) ** (-periods.years_from_first)
        self.lp = LP()
        self.pairs: dict[tuple[str, str], int] = {}
        self.bound_owners: list[tuple[object, np.ndarray]] = []
        self.row_owners: list[tuple[object, np.ndarray]] = []
        self.integer_cols = np.zeros(0, dtype=np.int64)
        self.targets: list = []
        self.applied: list[Applied] = []  # one record per policy and target, in build order
        self._applying: Applied | None = None

    # ---- helpers used by entity blocks and by policies -------------------------------
    def active(self, start, end) -> np.ndarray:
        return self.periods.mask(start, end)

    def pair(self, region: str, commodity: str) -> int:
        key = (region, commodity)
        k = self.pairs.get(key)
        if k is None:
            k = self.pairs[key] = len(self.pairs)
        return k

    def balance_keys(self, regions, commodities) -> np.ndarray:
        """Balance-row keys (pair·T + t), shape (n, T)."""
        regions = regions.tolist() if hasattr(regions, "tolist") else regions
        commodities = commodities.tolist() if hasattr(commodities, "tolist") else commodities
        k = np.array([self.pair(r, c) for r, c in zip(regions, commodities, strict=True)],
                     dtype=np.int64)
        return k[:, None] * self.T + np.arange(self.T)[None, :]

    def entity_labels(self, frame: pd.DataFrame) -> pd.DataFrame:
        """Repeat each entity row once per period, adding the period label."""
        n = len(frame)
        out = frame.take(np.repeat(np.arange(n), self.T))  # by position: no label lookup
        out.index = pd.RangeIndex(n * self.T)
        out["period"] = np.tile(self.labels, n)
        return out

    def match_routes(self, exporter=None, commodities=None, to=None, except_=None) -> np.ndarray:
        return match_routes(self.routes, exporter, commodities, to, except_)

    # ---- the declared interface of rules (lp/rules/base.py: RuleBuild) ---------------------
    def facility_rows(self, facility_id: str) -> np.ndarray:
        """Indexes into the `facilities` table and `fac_cols` (entity rows, not LP rows) of one
        facility's recipes, in the order of its `processes` (one index for a single process).
        To read or change what the facility may produce, use `facility_capacity`."""
        i = self._fac_index.get(facility_id)
        return self._fac_recipes[i] if i is not None else np.zeros(0, dtype=np.int64)

    def facility_capacity(self, facility_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(must-run, capacity) of one facility's total activity per period, shape (T,), in
        units of activity per period (rates × length): the bounds of its column for a single
        process, of its shared capacity row for several recipes."""
        rows = self.fac_capacity_rows.get(facility_id)
        if rows is not None:
            return self.lp.get_row_bounds(rows)
        return self.get_bounds(self.fac_cols[self.facility_rows(facility_id)[0]])

    def set_facility_capacity(self, facility_id: str, t, lb=None, ub=None, owner=None) -> None:
        """Set the must-run (`lb`) and/or capacity (`ub`) of a facility's total activity in
        periods `t` (indexes or a mask), wherever they are held (see `facility_capacity`).
        `owner` records the policy that set them, as `set_bounds` does."""
        t = np.arange(self.T)[t]
        rows = self.fac_capacity_rows.get(facility_id)
        if rows is None:
            self.set_bounds(self.fac_cols[self.facility_rows(facility_id)[0]][t], lb=lb, ub=ub,
                            owner=owner)
            return
        if self._applying is not None and (lb is not None or ub is not None):
            old_lb, old_ub = self.lp.get_row_bounds(rows[t])
            self._applying.row_bounds.append((rows[t].copy(), old_lb.copy(), old_ub.copy()))
        self.lp.set_row_bounds(rows[t], lb, ub)
        if owner is not None:
            self.row_owners.append((owner, rows[t]))

    def activity_terms(self, region: str, process: str) -> list[np.ndarray]:
        """Activity columns (T,) of every facility recipe and candidate running `process` in
        `region` (for a facility with several recipes, that recipe's columns only)."""
        out = []
        for frame, cols in ((self.facilities, self.fac_cols), (self.candidates, self.cand_cols)):
            sel = (frame["region"].to_numpy() == region) & (frame["process"].to_numpy() == process)
            out += [cols[i] for i in np.flatnonzero(sel)]
        return out

    def output_terms(self, region: str, commodity: str) -> list[tuple[np.ndarray, float]]:
        """(activity columns (T,), t of `commodity` per unit) of every facility and candidate in
        `region` whose process makes it."""
        out = []
        procs = self.scenario.processes
        for frame, cols in ((self.facilities, self.fac_cols), (self.candidates, self.cand_cols)):
            for i, (reg, proc) in enumerate(zip(frame["region"], frame["process"], strict=True)):
                coef = procs[proc].outputs.get(commodity)
                if reg == region and coef:
                    out.append((cols[i], float(coef)))
        return out

    def get_bounds(self, cols) -> tuple[np.ndarray, np.ndarray]:
        cols = np.asarray(cols)
        return self.lp.lb[cols].copy(), self.lp.ub[cols].copy()

    def set_bounds(self, cols, lb=None, ub=None, owner=None) -> None:
        """Set column bounds (either side, or neither to only record `owner`). An owner is the
        policy that set them: explanations relax owned bounds to say what each one costs.
        The bounds replaced are recorded for the policy being applied (`Applied.bounds`)."""
        cols = np.asarray(cols)
        if self._applying is not None and (lb is not None or ub is not None):
            flat = cols.ravel()
            self._applying.bounds.append((flat.copy(), self.lp.lb[flat].copy(),
                                          self.lp.ub[flat].copy()))
        if lb is not None:
            self.lp.lb[cols] = lb
        if ub is not None:
            self.lp.ub[cols] = ub
        if owner is not None:
            self.bound_owners.append((owner, cols.ravel()))

    def add_cost(self, cols, cost, owner=None) -> None:
        """Add to column costs (a tariff, a subsidy's −amount); recorded for the policy being
        applied (`Applied.costs`). An owner is named by explanations as the cost's cause."""
        cols = np.asarray(cols)
        add = np.broadcast_to(np.asarray(cost, float), cols.shape)
        np.add.at(self.lp.cost, cols, add)
        if self._applying is not None:
            self._applying.costs.append((cols.ravel().copy(), add.ravel().copy()))
        if owner is not None:
            self.bound_owners.append((owner, cols.ravel()))

    def add_cols(self, kind: str, labels: pd.DataFrame, lb, ub, cost) -> np.ndarray:
        """New columns (recorded for the policy being applied: `Applied.cols`)."""
        cols = self.lp.add_cols(kind, labels, lb, ub, cost)
        if self._applying is not None:
            self._applying.cols.append(cols)
        return cols

    def add_rows(self, kind: str, labels: pd.DataFrame, lb, ub, owner=None) -> np.ndarray:
        """New rows (recorded for the policy being applied: `Applied.rows`); an owner is the
        policy explanations name when the rows bind."""
        rows = self.lp.add_rows(kind, labels, lb, ub)
        if self._applying is not None:
            self._applying.rows.append(rows)
        if owner is not None:
            self.row_owners.append((owner, rows))
        return rows

    def add_coeffs(self, rows, cols, vals) -> None:
        self.lp.add_coeffs(rows, cols, vals)

    def add_balance(self, keys, cols, vals) -> None:
        self.lp.add_balance(keys, cols, vals)

    # ---- entity blocks ---------------------------------------------------------------
    def _process_terms(self, regions, processes, cols: np.ndarray) -> None:
        """Balance coefficients of activity columns (entities × T) from their processes."""
        procs = self.scenario.processes
        ent, comm, coef = [], [], []
        for i, p in enumerate(processes):
            for c, a in procs[p].outputs.items():
                ent.append(i), comm.append(c), coef.append(a)
            for c, a in procs[p].inputs.items():
                ent.append(i), comm.append(c), coef.append(-a)
        if not ent:
            return
        ent_a = np.array(ent)
        keys = self.balance_keys([regions[i] for i in ent], comm)
        self.lp.add_balance(keys, cols[ent_a], np.array(coef)[:, None])

    def add_facilities(self) -> None:
        """Activity columns, one per facility recipe and period (entities × T).

        A facility with one process (`process:`, or `processes:` with one recipe) holds its
        capacity and must-run minimum as the bounds of its column. A facility with several
        recipes has one column per recipe, unbounded, and one row per period
        `minimum·len ≤ Σ_p x[f,p,t] ≤ capacity·len` (kind "facility_capacity"); a recipe's
        `max_share: m` adds `x[f,p,t] − m·Σ_q x[f,q,t] ≤ 0` (kind "recipe_share").
        """
        fs = self.scenario.facilities
        P = self.periods
        recipes = [f.recipes() for f in fs]
        owner = np.repeat(np.arange(len(fs)), [len(r) for r in recipes])
        self.facilities = pd.DataFrame({
            "facility": [fs[i].id for i in owner], "region": [fs[i].region for i in owner],
            "process": [p for r in recipes for p in r]})
        n = len(fs)
        cap = np.zeros((n, self.T))
        low = np.zeros((n, self.T))
        for i, f in enumerate(fs):
            on = P.mask(f.online, f.offline)
            cap[i] = np.where(on, series.values(f.capacity, P), 0.0)
            low[i] = np.where(on, series.values(f.minimum, P), 0.0)
        with np.errstate(invalid="ignore"):
            ub = cap * self.length
            ub[np.isinf(cap)] = np.inf
        low = low * self.length
        cost = np.array([series.values(f.cost if rec.cost is None else rec.cost, P)
                         for f, r in zip(fs, recipes, strict=True) for rec in r.values()]
                        ).reshape(len(owner), self.T)
        multi = np.array([len(r) > 1 for r in recipes], dtype=bool)
        col_lb = np.where(multi[owner][:, None], 0.0, low[owner])
        col_ub = np.where(multi[owner][:, None], np.inf, ub[owner])
        labels = self.entity_labels(self.facilities).assign(kind="facility")
        cols = self.lp.add_cols("activity", labels, col_lb.ravel(), col_ub.ravel(),
                                (cost * self.disc).ravel())
        self.fac_cols = cols.reshape(len(owner), self.T)
        self._process_terms(self.facilities["region"].tolist(), self.facilities["process"].tolist(),
                            self.fac_cols)
        self._fac_index = {f.id: i for i, f in enumerate(fs)}
        self._fac_recipes = [np.flatnonzero(owner == i) for i in range(n)]
        self.fac_capacity_rows: dict[str, np.ndarray] = {}
        for i in np.flatnonzero(multi):
            self._shared_capacity(fs[i], self._fac_recipes[i], low[i], ub[i])

    def _shared_capacity(self, f, members: np.ndarray, low: np.ndarray, ub: np.ndarray) -> None:
        """The rows of one facility with several recipes: shared capacity and recipe shares."""
        frame = pd.DataFrame({"facility": [f.id], "region": [f.region]})
        rows = self.lp.add_rows("facility_capacity", self.entity_labels(frame), low, ub)
        xs = self.fac_cols[members]  # recipes × T
        self.lp.add_coeffs(np.broadcast_to(rows, xs.shape), xs, 1.0)
        self.fac_capacity_rows[f.id] = rows
        for k, (pid, rec) in enumerate(f.recipes().items()):
            if rec.max_share is None:
                continue
            frame = pd.DataFrame({"facility": [f.id], "region": [f.region], "process": [pid],
                                  "max_share": [rec.max_share]})
            srows = self.lp.add_rows("recipe_share", self.entity_labels(frame), -np.inf, 0.0)
            coef = np.where(np.arange(len(members)) == k, 1.0 - rec.max_share, -rec.max_share)
            self.lp.add_coeffs(np.broadcast_to(srows, xs.shape), xs, coef[:, None])

    def add_routes(self) -> None:
        rs = self.scenario.routes
        P = self.periods
        self.routes = pd.DataFrame({
            "route": [r.id for r in rs], "origin": [r.from_ for r in rs],
            "destination": [r.to for r in rs], "commodity": [r.commodity for r in rs]})
        n = len(rs)
        cap = _per_period([r.capacity for r in rs], P, np.inf)
        ub = np.where(np.isinf(cap), np.inf, cap * self.length[None, :])
        low = _per_period([r.minimum for r in rs], P, 0.0) * self.length[None, :]
        cost = _per_period([r.cost for r in rs], P, 0.0)
        cols = self.lp.add_cols("flow", self.entity_labels(self.routes), low.ravel(), ub.ravel(),
                                (cost * self.disc).ravel())
        self.route_cols = cols.reshape(n, self.T)
        if n:
            out_keys = self.balance_keys(self.routes["origin"], self.routes["commodity"])
            in_keys = self.balance_keys(self.routes["destination"], self.routes["commodity"])
            self.lp.add_balance(out_keys, self.route_cols, -1.0)
            self.lp.add_balance(in_keys, self.route_cols, 1.0)

    def add_stocks(self) -> None:
        ss = self.scenario.stocks
        self.stocks = pd.DataFrame({
            "stock": [s.id for s in ss], "region": [s.region for s in ss],
            "commodity": [s.commodity for s in ss]})
        n = len(ss)
        if not n:
            self.stock_cols = np.zeros((0, self.T), dtype=np.int64)
            self.stock_floor = np.zeros((0, self.T))
            self.stock_final = np.zeros(0)
            return
        ub = np.array([math.inf if s.capacity is None else s.capacity for s in ss])
        hold = np.array([s.holding_cost for s in ss])
        cost = hold[:, None] * (self.length * self.disc)[None, :]
        # floors (`minimum`, t at each period's end) and the final level, as lower bounds
        self.stock_floor = _per_period([s.minimum for s in ss], self.periods, 0.0)
        self.stock_final = np.array([s.final_min() for s in ss])
        lb = self.stock_floor.copy()
        lb[:, -1] = np.maximum(lb[:, -1], self.stock_final)
        cols = self.lp.add_cols("stock", self.entity_labels(self.stocks), lb.ravel(),
                                np.repeat(ub, self.T), cost.ravel())
        self.stock_cols = cols.reshape(n, self.T)
        keys = self.balance_keys(self.stocks["region"], self.stocks["commodity"])
        self.lp.add_balance(keys, self.stock_cols, -1.0)  # − s[t]
        self.lp.add_balance(keys[:, 1:], self.stock_cols[:, :-1], 1.0)  # + s[t−1]
        self.lp.add_balance_rhs(keys[:, 0], -np.array([s.initial for s in ss]))

    def add_demands(self) -> None:
        """Unserved columns, one per demand slice and period, in the demand's balance row.

        Without tiers a demand is one slice (one "unserved" column per period, bounded by the
        amount, at the demand's priority). With `tiers`, tier i is a slice of share_i of the
        amount at priority_i (a second "unserved" block, labelled with `tier`), and the
        demand's own column keeps the rest, (1 − Σ share_i) of it, at its priority.

        `unserved_cols` (S, T), `unserved_amount` (S, T) and `demand_ties` (S,) are per slice
        (S = D without tiers: the demands first, in order, then the tier slices), with
        `unserved_demand` (S,) the demand of each slice; `demand_amount` (D, T) is per demand.
        """
        ds = self.scenario.demands
        P = self.periods
        self.demands = pd.DataFrame({
            "demand": [d.id for d in ds], "region": [d.region for d in ds],
            "commodity": [d.commodity for d in ds], "sector": [d.sector for d in ds]})
        n = len(ds)
        amount = np.array([series.values(d.amount, P) for d in ds]).reshape(n, self.T)
        amount = amount * self.length
        prio = np.array([d.priority for d in ds])
        self.demand_amount = amount
        rest = np.array([d.rest_share() for d in ds])
        size = amount if not any(d.tiers for d in ds) else amount * rest[:, None]
        labels = self.entity_labels(self.demands).assign(requested=amount.ravel())
        cols = self.lp.add_cols("unserved", labels, 0.0, size.ravel(),
                                (prio[:, None] * self.disc[None, :]).ravel())
        self.unserved_cols = cols.reshape(n, self.T)
        self.unserved_amount = size
        self.unserved_demand = np.arange(n)
        slice_prio = prio
        tiered = [(i, k + 1, tier) for i, d in enumerate(ds) for k, tier in enumerate(d.tiers)]
        if tiered:
            di = np.array([i for i, _, _ in tiered])
            share = np.array([tier.share for _, _, tier in tiered])
            tprio = np.array([tier.priority for _, _, tier in tiered])
            tsize = amount[di] * share[:, None]
            frame = self.demands.iloc[di].reset_index(drop=True).assign(
                tier=[k for _, k, _ in tiered], share=share, priority=tprio)
            tlabels = self.entity_labels(frame).assign(slice=tsize.ravel())
            tcols = self.lp.add_cols("unserved", tlabels, 0.0, tsize.ravel(),
                                     (tprio[:, None] * self.disc[None, :]).ravel())
            self.unserved_cols = np.vstack([self.unserved_cols, tcols.reshape(len(di), self.T)])
            self.unserved_amount = np.vstack([size, tsize])
            self.unserved_demand = np.concatenate([self.unserved_demand, di])
            slice_prio = np.concatenate([prio, tprio])
        self.demand_ties = np.zeros(len(self.unserved_demand), dtype=np.int64)
        if n:
            keys = self.balance_keys(self.demands["region"], self.demands["commodity"])
            skeys = keys[self.unserved_demand]
            self.demand_ties = tie_groups(skeys[:, 0] // self.T, slice_prio)
            self.lp.add_balance(skeys, self.unserved_cols, 1.0)
            self.lp.add_balance_rhs(keys, amount)

    def add_candidates(self) -> None:
        cs = self.scenario.candidates
        P = self.periods
        self.candidates = pd.DataFrame({
            "facility": [c.id for c in cs], "region": [c.region for c in cs],
            "process": [c.process for c in cs]})
        n = len(cs)
        if not n:
            self.build_cols = self.cand_cols = np.zeros((0, self.T), dtype=np.int64)
            return
        first = P.start[0]
        earliest = np.array([parse_key(c.earliest)[0] if c.earliest is not None else first
                             for c in cs])
        lead = np.array([round(c.lead_time * 12) for c in cs])
        allowed = P.start[None, :] >= earliest[:, None]
        capex = np.array([c.capex for c in cs])
        blabels = self.entity_labels(self.candidates.rename(columns={"facility": "candidate"}))
        bcols = self.lp.add_cols("build", blabels, 0.0, np.where(allowed, np.inf, 0.0).ravel(),
                                 (capex[:, None] * self.disc[None, :]).ravel())
        self.build_cols = bcols.reshape(n, self.T)
        cost = np.array([series.values(c.cost, P) for c in cs]) * self.disc[None, :]
        xlabels = self.entity_labels(self.candidates).assign(kind="candidate")
        xcols = self.lp.add_cols("activity", xlabels, 0.0, np.inf, cost.ravel())
        self.cand_cols = xcols.reshape(n, self.T)
        self._process_terms(self.candidates["region"].tolist(),
                            self.candidates["process"].tolist(), self.cand_cols)
        # x[c,t] − len[t]·Σ_{τ: start[τ] + lead ≤ start[t]} b[c,τ] ≤ 0
        rows = self.lp.add_rows("candidate_capacity", xlabels, -np.inf, 0.0).reshape(n, self.T)
        self.lp.add_coeffs(rows, self.cand_cols, 1.0)
        usable = (P.start[None, None, :] + lead[:, None, None]) <= P.start[None, :, None]
        ci, ti, tau = np.nonzero(usable)  # candidate, period t, build period τ
        self.lp.add_coeffs(rows[ci, ti], self.build_cols[ci, tau], -self.length[ti])
        maxcap = np.array([c.max_capacity for c in cs])
        lim = np.flatnonzero(np.isfinite(maxcap))
        if len(lim):
            mrows = self.lp.add_rows("candidate_max", self.candidates.iloc[lim], -np.inf,
                                     maxcap[lim])
            self.lp.add_coeffs(np.repeat(mrows, self.T), self.build_cols[lim].ravel(), 1.0)
        self.cand_capacity_rows = rows
        self._lumpy(cs)

    def _lumpy(self, cs) -> None:
        """min_capacity: a build is 0 or between min and max — one binary per (candidate, period).

        This is the documented MILP switch: scenarios with lumpy candidates solve as MILPs, then
        the binaries are fixed and the LP re-solved so prices (duals) still exist.
        """
        lumpy = [i for i, c in enumerate(cs) if c.min_capacity > 0]
        if not lumpy:
            return
        frame = self.candidates.iloc[lumpy].rename(columns={"facility": "candidate"})
        labels = self.entity_labels(frame)
        bcols = self.build_cols[lumpy]
        allowed = self.lp.ub[bcols] > 0
        z = self.lp.add_cols("build_decision", labels, 0.0, allowed.ravel().astype(float), 0.0)
        self.integer_cols = np.concatenate([self.integer_cols, z])
        z = z.reshape(len(lumpy), self.T)
        lo = np.array([cs[i].min_capacity for i in lumpy])[:, None]
        hi = np.array([cs[i].max_capacity for i in lumpy])[:, None]
        r1 = self.lp.add_rows("candidate_min", labels, 0.0, np.inf).reshape(len(lumpy), self.T)
        self.lp.add_coeffs(r1, bcols, 1.0)
        self.lp.add_coeffs(r1, z, -np.broadcast_to(lo, z.shape))
        r2 = self.lp.add_rows("candidate_lumpy_max", labels, -np.inf, 0.0).reshape(len(lumpy), self.T)
        self.lp.add_coeffs(r2, bcols, 1.0)
        self.lp.add_coeffs(r2, z, -np.broadcast_to(hi, z.shape))

    @contextmanager
    def applying(self, pol):
        """Record what `pol`'s rule does to the LP (see `Applied`)."""
        self._applying = rec = Applied(pol)
        try:
            yield rec
        finally:
            self._applying = None
            self.applied.append(rec)

    def add_targets(self) -> None:
        for i, tg in enumerate(self.scenario.targets):
            tg = _with_id(tg, i)
            self.targets.append(tg)
            with self.applying(tg):
                rules.apply(tg, self)

    def add_policies(self) -> None:
        self.policies = []
        for i, pol in enumerate(self.scenario.all_policies()):
            pol = _with_id(pol, i)
            self.policies.append(pol)
            with self.applying(pol):
                rules.apply(pol, self)

    def add_disposal(self) -> None:
        comms = self.scenario.commodities
        pairs = [(k, r, c) for (r, c), k in self.pairs.items()
                 if comms[c].disposal_cost is not None]
        if not pairs:
            return
        frame = pd.DataFrame({"region": [p[1] for p in pairs], "commodity": [p[2] for p in pairs]})
        cost = np.array([comms[p[2]].disposal_cost for p in pairs])
        cols = self.lp.add_cols("surplus", self.entity_labels(frame), 0.0, np.inf,
                                (cost[:, None] * self.disc[None, :]).ravel()).reshape(len(pairs),
                                                                                      self.T)
        keys = np.array([p[0] for p in pairs])[:, None] * self.T + np.arange(self.T)[None, :]
        self.lp.add_balance(keys, cols, -1.0)

    def balance_labels(self) -> pd.DataFrame:
        regions = [r for (r, _c) in self.pairs]
        comms = [c for (_r, c) in self.pairs]
        frame = pd.DataFrame({"region": regions, "commodity": comms})
        return self.entity_labels(frame)

    def freeze(self) -> Frozen:
        frozen = self.lp.freeze(len(self.pairs) * self.T)
        frozen.integer = self.integer_cols.copy()
        return frozen


def _per_period(items: list, periods: Periods, default: float) -> np.ndarray:
    """Entities × periods from a list of series; plain numbers (most of them) in one step."""
    out = np.empty((len(items), periods.n))
    plain = np.array([not isinstance(v, dict) for v in items], dtype=bool)
    if plain.any():
        vals = np.array([default if v is None else float(v) for v, p in zip(items, plain,
                                                                          strict=True) if p])
        out[plain] = vals[:, None]
    for i in np.flatnonzero(~plain):
        out[i] = series.values(items[i], periods)
    return out


def _with_id(rule, i: int):
    """Policies and targets without an id are named `<type>-<position>` so that explanations
    and result tables can refer to them."""
    return rule if rule.id else rule.model_copy(update={"id": f"{rule.type}-{i + 1}"})


def assemble(scn, periods: Periods) -> Build:
    b = Build(scn, periods)
    b.add_facilities()
    b.add_routes()
    b.add_stocks()
    b.add_demands()
    b.add_candidates()
    b.add_policies()
    b.add_targets()
    b.add_disposal()
    return b
