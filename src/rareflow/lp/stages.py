"""Surprises: an answer made in stages, each knowing only the measures announced so far.

DESIGN, "Surprises": let a_1 < … < a_k be the distinct periods after the first in which
policies are announced. Stage 0 solves the whole horizon with only the policies known from
the outset; every variable of the periods before a_1 is then fixed at its value. Stage j adds
the policies announced at a_j, solves again with the past fixed, and fixes the periods before
a_(j+1). The last stage's solution is the answer and its objective (the cost of the whole
trajectory) the objective. Nobody pre-stocks for a ban that no one has heard of.

Why it is fast: the LP is built once, with every policy (`Build.applied` records what each
one did). A policy not yet announced is neutralised through bounds and costs alone — its rows
relaxed to ±inf, its columns fixed at 0, the costs it added taken back, the bounds it set
restored — so each stage re-solves the kept HiGHS model warm from the previous stage's basis.
Fixing the past at the values just found keeps that basis primal feasible.
"""

from __future__ import annotations

import dataclasses

import numpy as np
import pandas as pd

from rareflow.errors import SolveError
from rareflow.lp import highs, rules
from rareflow.lp.diagnose import diagnose
from rareflow.lp.matrix import Frozen
from rareflow.scenario.periods import Periods


def announced_index(policy, periods: Periods) -> int:
    """The stage boundary of a policy: the first period starting at or after its announcement
    (0 when it was known from the outset)."""
    a = getattr(policy, "announced", None)
    if a is None:
        return 0
    return min(periods.first_at_or_after(a), periods.n - 1)


def span_periods(spans, labels, n: int) -> np.ndarray:
    """The period index (in `labels`) of each of the `n` columns or rows the spans cover, -1
    where a span has no period or its label is not a period. One look-up for all spans
    together: per span, pandas' fixed cost was most of it (98 spans on china-controls-2025)."""
    out = np.full(n, -1, dtype=np.int64)
    parts, at = [], []
    for sp in spans:
        if "period" in sp.labels and len(sp):
            parts.append(sp.labels["period"].astype(str).to_numpy(dtype=object))
            at.append(np.arange(sp.start, sp.stop))
    if parts:
        out[np.concatenate(at)] = pd.Index(list(labels)).get_indexer(np.concatenate(parts))
    return out


def column_periods(build, n_cols: int) -> np.ndarray:
    """The period index of every column (T for a column that belongs to no period)."""
    out = span_periods(build.lp.cols, build.periods.labels, n_cols)
    out[out < 0] = build.T
    return out


