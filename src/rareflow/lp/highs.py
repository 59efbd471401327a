"""The HiGHS backend: hand the frozen arrays over once, keep the solver for warm re-solves.

The only module that imports `highspy` (tests/test_layers.py checks it). Everything else —
`Model.solve`, the sweep kernel, the diagnosis of infeasible scenarios — talks to HiGHS
through the small functions below, so that a change of HiGHS's Python API (it has changed
between releases: `HighsBasis`, `passModel`'s signature, the banner) is mended here once.
The solver object they take is opaque to the callers: they create it with `new_solver` and
pass it back.
"""

from __future__ import annotations

import os
import sys
import threading
import time
from dataclasses import dataclass, field

import highspy
import numpy as np

from rareflow.errors import RareflowError
from rareflow.lp.matrix import Frozen

DEFAULT_OPTIONS: dict[str, object] = {
    "output_flag": False,
    "primal_feasibility_tolerance": 1e-9,
    "dual_feasibility_tolerance": 1e-9,
}


INF_ITER = 2147483647  # HiGHS's "no limit" for iteration counts


@dataclass
class Solution:
    """One run's answer. Duals and row values are None when the caller asked for the primal
    solution alone (a sweep sample reads only `x`; converting the rest costs time)."""

    status: str
    objective: float
    x: np.ndarray
    row_dual: np.ndarray | None
    col_dual: np.ndarray | None
    row_value: np.ndarray | None
    seconds: float
    iterations: int
    info: dict = field(default_factory=dict)
    method: str = ""  # "cold", "warm", "cold (warm over its limit)" (rareflow.lp.solving)


_BANNER_LOCK = threading.Lock()
_banner_done = False


def _silence_banner() -> None:
    """Swallow the copyright banner HiGHS (>= 1.12) prints from C++ on its first construction.

    It goes to file descriptor 1 before any option can be set, so it would corrupt the output
    of `rareflow run --json`, of piped CSV and of any process that talks over stdout. Only the
    first construction in a process prints it, so one throwaway solver behind a redirected fd 1
    is enough.
    """
    global _banner_done
    with _BANNER_LOCK:
        if _banner_done:
            return
        sys.stdout.flush()
        saved = os.dup(1)
        try:
            with open(os.devnull, "wb") as null:
                os.dup2(null.fileno(), 1)
                highspy.Highs()
        finally:
            os.dup2(saved, 1)
            os.close(saved)
        _banner_done = True


def new_solver(lp: Frozen, options: dict | None = None) -> highspy.Highs:
    _silence_banner()
    h = highspy.Highs()
    for k, v in {**DEFAULT_OPTIONS, **(options or {})}.items():
        set_option(h, k, v)
    # The CSC arrays go over in one call: no staging HighsLp, filled attribute by attribute
    # (0.1 s and a full copy of the matrix at 250,000 variables).
    n_rows, n_cols = lp.shape
    a = lp.csc  # the arrays themselves: no scipy.sparse on the solve path (lp/matrix.py)
    integrality = np.zeros(n_cols, dtype=np.int32)
    if len(lp.integer):
        integrality[lp.integer] = int(highspy.HighsVarType.kInteger)
    status = h.passModel(n_cols, n_rows, int(a.nnz), int(highspy.MatrixFormat.kColwise),
                int(highspy.ObjSense.kMinimize), 0.0,
                np.ascontiguousarray(lp.cost, dtype=np.float64),
                np.ascontiguousarray(lp.lb, dtype=np.float64),
                np.ascontiguousarray(lp.ub, dtype=np.float64),
                np.ascontiguousarray(lp.row_lb, dtype=np.float64),
                np.ascontiguousarray(lp.row_ub, dtype=np.float64),
                a.indptr.astype(np.int32, copy=False), a.indices.astype(np.int32, copy=False),
                np.ascontiguousarray(a.data, dtype=np.float64), integrality)
    if status == highspy.HighsStatus.kError:
        raise RareflowError("HiGHS refused the model (inconsistent arrays); this is a bug in "
                            "rareflow's assembly, please report it with the scenario")
    return h


def run_mip(h: highspy.Highs, lp: Frozen) -> Solution:
    """Solve with the integers, then fix them and re-solve the LP so duals (prices) exist."""
    sol = run(h)
    if sol.status != "optimal" or not len(lp.integer):
        return sol
    idx = lp.integer.astype(np.int32)
    fixed = np.round(sol.x[idx])
    n = len(idx)
    h.changeColsIntegrality(n, idx, np.full(n, highspy.HighsVarType.kContinuous))
    h.changeColsBounds(n, idx, fixed, fixed)
    try:
        lp_sol = run(h)
    finally:
        h.changeColsBounds(n, idx, lp.lb[idx], lp.ub[idx])
        h.changeColsIntegrality(n, idx, np.full(n, highspy.HighsVarType.kInteger))
    lp_sol.info["mip_objective"] = sol.objective
    lp_sol.seconds += sol.seconds
    return lp_sol


