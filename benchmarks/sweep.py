"""Disruption sweeps side by side in one run: rareflow, HiGHS alone, linopy two ways.

    python benchmarks/sweep.py                      # baseline-2024, the 50-region world, china-controls-2025
    python benchmarks/sweep.py --quick              # fewer samples (development)
    python benchmarks/sweep.py --cases baseline-2024 --n 200
    python benchmarks/sweep.py --cli                # also: `rareflow sweep china-controls-2025 -n 1000`

Every way solves the *same* samples (the bounds and right-hand sides rareflow's sampler draws
for seed 0, i = 0 … n−1, with the sample's past — the periods before its first sampled event —
held at the base plan, as rareflow's sweep holds it: events are surprises) of the same LP, and
the objectives are compared (1e-6 relative):
- rareflow: the solve phase of `rareflow.sweep.sweep(..., workers=1)` in this process (the
  events' pre-check, then `runners.run_inline`, as `sweep()` runs them) — sampling, bound
  changes, warm re-solve from the base basis, mass-balance check, per-group statistics and
  the 1 % verification against cold solves all included (and `sweep(..., workers=2)`, for
  reference: its wall time, the only clock that sees both processes);
- HiGHS alone (the floor): a bare `highspy.Highs` holding the LP; per sample only the bounds
  and right-hand sides that differ from the previous sample's are changed and `run()` starts
  warm from the previous basis; the changes are computed before the clock starts, and only
  the objective is read;
- HiGHS alone from the base basis: the same, but each sample starts where rareflow's does —
  the solver cleared and the base-case basis set before `run()` (what makes a sample's answer
  independent of the samples before it); the floor for rareflow's way of solving;
- HiGHS alone on the reduced LPs (the floor for what rareflow now solves): per k, a bare
  `highspy.Highs` holding the LP of periods k… with the held past substituted out
  (rareflow.lp.reduce, built before the clock starts, starting from the restricted base basis);
  each sample goes to the model of its k, which changes only the bounds and right-hand sides
  that differ from the previous sample it solved and re-solves warm from that one's basis;
- linopy, persistent solver (what a competent linopy user does): the model built once
  (benchmarks/linopy_model.py), `linopy.solvers.Solver.from_name("highs", model=m,
  io_api="direct", track_updates=True)`; per sample `Variable.update(lower=, upper=)` on the
  variables whose bounds changed since the previous sample and `Constraint.update(rhs=)` on
  the balances whose right-hand side changed, then `solver.solve(model=m,
  disallow_rebuild=True)`: linopy diffs the model against its snapshot and changes only those
  bounds on the kept HiGHS object, which re-solves warm from the previous basis;
- linopy, rebuild each sample: the same updates, then `Model.solve()`, which in linopy 0.10
  re-exports the model to a new HiGHS object and solves cold.
The linopy ways are slower, so they solve the first `--n-linopy` / `--n-rebuilt` samples;
rates are per sample. Every in-process way is timed in CPU seconds of this process (the
machine is shared: wall time would count the other sessions' work too). The ways take turns
(`--repeat` rounds of rareflow, the two HiGHS alone and linopy persistent; the best and the
median of each are reported).

baseline-2024's uncertainty block is the one in examples/sweep-demo.yaml (events from 2025);
china-controls-2025 and the synthetic worlds use their own.
Prints a table with the ratios and writes benchmarks/results/sweep.json.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
ROOT = HERE.parent
sys.path.insert(0, str(HERE))

import highspy  # noqa: E402
import yaml  # noqa: E402

import rareflow  # noqa: E402
from rareflow.lp.model import Model  # noqa: E402
from rareflow.lp.reduce import fix_columns, restrict_basis  # noqa: E402
from rareflow.scenario.loader import from_dict  # noqa: E402
from rareflow.sweep import runners, sweep  # noqa: E402
from rareflow.sweep.api import default_verify, precheck, verify_indices  # noqa: E402
from rareflow.sweep.kernel import METHODS, forget, held_until  # noqa: E402
from rareflow.sweep.plan import compile_plan  # noqa: E402
from rareflow.sweep.sample import sample_bounds, sample_effects  # noqa: E402

DEMO = ROOT / "examples" / "sweep-demo.yaml"
TOL = {"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9}


def demo_block() -> dict:
    return yaml.safe_load(DEMO.read_text())["uncertainty"]


def model_for(case: str) -> Model:
    if case.endswith("-world") or "x" in case and case.split("x")[0].isdigit():
        import worlds

        r, p = case.removesuffix("-world").split("x")
        w = worlds.world(int(r), p if p in ("monthly", "blocks") else int(p))
        w["uncertainty"] = worlds.uncertainty(w)
        return Model(from_dict(w))
    m = rareflow.load(case)
    if m.scenario.uncertainty is None:
        m = rareflow.load(case, overrides={"uncertainty": demo_block()})
    return m


def held_k(plan, seed: int, i: int) -> int:
    """How many periods sample i holds at the base plan (0 on a plan with foresight)."""
    return held_until(plan, sample_effects(plan, seed, i)[1]) if plan.base_x is not None else 0


def changes(plan, seed: int, i: int):
    """Full column bounds and row lower/upper bounds of sample i, as the sweep kernel sets
    them (sweep/kernel.py): event bounds, demand shocks, the past held at the base plan."""
    lp = plan.frozen
    _, eff = sample_effects(plan, seed, i)
    tlb, tub, mult = sample_bounds(plan, eff)
    lb, ub = lp.lb.copy(), lp.ub.copy()
    lb[plan.touched], ub[plan.touched] = tlb, tub
    rhs = lp.row_lb.copy()
    if mult is not None:
        sd = plan.shock_demands
        new = plan.demand_amount[sd] * mult
        np.add.at(rhs, plan.demand_rows[sd], new - plan.demand_amount[sd])
        ub[plan.unserved_cols[sd]] = new
    k = held_until(plan, eff)
    if plan.base_x is not None and k > 0:
        held = np.flatnonzero(plan.col_period < k)
        v = np.clip(plan.base_x[held], lb[held], ub[held])
        lb[held] = ub[held] = v
    return lb, ub, rhs


def highs_alone(plan, samples, base_start: bool = False) -> tuple[float, list[float]]:
    """HiGHS alone on the samples' changes: warm from the previous sample's basis, or with
    `base_start` from the base-case basis on a cleared solver (rareflow's start)."""
    lp = plan.frozen
    a = lp.a
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for k, v in TOL.items():
        h.setOptionValue(k, v)
    nr, nc = lp.shape
    h.passModel(nc, nr, a.nnz, 1, 1, 0.0, lp.cost, lp.lb, lp.ub, lp.row_lb, lp.row_ub,
                a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data, np.zeros(nc, np.int32))
    h.run()
    # what each sample changes relative to the previous one (computed before the clock starts)
    diffs = []
    plb, pub, prhs = lp.lb, lp.ub, lp.row_lb
    for lb, ub, rhs in samples:
        c = np.flatnonzero((lb != plb) | (ub != pub)).astype(np.int32)
        r = np.flatnonzero(rhs != prhs).astype(np.int32)
        diffs.append((c, lb[c], ub[c], r, rhs[r]))
        plb, pub, prhs = lb, ub, rhs
    basis = None
    if base_start:
        basis = highspy.HighsBasis()
        basis.col_status = [highspy.HighsBasisStatus(int(k)) for k in plan.base_col_status]
        basis.row_status = [highspy.HighsBasisStatus(int(k)) for k in plan.base_row_status]
        basis.valid = True
        basis.alien = False  # HiGHS's own basis for this matrix: taken as is (as rareflow does)
    objs = []
    t = time.process_time()
    for c, lo, up, r, rv in diffs:
        if basis is not None:
            h.clearSolver()
        if len(c):
            h.changeColsBounds(len(c), c, lo, up)
        if len(r):
            h.changeRowsBounds(len(r), r, rv, rv)
        if basis is not None:
            h.setBasis(basis)
        h.run()
        objs.append(h.getInfo().objective_function_value)
    return time.process_time() - t, objs


def _bare(lp):
    h = highspy.Highs()
    h.setOptionValue("output_flag", False)
    for k, v in TOL.items():
        h.setOptionValue(k, v)
    nr, nc = lp.shape
    a = lp.a
    h.passModel(nc, nr, a.nnz, 1, 1, 0.0, lp.cost, lp.lb, lp.ub, lp.row_lb, lp.row_ub,
                a.indptr.astype(np.int32), a.indices.astype(np.int32), a.data, np.zeros(nc, np.int32))
    return h


def highs_alone_reduced(plan, samples, ks) -> tuple[float, list[float]]:
    """HiGHS alone on the LPs rareflow's kernel solves: per k the held past substituted out."""
    lp = plan.frozen
    models = {}
    for k in sorted(set(ks)):
        if k == 0:
            h = _bare(lp)
            h.run()
            models[k] = (h, None, lp.lb, lp.ub, lp.row_lb)
            continue
        held = np.flatnonzero(plan.col_period < k)
        red = fix_columns(lp, held, plan.base_x[held])
        if not len(red.cols):
            models[k] = (None, red, None, None, None)
            continue
        h = _bare(red.lp)
        col, row = restrict_basis(red, lp.a, plan.base_col_status, plan.base_row_status)
        b = highspy.HighsBasis()
        b.col_status = [highspy.HighsBasisStatus(int(v)) for v in col]
        b.row_status = [highspy.HighsBasisStatus(int(v)) for v in row]
        b.valid = True
        h.setBasis(b)
        models[k] = (h, red, red.lp.lb, red.lp.ub, red.lp.row_lb)
    diffs = []
    prev = {k: m[2:] for k, m in models.items()}
    for (lb, ub, rhs), k in zip(samples, ks, strict=True):
        h, red = models[k][:2]
        if red is not None:
            lb, ub = lb[red.cols], ub[red.cols]
            rhs = rhs[red.rows] - red.shift
        if h is None:
            diffs.append((k, None, None, None, None, None))
            continue
        plb, pub, prhs = prev[k]
        c = np.flatnonzero((lb != plb) | (ub != pub)).astype(np.int32)
        r = np.flatnonzero(rhs != prhs).astype(np.int32)
        diffs.append((k, c, lb[c], ub[c], r, rhs[r]))
        prev[k] = (lb, ub, rhs)
    objs = []
    t = time.perf_counter()
    for k, c, lo, up, r, rv in diffs:
        h, red = models[k][:2]
        if h is None:
            objs.append(red.objective_shift)
            continue
        if len(c):
            h.changeColsBounds(len(c), c, lo, up)
        if len(r):
            h.changeRowsBounds(len(r), r, rv, rv)
        h.run()
        objs.append(h.getInfo().objective_function_value + (red.objective_shift if red else 0.0))
    return time.perf_counter() - t, objs


class LinopyPeer:
    """The same LP in linopy (benchmarks/linopy_model.py) and the sample updates a linopy user
    writes: per variable and balance block, new bound / rhs arrays for what changed."""

    def __init__(self, model, plan) -> None:
        import linopy_model as L
        import xarray as xr

        self.xr = xr
        self.d = d = L.data(model.scenario)
        self.m = m = L.build(d)
        cmap = L.column_map(m, d, model.build)  # linopy label of every rareflow column
        inv = np.full(int(cmap.max()) + 1, -1)
        inv[cmap] = np.arange(len(cmap))
        # per variable: the rareflow column of each of its entries
        self.vars = {name: inv[v.labels.values] for name, v in m.variables.items()}
        # balance rows: (commodity, region, period) of each rareflow balance row
        lab = model.build.balance_labels()
        self.base_rhs = plan.frozen.row_lb[: plan.frozen.n_balance]
        self.rows = {}
        for c, part in lab.groupby("commodity", sort=False):
            con = m.constraints[f"balance_{c}"]
            rhs = con.rhs
            ri = rhs.indexes["region"].get_indexer(part["region"])
            ti = rhs.indexes["period"].get_indexer(part["period"].astype(str))
            self.rows[c] = (part.index.to_numpy(), ri, ti, rhs.copy())
        self.cur = None
        self.plan = plan

    def set_sample(self, lb, ub, rhs) -> None:
        """Update what differs from the previous sample (the first call sets everything)."""
        prev = self.cur
        for name, cols in self.vars.items():
            lo, up = lb[cols], ub[cols]
            if prev is not None and np.array_equal(lo, prev[0][cols]) and np.array_equal(up, prev[1][cols]):
                continue
            v = self.m.variables[name]
            v.update(lower=self.xr.DataArray(lo, coords=v.labels.coords),
                     upper=self.xr.DataArray(up, coords=v.labels.coords))
        for c, (rows, ri, ti, base) in self.rows.items():
            if prev is not None and np.array_equal(rhs[rows], prev[2][rows]):
                continue
            new = base.copy()
            new.values[ri, ti] = rhs[rows]
            self.m.constraints[f"balance_{c}"].update(rhs=new)
        self.cur = (lb, ub, rhs)

    def reset(self) -> None:
        """Back to the base bounds (a clean start for each way)."""
        lp = self.plan.frozen
        self.cur = None
        self.set_sample(lp.lb, lp.ub, lp.row_lb)


def linopy_persistent(peer: LinopyPeer, samples) -> tuple[float, list[float]]:
    from linopy.solvers import Solver

    peer.reset()
    solver = Solver.from_name("highs", model=peer.m, io_api="direct", track_updates=True,
                              options={"output_flag": False, **TOL})
    solver.solve(model=peer.m)  # the base
    objs = []
    t = time.process_time()
    for s in samples:
        peer.set_sample(*s)
        r = solver.solve(model=peer.m, disallow_rebuild=True)
        objs.append(r.solution.objective)
    dt = time.process_time() - t
    peer.cur = None
    return dt, objs


def linopy_rebuild(peer: LinopyPeer, samples) -> tuple[float, list[float]]:
    import linopy_model as L

    peer.reset()
    objs = []
    t = time.process_time()
    for s in samples:
        peer.set_sample(*s)
        objs.append(L.solve(peer.m, **TOL)[0])
    dt = time.process_time() - t
    peer.cur = None
    return dt, objs


def rareflow_inline(plan, n: int) -> tuple[float, dict]:
    """rareflow's sweep in this process, as `rareflow.sweep.sweep(..., workers=1)` runs it
    (the event pre-check, then `runners.run_inline` over samples 0…n−1 with the default 1 %
    verification), its solve phase timed in CPU seconds — `sweep()`'s `seconds["solve"]` is
    wall time, which on a shared machine measures the other sessions too."""
    precheck(plan, None)
    vset = verify_indices(0, n, default_verify(n))
    try:
        t = time.process_time()
        parts = runners.run_inline(plan, 0, list(range(n)), vset, None, None)
        dt = time.process_time() - t
    finally:
        forget(plan.key)
    out = {k: np.concatenate([p[k] for p in parts]) for k in ("index", "objective", "method",
                                                              "iterations", "cold_objective")}
    order = np.argsort(out["index"])
    return dt, {k: v[order] for k, v in out.items()}


def _stats(rates: list[float]) -> dict:
    rates = sorted(rates)
    return {"best": rates[-1], "median": rates[len(rates) // 2]}


def run_case(case: str, n: int, n_linopy: int, n_rebuilt: int, repeat: int = 3) -> dict:
    model = model_for(case)
    plan = compile_plan(model)
    samples = [changes(plan, 0, i) for i in range(n)]
    ks = [held_k(plan, 0, i) for i in range(n)]
    peer = LinopyPeer(model, plan)
    # rareflow, HiGHS alone and linopy persistent take turns, `repeat` times each (the machine
    # is shared, so single runs are noisy): best and median of each
    rf_t, h_t, hb_t, hr_t, lp_t = [], [], [], [], []
    res1 = obj_h = obj_hb = obj_hr = obj_p = None
    for _ in range(repeat):
        t, res1 = rareflow_inline(plan, n)
        rf_t.append(t)
        t, obj_h = highs_alone(plan, samples)
        h_t.append(t)
        t, obj_hb = highs_alone(plan, samples, base_start=True)
        hb_t.append(t)
        t, obj_hr = highs_alone_reduced(plan, samples, ks)
        hr_t.append(t)
        t, obj_p = linopy_persistent(peer, samples[:n_linopy])
        lp_t.append(t)
    res2 = sweep(model, n=n, seed=0, workers=2)
    t_rb, obj_rb = linopy_rebuild(peer, samples[:n_rebuilt])
    rf_obj = res1["objective"]

    def agree(objs):
        o = np.asarray(objs)
        return bool(np.all(np.abs(o - rf_obj[:len(o)]) <= 1e-6 * np.maximum(1, np.abs(rf_obj[:len(o)]))))

    st = {"rareflow (1 process)": _stats([n / t for t in rf_t]),
          "HiGHS alone": _stats([n / t for t in h_t]),
          "HiGHS alone, from the base basis": _stats([n / t for t in hb_t]),
          "HiGHS alone, reduced LPs": _stats([n / t for t in hr_t]),
          "linopy, persistent solver": _stats([n_linopy / t for t in lp_t])}
    rates = {
        "rareflow (1 process)": st["rareflow (1 process)"]["best"],
        "rareflow (2 processes)": n / res2.seconds["solve"],
        "HiGHS alone": st["HiGHS alone"]["best"],
        "HiGHS alone, from the base basis": st["HiGHS alone, from the base basis"]["best"],
        "HiGHS alone, reduced LPs": st["HiGHS alone, reduced LPs"]["best"],
        "linopy, persistent solver": st["linopy, persistent solver"]["best"],
        "linopy, rebuild each sample": n_rebuilt / t_rb,
    }
    med = {k: v["median"] for k, v in st.items()}
    return {
        "case": case, "variables": int(model.frozen.shape[1]), "samples": n,
        "linopy_samples": {"persistent": n_linopy, "rebuilt": n_rebuilt},
        "samples_per_second": rates, "median_samples_per_second": med,
        "ratios": {
            "rareflow / HiGHS alone": rates["rareflow (1 process)"] / rates["HiGHS alone"],
            "rareflow / HiGHS alone (medians)": med["rareflow (1 process)"] / med["HiGHS alone"],
            "rareflow / HiGHS alone from the base basis": rates["rareflow (1 process)"]
            / rates["HiGHS alone, from the base basis"],
            "rareflow / HiGHS alone from the base basis (medians)": med["rareflow (1 process)"]
            / med["HiGHS alone, from the base basis"],
            "rareflow / HiGHS alone, reduced LPs": rates["rareflow (1 process)"]
            / rates["HiGHS alone, reduced LPs"],
            "rareflow / HiGHS alone, reduced LPs (medians)": med["rareflow (1 process)"]
            / med["HiGHS alone, reduced LPs"],
            "rareflow / linopy persistent": rates["rareflow (1 process)"]
            / rates["linopy, persistent solver"],
            "rareflow / linopy persistent (medians)": med["rareflow (1 process)"]
            / med["linopy, persistent solver"],
            "rareflow / linopy rebuild": rates["rareflow (1 process)"] / rates["linopy, rebuild each sample"],
        },
        "held_periods": {"samples on a reduced LP (k > 0)": int(sum(k > 0 for k in ks)),
                         "mean k": float(np.mean(ks)), "T": plan.T},
        "objectives_agree": {"HiGHS alone": agree(obj_h),
                             "HiGHS alone, from the base basis": agree(obj_hb),
                             "HiGHS alone, reduced LPs": agree(obj_hr), "linopy persistent": agree(obj_p),
                             "linopy rebuild": agree(obj_rb)},
        "repeat": repeat,
        "rareflow": {"methods": {METHODS[int(c)]: int(k) for c, k in
                                 zip(*np.unique(res1["method"], return_counts=True), strict=True)},
                     "verified": int(np.isfinite(res1["cold_objective"]).sum()),
                     "mean_iterations": float(res1["iterations"].mean()),
                     "seconds_2_workers": res2.seconds},
    }


def cli_timing(n: int = 1000, workers: int = 2, repeat: int = 3, srcs: list[str] | None = None) -> dict:
    """`rareflow sweep china-controls-2025 -n 1000 --workers 2` as a whole process, `repeat`
    times for each source tree in `srcs` (PYTHONPATH; default: this one), taking turns: wall
    and CPU seconds (user + sys of the process and its workers), min and median."""
    import resource

    scn = "china-controls-2025"
    args = [sys.executable, "-m", "rareflow.cli", "sweep", scn, "-n", str(n), "--workers", str(workers),
            "--no-store"]
    m = rareflow.load(scn)
    note = ""
    if m.scenario.uncertainty is None:
        args += ["--uncertainty", str(DEMO)]
        note = f"{scn} has no uncertainty block; used the one in examples/sweep-demo.yaml"
    srcs = srcs or [os.environ.get("PYTHONPATH", "")]
    runs: dict[str, list] = {s: [] for s in srcs}
    first = {}
    for _ in range(repeat):
        for src in srcs:
            r0 = resource.getrusage(resource.RUSAGE_CHILDREN)
            t = time.perf_counter()
            p = subprocess.run(args, capture_output=True, text=True,
                               env={**os.environ, "COLUMNS": "120", "PYTHONPATH": src})
            wall = time.perf_counter() - t
            r1 = resource.getrusage(resource.RUSAGE_CHILDREN)
            cpu = r1.ru_utime - r0.ru_utime + r1.ru_stime - r0.ru_stime
            runs[src].append({"wall": wall, "cpu": cpu, "ok": p.returncode == 0})
            first[src] = (p.stdout.splitlines() or p.stderr.splitlines() or [""])[0]
            print(f"  {src or '(installed)'}: {wall:.2f} s wall, {cpu:.2f} s CPU, load "
                  f"{os.getloadavg()[0]:.1f}", flush=True)

    def mm(v):
        v = sorted(v)
        return {"min": v[0], "median": v[len(v) // 2]}

    return {"command": " ".join(args), "note": note, "repeat": repeat,
            "by_source": {s: {"wall": mm([r["wall"] for r in v]), "cpu": mm([r["cpu"] for r in v]),
                              "ok": all(r["ok"] for r in v), "runs": v, "first_line": first[s]}
                          for s, v in runs.items()}}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*", default=["baseline-2024", "50x12-world", "china-controls-2025"])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--n-linopy", type=int, default=100, help="samples for linopy, persistent solver")
    ap.add_argument("--n-rebuilt", type=int, default=10, help="samples for linopy, rebuild each sample")
    ap.add_argument("--quick", action="store_true", help="50 samples, 20 for linopy, 3 rebuilt, 2 rounds")
    ap.add_argument("--repeat", type=int, default=3, help="runs of rareflow and HiGHS alone")
    ap.add_argument("--cli", action="store_true")
    ap.add_argument("--cli-repeat", type=int, default=3, help="whole-process runs per source tree")
    ap.add_argument("--cli-src", nargs="*", default=None,
                    help="source trees (PYTHONPATH) to time the CLI with, taking turns (e.g. main's "
                         "and this one's: before and after)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "sweep.json")
    a = ap.parse_args()
    if a.quick:
        a.n, a.n_linopy, a.n_rebuilt, a.repeat = 50, 20, 3, 2
    result = {"cases": [], "shared_machine": True,
              "when": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())}
    for case in a.cases:
        try:
            r = run_case(case, a.n, min(a.n, a.n_linopy), min(a.n, a.n_rebuilt), a.repeat)
        except rareflow.RareflowError as e:
            print(f"{case}: skipped ({e})")
            continue
        result["cases"].append(r)
        print(f"\n{case} ({r['variables']:,} variables, {r['samples']} samples; linopy: "
              f"{r['linopy_samples']['persistent']} persistent, {r['linopy_samples']['rebuilt']} rebuilt; "
              f"best / median of {a.repeat} rounds taking turns on a shared machine)", flush=True)
        for k, v in r["samples_per_second"].items():
            m = r["median_samples_per_second"].get(k)
            print(f"  {k:<30}{v:>10,.1f} samples/s" + (f"  (median {m:,.1f})" if m else ""))
        for k, v in r["ratios"].items():
            print(f"  {k:<40}{v:>8.2f}×")
        print(f"  objectives agree: {r['objectives_agree']}; rareflow: {r['rareflow']['methods']}, "
              f"{r['rareflow']['mean_iterations']:.1f} simplex iterations per sample, "
              f"{r['rareflow']['verified']} verified against cold solves")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2, default=float))
    if a.cli:
        print(f"\nthe whole process, {a.cli_repeat} runs per source tree, taking turns:")
        c = cli_timing(repeat=a.cli_repeat, srcs=a.cli_src)
        result["cli"] = c
        print(f"`{c['command']}`" + (f" ({c['note']})" if c["note"] else ""))
        for src, v in c["by_source"].items():
            print(f"  {src or '(installed)'}: wall {v['wall']['min']:.2f} s min, {v['wall']['median']:.2f} s "
                  f"median; CPU {v['cpu']['min']:.2f} / {v['cpu']['median']:.2f} s\n    {v['first_line']}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2, default=float))
    print(f"\nwritten {a.out}")


if __name__ == "__main__":
    main()
