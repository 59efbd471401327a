"""The worker side of a sweep: one kept HiGHS model, re-solved per sample.

A `Kernel` is built once per worker (process or Dask thread) from a `Plan`. Per sample it
changes only the bounds and right-hand sides that differ from what the solver holds (so the
base is restored wherever the sample leaves it alone), then solves *warm*: it clears the
solver's internal state and starts the dual simplex from the base-case basis. Starting every
sample from the same basis and a cleared solver makes a sample's answer a function of the
sample alone — bit for bit, whatever ran before it on that worker — which is what makes the
sweep's results independent of the worker count.

The solve itself is `Model.solve`'s: the same method, warm/cold rule and fallback
(`rareflow.lp.solving`: a warm solve over `Plan.warm_iteration_limit` simplex iterations, or
not optimal, is re-solved cold), the same pro-rata rationing of equal-priority shortfalls
(`rareflow.lp.rationing`) and the same mass-balance and bounds check (`rareflow.lp.check`,
against the sample's own bounds and right-hand sides). A chosen subset of warm samples is
also solved cold and the objectives are compared (1e-6 relative); a mismatch is an error.
"""

from __future__ import annotations

import threading
import time

import numpy as np
import pandas as pd

from rareflow.errors import SolveError
from rareflow.lp import highs, solving
from rareflow.lp.check import BalanceCheck
from rareflow.lp.rationing import Rationing, group_sums
from rareflow.sweep.plan import Plan
from rareflow.sweep.reduce import PastHeld
from rareflow.sweep.sample import sample_bounds, sample_effects

VERIFY_RTOL = 1e-6

# method codes in the per-sample records
WARM, COLD, COLD_FALLBACK, IPM_FALLBACK, FAILED = 0, 1, 2, 3, 4
METHODS = {WARM: solving.WARM, COLD: solving.COLD, COLD_FALLBACK: solving.COLD_FALLBACK,
           IPM_FALLBACK: solving.IPM_FALLBACK, FAILED: "failed"}
_CODE = {v: k for k, v in METHODS.items()}

# Every sample starts from the base basis on a cleared solver, so HiGHS computes dual
# steepest-edge weights for that basis on every solve. Naming the strategy (2, steepest edge)
# instead of leaving HiGHS to choose (−1: steepest edge that may switch to Devex when it
# judges it costly) took 5–15 % less time with the same iterations and bit-identical answers
# on 150–1,000 samples of china-controls-2025 (full and reduced LPs) and baseline-2024
# (benchmarks/sweep.py). Where HiGHS would have switched, the answer is another optimum of
# the same LP (objective unchanged). A user's own --solver-option of the key wins.
SAMPLE_OPTIONS = {"simplex_dual_edge_weight_strategy": 2}

# The reduced LP (sweep/reduce.py) is used when the held past is at least this share of the
# columns. Its warm start is the base basis restricted and repaired with slacks, which costs
# pivots: on the 50-region yearly world a sample holding 1-5 of 12 periods took 750-2,600
# iterations on the reduced LP against 40-500 on the full one (8.2 against 18.3 samples/s
# over 150 samples), while on china-controls-2025, where most samples hold 36 or more of 45
# periods, the reduced LPs run ~1.5x the full LP's rate (benchmarks/sweep.py). Both paths
# solve the same LP exactly; this only picks the faster one.
REDUCE_MIN_HELD = 0.5


class VerificationError(SolveError):
    """A warm re-solve disagreed with a cold solve of the same sample."""


