"""The worker side of a sweep: one kept HiGHS model, re-solved per sample.

A `Kernel` is built once per worker (process or Dask thread) from a `Plan`. Per sample it
changes only the bounds and right-hand sides that differ from what the solver holds (so the
base is restored wherever the sample leaves it alone), then solves *warm*: it clears the
solver's internal state and starts the dual simplex from the base-case basis. Starting every
sample from the same basis and a cleared solver makes a sample's answer a function of the
sample alone — bit for bit, whatever ran before it on that worker — which is what makes the
sweep's results independent of the worker count.

If a warm solve would take more simplex iterations than a cold solve with presolve would
cost (`Plan.warm_iteration_limit`, measured; see `rareflow.sweep.plan`), the sample is
re-solved cold. A chosen subset of warm samples is also solved cold and the objectives are
compared (1e-6 relative); a mismatch is an error.
"""

from __future__ import annotations

import threading
import time
from dataclasses import dataclass

import highspy
import numpy as np

from rareflow.errors import MassBalanceError, SolveError
from rareflow.lp import highs
from rareflow.lp.check import TOLERANCE
from rareflow.lp.rationing import share
from rareflow.sweep.plan import Plan
from rareflow.sweep.sample import sample_bounds, sample_effects

INF_ITER = 2147483647
VERIFY_RTOL = 1e-6

# method codes in the per-sample records
WARM, COLD, COLD_FALLBACK = 0, 1, 2
METHODS = {WARM: "warm", COLD: "cold", COLD_FALLBACK: "cold (warm over its limit)"}


_OPTIMAL = highspy.HighsModelStatus.kOptimal


@dataclass
class _Sol:
    status: str
    objective: float
    x: np.ndarray | None
    iterations: int


class VerificationError(SolveError):
    """A warm re-solve disagreed with a cold solve of the same sample."""


def _basis(col_status: np.ndarray, row_status: np.ndarray) -> highspy.HighsBasis:
    lut = [highspy.HighsBasisStatus(k) for k in range(int(max(col_status.max(initial=0),
                                                             row_status.max(initial=0))) + 1)]
    b = highspy.HighsBasis()
    b.col_status = [lut[k] for k in col_status.tolist()]
    b.row_status = [lut[k] for k in row_status.tolist()]
    b.valid = True
    return b