def row_periods(build, frozen: Frozen) -> np.ndarray:
    """The period index of every row (T for a row that belongs to no period). Balance rows
    are laid out pair by pair, period by period (row = pair · T + t)."""
    T, nb = build.T, frozen.n_balance
    out = np.full(frozen.shape[0], T, dtype=np.int64)
    out[:nb] = np.tile(np.arange(T), nb // T) if T else 0
    rest = span_periods(build.lp.rows, build.periods.labels, frozen.shape[0] - nb)
    out[nb:] = np.where(rest < 0, T, rest)
    return out


def decided_row_dual(sol: highs.Solution) -> np.ndarray | None:
    """Row duals that mean something for every period of an answer: in a staged answer, each
    fixed period's rows carry the duals of the stage that decided it (the last stage in which
    the period was still free). The last stage's own duals on those rows are meaningless —
    with every column of the period fixed, any dual fits (magnets showed −220 US$/kg in 2025-03
    of china-controls-2025). A single solve's duals are returned as they are."""
    return sol.info.get("row_dual_decided", sol.row_dual)


class _Replay:
    """A rule run again on a stage's bounds: only its bound changes take effect.

    Rules see the real build for everything they read; `add_cols`/`add_rows` hand back the
    columns and rows the rule created the first time, so the rule's bound changes land on the
    same indices. Re-running the rule (instead of replaying the values it set) keeps bound
    changes that depend on earlier ones exact (an outage on a derated plant) when an earlier
    policy is left out of a stage.
    """

    def __init__(self, build, lb: np.ndarray, ub: np.ndarray, rec, rlb: np.ndarray,
                 rub: np.ndarray, n_balance: int) -> None:
        self._b, self._lb, self._ub = build, lb, ub
        self._rlb, self._rub, self._nb = rlb, rub, n_balance
        self._cols, self._rows = iter(rec.cols), iter(rec.rows)

    def facility_capacity(self, facility_id: str):
        rows = self._b.fac_capacity_rows.get(facility_id)
        if rows is None:
            return self.get_bounds(self._b.fac_cols[self._b.facility_rows(facility_id)[0]])
        r = rows + self._nb
        return self._rlb[r].copy(), self._rub[r].copy()

    def set_facility_capacity(self, facility_id: str, t, lb=None, ub=None, owner=None) -> None:  # noqa: ARG002
        t = np.arange(self._b.T)[t]
        rows = self._b.fac_capacity_rows.get(facility_id)
        if rows is None:
            self.set_bounds(self._b.fac_cols[self._b.facility_rows(facility_id)[0]][t], lb, ub)
            return
        r = rows[t] + self._nb
        if lb is not None:
            self._rlb[r] = lb
        if ub is not None:
            self._rub[r] = ub

    def __getattr__(self, name):
        return getattr(self._b, name)

    def get_bounds(self, cols):
        cols = np.asarray(cols)
        return self._lb[cols].copy(), self._ub[cols].copy()

    def set_bounds(self, cols, lb=None, ub=None, owner=None) -> None:  # noqa: ARG002
        cols = np.asarray(cols)
        if lb is not None:
            self._lb[cols] = lb
        if ub is not None:
            self._ub[cols] = ub

    def add_cols(self, kind, labels, lb, ub, cost) -> np.ndarray:  # noqa: ARG002
        cols = next(self._cols)
        self._lb[cols] = np.broadcast_to(np.asarray(lb, float), cols.shape)
        self._ub[cols] = np.broadcast_to(np.asarray(ub, float), cols.shape)
        return cols

    def add_rows(self, kind, labels, lb, ub, owner=None) -> np.ndarray:  # noqa: ARG002
        return next(self._rows)

    def add_cost(self, cols, cost, owner=None) -> None:
        pass

    def add_coeffs(self, rows, cols, vals) -> None:
        pass

    def add_balance(self, keys, cols, vals) -> None:
        pass


class Staging:
    """The stages of one model: which policies each adds, and the LP each solves."""

    def __init__(self, build, frozen: Frozen) -> None:
        self.b, self.f = build, frozen
        P = build.periods
        self.when = np.array([announced_index(rec.policy, P) for rec in build.applied],
                             dtype=np.int64)
        self.starts = [0, *sorted(set(self.when.tolist()) - {0})]
        self.col_period = column_periods(build, frozen.shape[1])
        # the bounds before any policy: every recorded change undone, last first
        self.base_lb, self.base_ub = frozen.lb.copy(), frozen.ub.copy()
        self.base_rlb, self.base_rub = frozen.row_lb.copy(), frozen.row_ub.copy()
        nb = frozen.n_balance
        for rec in reversed(build.applied):
            for cols, lb, ub in reversed(rec.bounds):
                self.base_lb[cols], self.base_ub[cols] = lb, ub
            for rows, lb, ub in reversed(rec.row_bounds):
                self.base_rlb[rows + nb], self.base_rub[rows + nb] = lb, ub
        self._held: Frozen = frozen  # what the kept solver holds now

    @property
    def n(self) -> int:
        return len(self.starts)

    def entering(self, j: int) -> list:
        """The policies (and targets) that enter in stage j."""
        return [rec.policy for rec, w in zip(self.b.applied, self.when, strict=True)
                if w == self.starts[j]]

    def stage_lp(self, j: int, fixed: np.ndarray | None = None,
                 values: np.ndarray | None = None) -> Frozen:
        """The LP of stage j: policies not yet announced neutralised, `fixed` columns held at
        `values`. The matrix is shared; only bounds and costs differ."""
        f = self.f
        active = self.when <= self.starts[j]
        if active.all():
            lb, ub, cost, rlb, rub = f.lb.copy(), f.ub.copy(), f.cost, f.row_lb, f.row_ub
        else:
            lb, ub = self.base_lb.copy(), self.base_ub.copy()
            cost, rlb, rub = f.cost.copy(), self.base_rlb.copy(), self.base_rub.copy()
            nb = f.n_balance
            for rec, on in zip(self.b.applied, active, strict=True):
                if on:
                    continue
                for c in rec.cols:
                    lb[c] = ub[c] = 0.0
                for r in rec.rows:
                    rlb[r + nb], rub[r + nb] = -np.inf, np.inf
                for c, add in rec.costs:
                    np.subtract.at(cost, c, add)
            for rec, on in zip(self.b.applied, active, strict=True):
                if on and (rec.bounds or rec.row_bounds):
                    rules.apply(rec.policy, _Replay(self.b, lb, ub, rec, rlb, rub, nb))
        if fixed is not None and fixed.any():
            lb[fixed] = ub[fixed] = values[fixed]
        return dataclasses.replace(f, lb=lb, ub=ub, cost=cost, row_lb=rlb, row_ub=rub)

    def hold(self, h, lp: Frozen) -> None:
        """Make the kept solver hold `lp`, changing only what differs (the basis stays)."""
        old = self._held
        c = np.flatnonzero((lp.lb != old.lb) | (lp.ub != old.ub))
        highs.change_col_bounds(h, c, lp.lb[c], lp.ub[c])
        c = np.flatnonzero(lp.cost != old.cost)
        highs.change_costs(h, c, lp.cost[c])
        r = np.flatnonzero((lp.row_lb != old.row_lb) | (lp.row_ub != old.row_ub))
        highs.change_row_bounds(h, r, lp.row_lb[r], lp.row_ub[r])
        self._held = lp

    def solve(self, h, name: str = "", warm: bool = True) -> highs.Solution:
        """Solve stage by stage on the kept solver `h`; the last stage's solution, with
        `info['stages']` (what each stage added and fixed), `info['lp']` (the LP the answer
        solves: the past fixed) and `info['fixed']` (the columns held as planned before).

        `warm=False` drops the basis before every stage (benchmarks/staged.py measures the
        two). When an earlier stage has several equally cheap plans, warm and cold solves may
        fix different ones, and the later stages' objectives then differ slightly (3e-7
        relative on the synthetic world of the benchmark): a plan made under ties is one of
        them, the same one on every solve of the same model."""
        n = self.f.shape[1]
        fixed = np.zeros(n, dtype=bool)
        values = np.zeros(n)
        labels = self.b.periods.labels
        report: list[dict] = []
        seconds, iters = 0.0, 0
        row_t = row_periods(self.b, self.f)
        decided = np.full(self.f.shape[0], np.nan)  # row duals of the stage that fixed a period
        done = 0  # periods before this index are fixed (and their duals recorded)
        for j in range(self.n):
            lp = self.stage_lp(j, fixed, values)
            self.hold(h, lp)
            if j == 0 or not warm:
                # stage 0 always starts cold: a second solve of the model must fix the same
                # past as the first, not whichever equally cheap plan the last basis is near
                highs.forget_basis(h)
            sol = highs.run_mip(h, lp) if len(lp.integer) else highs.run(h)
            seconds += sol.seconds
            iters += sol.iterations
            if sol.status != "optimal":
                raise SolveError(self._failure(name, j, lp, sol.status))
            nxt = self.starts[j + 1] if j + 1 < self.n else None
            new = np.zeros(n, dtype=bool)
            if nxt is not None:
                new = (self.col_period < nxt) & ~fixed
                values[new] = np.clip(sol.x[new], lp.lb[new], lp.ub[new])
                fixed |= new
                if sol.row_dual is not None:
                    rows = (row_t >= done) & (row_t < nxt)
                    decided[rows] = sol.row_dual[rows]
                done = nxt
            report.append({
                "stage": j, "announced": labels[self.starts[j]],
                "policies": [p.id for p in self.entering(j)],
                "fixed_from": labels[self.starts[j]] if nxt is not None else "",
                "fixed_to": labels[nxt - 1] if nxt is not None else "",
                "fixed_columns": int(new.sum()), "objective": sol.objective,
                "iterations": sol.iterations, "seconds": sol.seconds})
        sol.seconds, sol.iterations = seconds, iters
        sol.info.update(stages=report, lp=lp, fixed=fixed, warm_stages=warm)
        if sol.row_dual is not None:
            free = row_t >= done  # decided by the last stage (and rows of no period)
            decided[free] = sol.row_dual[free]
            sol.info["row_dual_decided"] = decided
        return sol

    def _failure(self, name: str, j: int, lp: Frozen, status: str) -> str:
        labels = self.b.periods.labels
        ids = ", ".join(f"'{p.id}'" for p in self.entering(j)) or "no new measure"
        first, last = labels[0], labels[self.starts[j] - 1]
        past = first if first == last else f"{first}–{last}"
        where = (f"in stage {j} (from {labels[self.starts[j]]}, when {ids} became known), with "
                 f"the plan for {past} fixed as it was made before") if j \
            else "in stage 0 (the measures known from the outset)"
        if status in ("infeasible", "infeasible_or_unbounded"):
            why = diagnose(self.b, lp)
            head = f"Scenario '{name}' cannot be satisfied {where}."
            if why:
                return "\n".join([head, "These constraints conflict:", *(f"  - {w}" for w in why)])
            return head + " No single row or bound could be named; check minimums and balances."
        if status == "unbounded":
            return f"Scenario '{name}' is unbounded {where}: some cost can fall without limit."
        return f"Scenario '{name}': the solver stopped {where} with status '{status}'."


def for_model(model) -> Staging | None:
    """The model's stages (built once), or None when every measure is known from the outset:
    then the answer is the single solve it always was."""
    if "_staging" not in model.__dict__:
        b = model.build
        late = any(announced_index(rec.policy, b.periods) > 0 for rec in b.applied)
        model.__dict__["_staging"] = Staging(b, model.frozen) if late else None
    return model.__dict__["_staging"]