class Kernel:
    def __init__(self, plan: Plan, options: dict | None = None) -> None:
        self.plan = plan
        self.options = {**SAMPLE_OPTIONS, **(options or {})}
        lp = plan.frozen
        self.h = highs.new_solver(lp, self.options)
        solving.configure(self.h, lp, self.options)
        self.basis = highs.make_basis(plan.base_col_status, plan.base_row_status, own=True)
        self.n_cols = lp.shape[1]
        # current bounds of the touched columns and of the shock demands' columns and rows
        self.cur_lb = plan.t_lb.copy()
        self.cur_ub = plan.t_ub.copy()
        sd = plan.shock_demands
        self.shock_cols = plan.unserved_cols[sd]  # (S, T)
        self.shock_amount = plan.demand_amount[sd]
        rows = plan.demand_rows[sd]
        self.shock_rows, self.shock_row_pos = np.unique(rows, return_inverse=True)
        self.shock_row_pos = self.shock_row_pos.reshape(rows.shape)
        self.base_rhs = lp.row_lb[self.shock_rows].copy()
        self.cur_rhs = self.base_rhs.copy()
        self.cur_dub = self.shock_amount.copy()
        self.shocked = False  # the solver holds a demand shock's bounds and right-hand sides
        # this sample's full bounds (the held past aside: `hv`) and balance right-hand sides
        self.lb = lp.lb.copy()
        self.ub = lp.ub.copy()
        self.rhs = lp.row_lb[: lp.n_balance].copy()
        self.checker = BalanceCheck(lp)
        self.unserved = plan.unserved_cols
        self.ties = plan.demand_ties if plan.demand_ties is not None else np.zeros(0, np.int64)
        self.ration = Rationing(self.unserved, self.ties)  # as Model.solve: equal priority, pro rata
        self.group = plan.demand_group
        self.n_groups = len(plan.groups)
        # per-sample statistics: (group, period) cell of each unserved column, made once, and
        # what each group asks when no demand shock changes it
        self.cell = (self.group[:, None] * plan.T + np.arange(plan.T)).ravel()
        self.base_requested = self._requested(plan.demand_amount)
        # surprises: columns sorted by period, so the first k periods are a prefix of `by_t`
        cp = plan.col_period if plan.col_period is not None else np.full(self.n_cols, plan.T)
        self.by_t = np.argsort(cp, kind="stable")
        self.t_end = np.searchsorted(cp[self.by_t], np.arange(plan.T + 1), side="left")
        self.col_period = cp
        self.fixed_k = 0  # periods currently held at the base plan
        # each column's value if held: its base value within its current bounds (kept up to
        # date by `_apply`, the only place the bounds change)
        self.hv = None if plan.base_x is None else np.clip(plan.base_x, self.lb, self.ub)
        # the column bounds HiGHS holds, and the columns changed since they were sent
        self.h_lb = lp.lb.copy()
        self.h_ub = lp.ub.copy()
        self.pending: list[np.ndarray] = []
        self._mark = np.zeros(self.n_cols, dtype=bool)
        # per k: the LP of periods k… alone, the held past substituted (sweep/reduce.py)
        self.reduced: dict[int, PastHeld] = {}
        self.n_reduced = 0  # samples solved that way
        self.reduce_past = True  # False: always the full LP (tests compare the two)
        self.reduce_min_held = REDUCE_MIN_HELD  # share of columns held for the reduced LP

    # ---- applying a sample -------------------------------------------------------------
    def _apply(self, lb: np.ndarray, ub: np.ndarray, mult: np.ndarray | None) -> int:
        h = self.h
        p = self.plan
        changed = np.flatnonzero((lb != self.cur_lb) | (ub != self.cur_ub))
        n = len(changed)
        if n:
            cols = p.touched[changed]
            self.cur_lb[changed] = lb[changed]
            self.cur_ub[changed] = ub[changed]
            self.lb[cols] = lb[changed]
            self.ub[cols] = ub[changed]
            self._held_value(cols)
            self.pending.append(cols)
        # Without a shock now or in the solver, the block below would find nothing to change
        # (the amounts times 1.0 and the right-hand sides plus 0.0 are what it holds): skipped.
        if len(p.shock_demands) and (mult is not None or self.shocked):
            self.shocked = mult is not None
            m = mult if mult is not None else 1.0
            dub = self.shock_amount * m
            rhs = self.base_rhs.copy()
            np.add.at(rhs, self.shock_row_pos, self.shock_amount * (m - 1.0))
            ch = np.flatnonzero((dub != self.cur_dub).ravel())
            if len(ch):
                cols = self.shock_cols.ravel()[ch]
                vals = dub.ravel()[ch]
                self.cur_dub.ravel()[ch] = vals
                self.lb[cols] = 0.0
                self.ub[cols] = vals
                self._held_value(cols)
                self.pending.append(cols)
                n += len(ch)
            chr_ = np.flatnonzero(rhs != self.cur_rhs)
            if len(chr_):
                rows = self.shock_rows[chr_]
                highs.change_row_bounds(h, rows, rhs[chr_], rhs[chr_])
                self.cur_rhs[chr_] = rhs[chr_]
                self.rhs[rows] = rhs[chr_]
                n += len(chr_)
        return n

    def _held_value(self, cols: np.ndarray) -> None:
        """Re-value the held value of columns whose bounds just changed."""
        if self.hv is not None:
            self.hv[cols] = np.clip(self.plan.base_x[cols], self.lb[cols], self.ub[cols])

    def _hold_past(self, k: int) -> None:
        """Hold the columns of periods before `k` at the base plan and free those of periods
        `k`… that an earlier sample held (to this sample's bounds, `self.lb`/`self.ub`). Only
        column bounds change, so the warm start from the base basis stays valid — and the
        base plan is itself feasible for them (no event acts before `k`).

        Only the columns whose held state flips — those of periods between the previous
        sample's `fixed_k` and `k` — are marked for `_flush`: a column held in both samples is
        held at its base value within its bounds, and if its bounds did not change either
        (`_apply` marks every column whose bounds it changes) that value is what HiGHS holds
        already; a column held in neither keeps its bounds unless `_apply` marked it."""
        if self.plan.base_x is None:  # a plan with foresight (tests compare against it)
            return
        lo, hi = sorted((k, self.fixed_k))
        if hi > lo:
            self.pending.append(self.by_t[self.t_end[lo]: self.t_end[hi]])
        self.fixed_k = k

    def _flush(self) -> None:
        """Send HiGHS the bounds of the columns changed since the last solve (this sample's,
        with the periods before `fixed_k` held at the base plan) — only those that differ
        from what it holds: a change costs HiGHS about 0.4 µs per column, and holding or
        freeing the past touches thousands of columns of which many keep their bounds.
        After it, HiGHS holds — and `h_lb`/`h_ub` record — for every column this sample's
        bounds, or, in the held past, lower = upper = its held value."""
        k = self.fixed_k
        if not self.pending:
            return
        mark = self._mark
        for c in self.pending:
            mark[c] = True
        self.pending.clear()
        cols = np.flatnonzero(mark)
        mark[cols] = False
        lb, ub = self.lb[cols], self.ub[cols]
        if k > 0:
            on = self.col_period[cols] < k
            v = self.hv[cols[on]]
            lb[on] = v
            ub[on] = v
        ch = np.flatnonzero((lb != self.h_lb[cols]) | (ub != self.h_ub[cols]))
        if len(ch):
            cols, lb, ub = cols[ch], lb[ch], ub[ch]
            highs.change_col_bounds(self.h, cols, lb, ub)
            self.h_lb[cols] = lb
            self.h_ub[cols] = ub

    def _merge_pending(self) -> None:
        """The columns waiting to be sent to the full solver, as one array (while samples are
        solved on reduced LPs, the full solver's edits pile up until it is next used)."""
        mark = self._mark
        for c in self.pending:
            mark[c] = True
        cols = np.flatnonzero(mark)
        mark[cols] = False
        self.pending[:] = [cols]

    # ---- solving -----------------------------------------------------------------------
    def _solve(self) -> highs.Solution:
        """Warm from the base basis on a cleared solver; cold if that fails (lp/solving.py).

        A sample that holds its first k periods is solved on the LP of periods k… alone, the
        held columns substituted out (sweep/reduce.py: the same LP, so the same optimum, in a
        fraction of the time); the full LP is solved when that cannot be done exactly."""
        k = self.fixed_k
        if k > 0 and self.reduce_past and self.plan.base_x is not None \
                and self.t_end[k] >= self.reduce_min_held * self.n_cols:
            past = self.reduced.get(k)
            if past is None:
                past = self.reduced[k] = PastHeld(self.plan, self.by_t[: self.t_end[k]],
                                                  self.options)
            sol = past.solve(self.lb, self.ub, self.rhs)
            if sol is not None:
                self.n_reduced += 1
                if len(self.pending) > 16:  # the full solver's edits wait: keep them merged
                    self._merge_pending()
                return sol
        self._flush()
        return solving.solve(self.h, self.plan.frozen, self.options, basis=self.basis,
                             iteration_limit=self.plan.warm_iteration_limit, duals=False)

    def _labels(self) -> pd.DataFrame:
        """Region, commodity and period of each balance row (built only to name a failure)."""
        T, pairs = self.plan.T, self.plan.balance_pairs
        return pd.DataFrame({"region": np.repeat([r for r, _ in pairs], T),
                             "commodity": np.repeat([c for _, c in pairs], T),
                             "period": np.tile(self.plan.labels, len(pairs))})

    def _check(self, i: int, x: np.ndarray) -> None:
        """Model.solve's mass-balance and bounds check, against this sample's bounds and
        right-hand sides, every balance row and every column: its own bounds (`lb`/`ub`), the
        held past at the values it is held at (`hv`; BalanceCheck.check's `held`: the same
        test as writing them into copies of both bound arrays, without the copies). Worked out
        from the sample, not from what was sent to the full solver, so it holds whichever LP
        solved the sample."""
        k = self.fixed_k
        held = None
        if k > 0 and self.hv is not None:
            cols = self.by_t[: self.t_end[k]]
            held = (cols, self.hv[cols])
        self.checker.check(x, self._labels, lb=self.lb, ub=self.ub, rhs=self.rhs,
                           what=f"sample {i}: ", held=held)

    def _requested(self, req: np.ndarray) -> np.ndarray:
        """Tonnes each reporting group asks for over the horizon."""
        greq = np.zeros(self.n_groups)
        np.add.at(greq, self.group, req.sum(axis=1))
        return greq

    def solve_sample(self, seed: int, i: int, verify: bool = False) -> dict:
        t0 = time.perf_counter()
        counts, effects = sample_effects(self.plan, seed, i)
        lb, ub, mult = sample_bounds(self.plan, effects)
        # The solve clears the solver anyway (it starts from the base basis): clearing first
        # makes the bound changes below plain data edits — with a solved state held, HiGHS
        # updates its simplex data on every change (measured: 2.4 ms per call on the calibrated
        # monthly world). The LP and the starting basis are the same, so is the answer.
        highs.clear(self.h)
        self._apply(lb, ub, mult)
        self._hold_past(held_until(self.plan, effects))  # events are surprises
        sol = self._solve()
        if sol.status != "optimal":
            # Reported as a failed sample with its reason (not a crash): the other samples
            # still count, and the summary says how many failed and why.
            return self._failed(i, seed, counts, effects, sol, t0)
        method = _CODE[sol.method]
        req = self.plan.demand_amount
        if mult is not None:
            req = req.copy()
            req[self.plan.shock_demands] *= mult
        x = sol.x  # this sample's own array: rationed in place
        u = self.ration(x, req)  # (D, T) unserved
        self._check(i, x)
        cold_obj = np.nan
        if verify and method == WARM:
            self._flush()  # the full LP, whichever solved the sample: checks the reduction too
            ref = solving.cold(self.h, duals=False)
            cold_obj = ref.objective
            if ref.status != "optimal" or abs(ref.objective - sol.objective) > \
                    VERIFY_RTOL * max(1.0, abs(ref.objective)):
                raise VerificationError(
                    f"sample {i}: warm objective {sol.objective:.10g} differs from the cold "
                    f"solve's {ref.objective:.10g} by more than {VERIFY_RTOL:g} relative")
        u = np.where(u > 0, u, 0.0)
        g = group_sums(u, self.group, self.n_groups, self.cell)
        greq = self.base_requested.copy() if mult is None else self._requested(req)
        tol = self.plan.tolerance
        return {
            "objective": sol.objective,
            "unserved": g.sum(axis=1),
            "periods_short": (g > tol).sum(axis=1).astype(np.int32),
            "requested": greq,
            "events": counts,
            "method": method,
            "iterations": sol.iterations,
            "cold_objective": cold_obj,
            "seconds": time.perf_counter() - t0,
            "status": "optimal",
        }

    def _failed(self, i: int, seed: int, counts, effects, sol, t0: float) -> dict:
        p = self.plan
        return {
            "objective": np.nan,
            "unserved": np.full(self.n_groups, np.nan),
            "periods_short": np.zeros(self.n_groups, np.int32),
            "requested": np.full(self.n_groups, np.nan),
            "events": counts,
            "method": FAILED,
            "iterations": sol.iterations,
            "cold_objective": np.nan,
            "seconds": time.perf_counter() - t0,
            "status": f"{sol.status} with {self._describe(effects)}",
        } if p is not None else {}

    def _describe(self, effects) -> str:
        parts = []
        for ev, eff in zip(self.plan.events, effects, strict=True):
            if eff is not None and np.any(eff != 0):
                when = [self.plan.labels[t] for t in np.flatnonzero(eff != 0)]
                parts.append(f"{ev.id} ({when[0]}" + (f"–{when[-1]})" if len(when) > 1 else ")"))
        return ", ".join(parts) or "none"

    def precheck(self, only=None) -> list[tuple[int, str, str]]:
        """Each event alone at its hardest, over every period it can reach: does the model
        still solve? Returns (event index, status, periods) for those that make it infeasible.
        `only`: the indices of the events to check (default: all; a pool shares them out)."""
        p = self.plan
        bad = []
        for k, ev in enumerate(p.events):
            if only is not None and k not in only:
                continue
            if ev.worst == 0 or ev.reach is None or not ev.reach.any():
                continue
            effects: list[np.ndarray | None] = [None] * len(p.events)
            effects[k] = np.where(ev.reach, ev.worst, 0.0)
            self._apply(*sample_bounds(p, effects))
            self._hold_past(0)  # the hardest case: foreseen over all it can reach
            sol = self._solve()
            # Only a proven infeasibility refuses the block; a numerical failure of both
            # methods is left to the samples, which report it as failed with its reason.
            if sol.status != "optimal" and not solving.numerical_failure(sol.status):
                when = [p.labels[t] for t in np.flatnonzero(ev.reach)]
                bad.append((k, sol.status, f"{when[0]}–{when[-1]}" if len(when) > 1 else when[0]))
        self._apply(p.t_lb.copy(), p.t_ub.copy(), None)
        return bad

    def run_chunk(self, seed: int, indices, verify: set[int]) -> dict:
        recs = [self.solve_sample(seed, int(i), int(i) in verify) for i in indices]
        return stack(list(indices), recs)