class Kernel:
    def __init__(self, plan: Plan, options: dict | None = None) -> None:
        self.plan = plan
        lp = plan.frozen
        self.h = highs.new_solver(lp, {"solver": "simplex", **(options or {})})
        self.basis = _basis(plan.base_col_status, plan.base_row_status)
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
        # full bounds the solver holds now (for the bounds check after each solve)
        self.lb = lp.lb.copy()
        self.ub = lp.ub.copy()
        self.rhs = lp.row_lb[: lp.n_balance].copy()
        # balance rows as (row, col, value) triplets: residual = bincount(row, value·x[col]) − rhs
        a = lp.a
        cols = np.repeat(np.arange(a.shape[1]), np.diff(a.indptr))
        keep = a.indices < lp.n_balance
        self.b_row = a.indices[keep]
        self.b_col = cols[keep]
        self.b_val = a.data[keep]
        self.n_balance = lp.n_balance
        self.unserved = plan.unserved_cols
        self.group = plan.demand_group
        self.n_groups = len(plan.groups)

    # ---- applying a sample -------------------------------------------------------------
    def _apply(self, lb: np.ndarray, ub: np.ndarray, mult: np.ndarray | None) -> int:
        h = self.h
        p = self.plan
        changed = np.flatnonzero((lb != self.cur_lb) | (ub != self.cur_ub))
        n = len(changed)
        if n:
            cols = p.touched[changed]
            h.changeColsBounds(n, cols.astype(np.int32), lb[changed], ub[changed])
            self.cur_lb[changed] = lb[changed]
            self.cur_ub[changed] = ub[changed]
            self.lb[cols] = lb[changed]
            self.ub[cols] = ub[changed]
        if len(p.shock_demands):
            m = mult if mult is not None else 1.0
            dub = self.shock_amount * m
            rhs = self.base_rhs.copy()
            np.add.at(rhs, self.shock_row_pos, self.shock_amount * (m - 1.0))
            ch = np.flatnonzero((dub != self.cur_dub).ravel())
            if len(ch):
                cols = self.shock_cols.ravel()[ch]
                vals = dub.ravel()[ch]
                h.changeColsBounds(len(ch), cols.astype(np.int32), np.zeros(len(ch)), vals)
                self.cur_dub.ravel()[ch] = vals
                self.ub[cols] = vals
                n += len(ch)
            chr_ = np.flatnonzero(rhs != self.cur_rhs)
            if len(chr_):
                rows = self.shock_rows[chr_]
                h.changeRowsBounds(len(chr_), rows.astype(np.int32), rhs[chr_], rhs[chr_])
                self.cur_rhs[chr_] = rhs[chr_]
                self.rhs[rows] = rhs[chr_]
                n += len(chr_)
        return n

    # ---- solving -----------------------------------------------------------------------
    def _run(self) -> _Sol:
        h = self.h
        h.run()
        st = h.getModelStatus()
        info = h.getInfo()
        its = int(info.simplex_iteration_count) + int(info.ipm_iteration_count)
        if st != _OPTIMAL:
            return _Sol(h.modelStatusToString(st), np.nan, None, its)
        x = np.array(h.getSolution().col_value)
        return _Sol("optimal", float(info.objective_function_value), x, its)

    def _warm(self) -> _Sol:
        h = self.h
        h.clearSolver()
        h.setBasis(self.basis)
        h.setOptionValue("simplex_iteration_limit", self.plan.warm_iteration_limit)
        try:
            return self._run()
        finally:
            h.setOptionValue("simplex_iteration_limit", INF_ITER)

    def _cold(self) -> _Sol:
        self.h.clearSolver()
        return self._run()

    def _check(self, i: int, x: np.ndarray) -> None:
        res = np.bincount(self.b_row, self.b_val * x[self.b_col], minlength=self.n_balance) - self.rhs
        worst = float(np.max(np.abs(res))) if len(res) else 0.0
        if worst > TOLERANCE:
            k = int(np.argmax(np.abs(res)))
            T = self.plan.T
            raise MassBalanceError(
                f"sample {i}: mass balance broken by {res[k]:.3g} t for "
                f"{self.plan.balance_names[k // T]} in {self.plan.labels[k % T]}; the solver's "
                "answer is not trustworthy")
        over = max(float(np.max(self.lb - x, initial=0.0)),
                   float(np.max(np.where(np.isfinite(self.ub), x - self.ub, 0.0), initial=0.0)))
        if over > TOLERANCE:
            raise MassBalanceError(f"sample {i}: a variable breaks its bounds by {over:.3g}")

    def solve_sample(self, seed: int, i: int, verify: bool = False) -> dict:
        t0 = time.perf_counter()
        counts, effects = sample_effects(self.plan, seed, i)
        lb, ub, mult = sample_bounds(self.plan, effects)
        self._apply(lb, ub, mult)
        sol = self._warm()
        method = WARM
        iters = sol.iterations
        if sol.status != "optimal":
            sol = self._cold()
            method = COLD_FALLBACK
            iters += sol.iterations
        if sol.status != "optimal":
            raise SolveError(f"sample {i} (seed {seed}) could not be solved ({sol.status}) with "
                             f"these events: {self._describe(effects)}. Together they remove "
                             "something a constraint requires (a minimum, a binding agreement); "
                             "narrow the events' start/end or severity")
        self._check(i, sol.x)
        cold_obj = np.nan
        if verify and method == WARM:
            ref = self._cold()
            cold_obj = ref.objective
            if ref.status != "optimal" or abs(ref.objective - sol.objective) > \
                    VERIFY_RTOL * max(1.0, abs(ref.objective)):
                raise VerificationError(
                    f"sample {i}: warm objective {sol.objective:.10g} differs from the cold "
                    f"solve's {ref.objective:.10g} by more than {VERIFY_RTOL:g} relative")
        req = self.plan.demand_amount
        if mult is not None:
            req = req.copy()
            req[self.plan.shock_demands] *= mult
        u = sol.x[self.unserved]  # (D, T)
        if self.plan.demand_ties is not None:  # as Model.solve: equal priority, pro rata
            u = share(u, req, self.plan.demand_ties)
        u = np.where(u > 0, u, 0.0)
        g = np.zeros((self.n_groups, self.plan.T))
        np.add.at(g, self.group, u)
        greq = np.zeros(self.n_groups)
        np.add.at(greq, self.group, req.sum(axis=1))
        tol = self.plan.tolerance
        return {
            "objective": sol.objective,
            "unserved": g.sum(axis=1),
            "periods_short": (g > tol).sum(axis=1).astype(np.int32),
            "requested": greq,
            "events": counts,
            "method": method,
            "iterations": iters,
            "cold_objective": cold_obj,
            "seconds": time.perf_counter() - t0,
        }

    def _describe(self, effects) -> str:
        parts = []
        for ev, eff in zip(self.plan.events, effects, strict=True):
            if eff is not None and np.any(eff != 0):
                when = [self.plan.labels[t] for t in np.flatnonzero(eff != 0)]
                parts.append(f"{ev.id} ({when[0]}" + (f"–{when[-1]})" if len(when) > 1 else ")"))
        return ", ".join(parts) or "none"

    def precheck(self) -> list[tuple[int, str, str]]:
        """Each event alone at its hardest, over every period it can reach: does the model
        still solve? Returns (event index, status, periods) for those that make it infeasible."""
        p = self.plan
        bad = []
        for k, ev in enumerate(p.events):
            if ev.worst == 0 or ev.reach is None or not ev.reach.any():
                continue
            effects: list[np.ndarray | None] = [None] * len(p.events)
            effects[k] = np.where(ev.reach, ev.worst, 0.0)
            self._apply(*sample_bounds(p, effects))
            sol = self._warm()
            if sol.status != "optimal":
                sol = self._cold()
            if sol.status != "optimal":
                when = [p.labels[t] for t in np.flatnonzero(ev.reach)]
                bad.append((k, sol.status, f"{when[0]}–{when[-1]}" if len(when) > 1 else when[0]))
        self._apply(p.t_lb.copy(), p.t_ub.copy(), None)
        return bad

    def run_chunk(self, seed: int, indices, verify: set[int]) -> dict:
        recs = [self.solve_sample(seed, int(i), int(i) in verify) for i in indices]
        return stack(list(indices), recs)


def stack(indices: list[int], recs: list[dict]) -> dict:
    out = {"index": np.asarray(indices, dtype=np.int64)}
    for k in ("objective", "unserved", "periods_short", "requested", "events", "method",
              "iterations", "cold_objective", "seconds"):
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


def run_chunk(plan: Plan, seed: int, indices, verify, options: dict | None = None) -> dict:
    """Task function for pools and Dask: solve samples `indices` on this worker's kernel."""
    return kernel_for(plan, options).run_chunk(seed, indices, set(verify))