def set_option(h: highspy.Highs, key: str, value: object) -> None:
    kind = h.getOptionType(key)
    if kind[0] != highspy.HighsStatus.kOk:
        raise RareflowError(f"unknown HiGHS option '{key}'; see the HiGHS options reference")
    t = kind[1]
    if t == highspy.HighsOptionType.kBool and isinstance(value, str):
        value = value.lower() in ("1", "true", "on", "yes")
    elif t == highspy.HighsOptionType.kInt:
        value = int(value)
    elif t == highspy.HighsOptionType.kDouble:
        value = float(value)
    if h.setOptionValue(key, value) != highspy.HighsStatus.kOk:
        raise RareflowError(f"HiGHS refused option {key}={value!r}")


_STATUS = {
    highspy.HighsModelStatus.kOptimal: "optimal",
    highspy.HighsModelStatus.kModelEmpty: "optimal",  # nothing to decide: the empty answer
    highspy.HighsModelStatus.kInfeasible: "infeasible",
    highspy.HighsModelStatus.kUnbounded: "unbounded",
    highspy.HighsModelStatus.kUnboundedOrInfeasible: "infeasible_or_unbounded",
    highspy.HighsModelStatus.kTimeLimit: "time_limit",
    highspy.HighsModelStatus.kIterationLimit: "iteration_limit",
    highspy.HighsModelStatus.kInterrupt: "interrupted",
}


def status(h: highspy.Highs) -> str:
    """The model status of the last run in rareflow's words ('optimal', 'infeasible', …)."""
    st = h.getModelStatus()
    return _STATUS.get(st) or h.modelStatusToString(st)


def _floats(values: list[float]) -> np.ndarray:
    """A float64 array of one of HiGHS's solution vectors (highspy hands them over as Python
    lists): `np.fromiter` with the type and length given reads it in one pass, without
    `np.asarray`'s type inference — the same numbers, ~0.2 ms sooner a sweep sample on
    baseline-2024 (3,599 columns) and ~0.5 ms on the calibrated monthly world (13,488)."""
    return np.fromiter(values, np.float64, len(values))


def run(h: highspy.Highs, duals: bool = True) -> Solution:
    """Run HiGHS from whatever state it holds and read the answer (`x` only if not `duals`)."""
    t0 = time.perf_counter()
    h.run()
    seconds = time.perf_counter() - t0
    st = status(h)
    info = h.getInfo()
    n = h.getNumCol()
    row_dual = col_dual = row_value = None
    if st == "optimal":
        sol = h.getSolution()
        x = _floats(sol.col_value)
        if duals:
            row_dual = _floats(sol.row_dual)
            col_dual = _floats(sol.col_dual)
            row_value = _floats(sol.row_value)
        obj = float(info.objective_function_value)
    else:
        x = np.full(n, np.nan)
        if duals:
            m = h.getNumRow()
            row_dual, col_dual, row_value = np.full(m, np.nan), np.full(n, np.nan), np.full(m, np.nan)
        obj = float("nan")
    return Solution(st, obj, x, row_dual, col_dual, row_value, seconds,
                    int(info.simplex_iteration_count) + int(info.ipm_iteration_count),
                    {"highs_run_time": h.getRunTime()})


# ---- changing the kept model between runs ------------------------------------------------


