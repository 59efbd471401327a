"""One solve path: which HiGHS method, warm or cold, and what to do when a warm start fails.

`Model.solve` (a scenario, and its re-solves after bounds changed) and the sweep kernel
(thousands of samples on one kept model) both solve through `solve()` here, so the rule is
written, measured and tested once:

- **MIP** (lumpy candidates): left to HiGHS, then the integers are fixed and the LP re-solved
  for prices (`highs.run_mip`).
- **warm** when there is a basis to start from: the one the solver holds from its last solve
  (`Model.solve` re-solving), or one given (`basis=`: a sweep starts every sample from the
  base-case basis, after clearing the solver so that the answer is a function of that sample
  alone, bit for bit). The dual simplex runs with an iteration limit (`warm_iteration_limit`);
  a warm solve that ends anything but optimal — over its limit, or a basis HiGHS could not
  use — is cleared and re-solved **cold**: "cold (warm over its limit)".
- **cold** otherwise: dual simplex with presolve, no basis.
- **IPM + crossover** when a cold dual-simplex solve ends non-optimal for a numerical reason
  (HiGHS's "Not Set" after "excessive dual values", a solve error — not a proven infeasible
  or unbounded model, nor a limit the user set). Seen on the calibrated monthly world
  (china-controls-2025 with a licence squeeze at its hardest): the dual simplex gives up
  while the interior point solves it. Crossover turns the interior answer into a vertex, so
  duals stay vertex prices; the method reads "ipm + crossover (simplex failed: <status>)".
  An answer that still fails keeps its status and the caller reports it.

The method options (serial dual simplex; lp/method.py) are set by `configure`, which
`Model.solve` calls before every solve (the user may have changed options) and the kernel
once (its options never change).
"""

from __future__ import annotations

from rareflow.lp import highs, method
from rareflow.lp.matrix import Frozen

COLD, WARM, COLD_FALLBACK = "cold", "warm", "cold (warm over its limit)"
IPM_FALLBACK = "ipm + crossover (simplex failed)"
# statuses that are answers (or limits someone chose), not numerical trouble: never retried
DEFINITE = frozenset({"optimal", "infeasible", "unbounded", "infeasible_or_unbounded",
                      "time_limit", "iteration_limit", "interrupted"})
ITERATION_LIMIT_KEY = "simplex_iteration_limit"


def warm_iteration_limit(n_rows: int) -> int:
    """Simplex iterations a warm re-solve may take before it is re-solved cold.

    Measured with benchmarks/warm_cold.py (20- and 50-region worlds, shocks changing 1 %–100 %
    of all facility and route columns at severity 0.5–1; docs/sweep.md, "Warm or cold"):
    warm won all 36 cases (0.05–0.73 of the cold time). A cold dual-simplex solve with presolve
    takes 2.2–3.1 iterations per row; a warm iteration costs about 1.3× a cold one (the cold
    solve works on the presolved LP), so warm stops paying near 2 iterations per row — the
    largest shock took 1.27. Stopping there bounds the worst case at about twice a cold solve
    (the iterations spent, then the cold solve), while never stopping a warm solve that would
    have won on the measured shocks. It depends only on the model, so the choice is
    deterministic.
    """
    return int(2.0 * n_rows) + 200


def configure(h, lp: Frozen, user: dict | None = None, single: bool = False) -> None:
    """Set the measured method (lp/method.py) on the solver, leaving the user's keys alone.

    `single`: a one-off solve of a whole model (`Model.solve` without stages), for which the
    rule may pick interior point + crossover on large cold solves. Sweeps (a base solve whose
    basis thousands of warm re-solves start from) and staged solves (each stage must fix the
    same past on every solve of the model) keep the dual simplex."""
    mip = len(lp.integer) > 0
    rows, cols = lp.shape
    for k, v in method.choose(cols, highs.has_basis(h), mip, user or {}, n_rows=rows,
                              nnz=lp.csc.nnz, single=single).items():
        highs.set_option(h, k, v)


def solve(h, lp: Frozen, user: dict | None = None, basis=None, iteration_limit: int | None = None,
          duals: bool = True) -> highs.Solution:
    """Solve the model `h` holds (the arrays of `lp`, with whatever bounds were changed since),
    warm or cold by the rule above; `sol.method` says which, `sol.iterations` counts both
    attempts of a fallback.

    `user`: the options the user chose (a `simplex_iteration_limit` of theirs replaces the
    warm limit). `basis`: a basis from `highs.make_basis` to start from, instead of the one the
    solver holds. `iteration_limit`: the warm limit (default `warm_iteration_limit`).
    `duals=False` reads the primal solution only (a sweep sample)."""
    if len(lp.integer):
        sol = highs.run_mip(h, lp)
        sol.method = COLD
        return sol
    if basis is not None:
        highs.clear(h)
        highs.set_basis(h, basis)
    elif not highs.has_basis(h):
        sol = highs.run(h, duals)
        sol.method = COLD
        return _rescue(h, sol, user, duals)
    ours = ITERATION_LIMIT_KEY not in (user or {})
    if ours:
        highs.set_iteration_limit(h, warm_iteration_limit(lp.shape[0]) if iteration_limit is None
                                  else iteration_limit)
    try:
        sol = highs.run(h, duals)
    finally:
        if ours:
            highs.set_iteration_limit(h, None)
    if sol.status == "optimal":
        sol.method = WARM
        return sol
    spent = sol.iterations
    sol = cold(h, duals)
    sol.iterations += spent
    sol.method = COLD_FALLBACK
    return _rescue(h, sol, user, duals)


def numerical_failure(status: str) -> bool:
    """Did the simplex stop without an answer for a numerical reason (worth an IPM retry)?"""
    return status not in DEFINITE


def _rescue(h, sol: highs.Solution, user: dict | None, duals: bool) -> highs.Solution:
    """A cold dual simplex that failed numerically: re-solve with IPM + crossover (a vertex,
    so duals stay vertex prices), then put the simplex back for the next solve. The user's
    own `solver` choice is left alone (they asked for that method)."""
    if not numerical_failure(sol.status) or "solver" in (user or {}):
        return sol
    failed, spent, seconds = sol.status, sol.iterations, sol.seconds
    highs.clear(h)
    highs.set_option(h, "solver", "ipm")
    highs.set_option(h, "run_crossover", "on")
    try:
        sol = highs.run(h, duals)
    finally:
        highs.set_option(h, "solver", method.DUAL_SIMPLEX["solver"])
    sol.iterations += spent
    sol.seconds += seconds
    sol.method = IPM_FALLBACK
    sol.info["simplex_status"] = failed
    return sol


def cold(h, duals: bool = True) -> highs.Solution:
    """Clear the solver and solve from scratch (presolve, no basis): the reference a sweep's
    warm answers are verified against, and the fallback of a warm solve."""
    highs.clear(h)
    sol = highs.run(h, duals)
    sol.method = COLD
    return sol