def first_start(effects: list[np.ndarray | None]) -> int | None:
    """The first period any sampled event acts on (None when none does)."""
    first = None
    for e in effects:
        if e is not None:
            nz = e.nonzero()[0]  # the periods where e != 0 (-0.0 counts as zero in both)
            if len(nz) and (first is None or nz[0] < first):
                first = int(nz[0])
    return first


def held_until(plan: Plan, effects: list[np.ndarray | None]) -> int:
    """How many periods a sample holds at the base plan: those before its first event. With
    no event, none on a plan solved in one go (a fresh solve gives the base answer again), all
    of them on a plan solved stage by stage (a fresh solve would be the foresight answer that
    `run` does not give)."""
    k = first_start(effects)
    if k is None:
        return plan.T if plan.staged else 0
    return k


def stack(indices: list[int], recs: list[dict]) -> dict:
    out = {"index": np.asarray(indices, dtype=np.int64)}
    for k in ("objective", "unserved", "periods_short", "requested", "events", "method",
              "iterations", "cold_objective", "seconds", "status"):
        out[k] = np.array([r[k] for r in recs])
    return out


# ---- one kernel per worker (per thread under Dask's threaded workers) -----------------------
_local = threading.local()


def kernel_for(plan: Plan, options: dict | None = None) -> Kernel:
    cache = getattr(_local, "kernels", None)
    if cache is None:
        cache = _local.kernels = {}
    k = cache.get(plan.key)
    if k is None:
        cache.clear()  # one model per worker: drop a previous sweep's
        k = cache[plan.key] = Kernel(plan, options)
    return k


def forget(key: str) -> None:
    """Drop this thread's kernel for plan `key` (the caller's, once its sweep is over)."""
    cache = getattr(_local, "kernels", None)
    if cache:
        cache.pop(key, None)


def precheck_events(plan: Plan, events, options: dict | None = None) -> list[tuple[int, str, str]]:
    """Task function for pools: `Kernel.precheck` of events `events` on this worker's kernel."""
    return kernel_for(plan, options).precheck(set(events))


def run_chunk(plan: Plan, seed: int, indices, verify, options: dict | None = None) -> dict:
    """Task function for pools and Dask: solve samples `indices` on this worker's kernel."""
    return kernel_for(plan, options).run_chunk(seed, indices, set(verify))