def change_col_bounds(h: highspy.Highs, cols: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> None:
    """New bounds for columns `cols` (in one call; the solver keeps its basis)."""
    n = len(cols)
    if n:
        h.changeColsBounds(n, np.asarray(cols, dtype=np.int32),
                           np.ascontiguousarray(lb, dtype=np.float64),
                           np.ascontiguousarray(ub, dtype=np.float64))


def change_row_bounds(h: highspy.Highs, rows: np.ndarray, lb: np.ndarray, ub: np.ndarray) -> None:
    """New bounds (right-hand sides) for rows `rows`, in one call."""
    n = len(rows)
    if n:
        h.changeRowsBounds(n, np.asarray(rows, dtype=np.int32),
                           np.ascontiguousarray(lb, dtype=np.float64),
                           np.ascontiguousarray(ub, dtype=np.float64))


def change_costs(h: highspy.Highs, cols: np.ndarray, cost: np.ndarray) -> None:
    """New objective coefficients for some columns; the basis is kept (now maybe not optimal,
    still primal feasible: the simplex goes on from it)."""
    if len(cols):
        h.changeColsCost(len(cols), np.asarray(cols, dtype=np.int32),
                         np.ascontiguousarray(cost, dtype=np.float64))


def forget_basis(h: highspy.Highs) -> None:
    """Drop the basis and solution but keep the model: the next `run` starts cold."""
    h.clearSolver()


def set_iteration_limit(h: highspy.Highs, limit: int | None) -> None:
    """Stop the simplex after `limit` iterations (None: no limit). Called around every warm
    sample of a sweep, so it skips `set_option`'s type look-up."""
    h.setOptionValue("simplex_iteration_limit", INF_ITER if limit is None else int(limit))


def clear(h: highspy.Highs) -> None:
    """Forget the basis, the factorisation and the edge weights: the next run starts afresh."""
    h.clearSolver()


# ---- bases ---------------------------------------------------------------------------------


def has_basis(h: highspy.Highs) -> bool:
    """Does the solver hold a valid basis (from its last run, or one that was set)?

    Read from the basis itself: `getInfo().basis_validity` is reset by any bound change
    although HiGHS keeps the basis and starts from it (and `getInfo` is 20× slower)."""
    return bool(h.getBasis().valid)


def get_basis(h: highspy.Highs) -> tuple[np.ndarray, np.ndarray]:
    """The basis the solver holds, as int8 status codes per column and per row (plain arrays
    that pickle to other processes; `make_basis` turns them back into HiGHS's object)."""
    b = h.getBasis()
    col = np.fromiter((int(s) for s in b.col_status), np.int8, len(b.col_status))
    row = np.fromiter((int(s) for s in b.row_status), np.int8, len(b.row_status))
    return col, row


def make_basis(col_status: np.ndarray, row_status: np.ndarray,
               own: bool = False) -> highspy.HighsBasis:
    """HiGHS's basis object from `get_basis`'s codes, built once and set before many runs.

    `own`: the codes are a basis HiGHS itself gave for this LP's matrix (`get_basis` after a
    solve, as a sweep's base basis): it is then marked as such (`alien = False`), so
    `setBasis` only checks its size and its count of basic variables. Otherwise (a basis put
    together by hand) it stays "alien", and `setBasis` first factors it to find and replace
    dependent basic columns. On a basis HiGHS found for the same matrix there are none
    (bounds never change the matrix), so that factorisation (on the LP scaled by powers of
    two, undone exactly) changes nothing, and `run` factors the basis again anyway: ~0.2 ms
    a sweep sample on baseline-2024, ~1 ms on the calibrated monthly world, for the same
    start and the same answers bit for bit."""
    top = int(max(col_status.max(initial=0), row_status.max(initial=0)))
    lut = [highspy.HighsBasisStatus(k) for k in range(top + 1)]
    b = highspy.HighsBasis()
    b.col_status = [lut[k] for k in col_status.tolist()]
    b.row_status = [lut[k] for k in row_status.tolist()]
    b.valid = True
    b.alien = not own
    return b


def set_basis(h: highspy.Highs, basis: highspy.HighsBasis) -> None:
    h.setBasis(basis)


def accepts_basis(h: highspy.Highs, basis: highspy.HighsBasis) -> bool:
    """Does HiGHS take `basis` for the model it holds (sizes and count of basic variables
    consistent)? Checked once before a basis built by hand is used for many solves; the
    solver is cleared again afterwards."""
    ok = h.setBasis(basis) == highspy.HighsStatus.kOk and bool(h.getBasis().valid)
    h.clearSolver()
    return ok


# ---- infeasibility -------------------------------------------------------------------------


def relax(h: highspy.Highs) -> tuple[np.ndarray, np.ndarray] | None:
    """HiGHS's feasibility relaxation (every row and bound may bend, at a unit cost): the
    column and row values of the least bent solution, or None if HiGHS could not find one."""
    if h.feasibilityRelaxation(1.0, 1.0, 1.0) == highspy.HighsStatus.kError:
        return None
    sol = h.getSolution()
    return np.asarray(sol.col_value), np.asarray(sol.row_value)


# ---- files -----------------------------------------------------------------------------------


def write_model(lp: Frozen, path: str, col_names: list[str] | None = None,
                row_names: list[str] | None = None) -> None:
    """Write the LP to `path` in the format its suffix names (`.lp` or `.mps`), with names.

    A fresh solver is made for it, so the kept one (its basis, a staged solve's bounds) is left
    as it was. Names must suit the format (lp/names.py spells them so)."""
    h = new_solver(lp)
    for j, n in enumerate(col_names or []):
        h.passColName(j, n)
    for i, n in enumerate(row_names or []):
        h.passRowName(i, n)
    if h.writeModel(str(path)) == highspy.HighsStatus.kError:
        raise RareflowError(f"HiGHS could not write the model to {path}; the suffix must be "
                            ".lp or .mps and the folder writable")


def solve_file(path: str, options: dict | None = None) -> Solution:
    """Read an LP or MPS file with HiGHS and solve it: a check that a written model is whole
    (its objective matches the model's), and a way to solve a file written elsewhere."""
    _silence_banner()
    h = highspy.Highs()
    for k, v in {**DEFAULT_OPTIONS, **(options or {})}.items():
        set_option(h, k, v)
    if h.readModel(str(path)) == highspy.HighsStatus.kError:
        raise RareflowError(f"HiGHS could not read {path} as an LP or MPS file")
    return run(h)
