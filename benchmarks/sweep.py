"""Disruption sweeps four ways, in one run: rareflow, linopy rebuilt, linopy in place, HiGHS alone.

    python benchmarks/sweep.py                      # baseline-2024 and a 50-region world
    python benchmarks/sweep.py --cases baseline-2024 --n 200
    python benchmarks/sweep.py --cli                # also: `rareflow sweep china-controls-2025 -n 1000`

All four solve the *same* samples (the bounds and right-hand sides rareflow's sampler draws
for seed 0, i = 0 … n−1) of the same LP, and their objectives are compared (1e-6 relative):
- rareflow: `rareflow.sweep.sweep(..., workers=1)` in this process (best of --repeat runs,
  taking turns with HiGHS alone, likewise) — sampling, bound changes,
  warm re-solve from the base basis, mass-balance check, per-group statistics and the 1 %
  verification against cold solves all included (and with 2 workers, for reference);
- HiGHS alone (the floor): a bare `highspy.Highs` holding the LP; per sample the previous
  sample's changes are undone, the new ones applied, and `run()` starts from the previous
  basis; the changes are computed before the clock starts, and only the objective is read;
- linopy in place: the linopy model built once (benchmarks/linopy_model.py); per sample
  `Variable.update(lower=, upper=)` and `Constraint.update(rhs=)`, then `solve()` again;
- linopy rebuilt: per sample the linopy model is built from the changed data and solved.
The linopy ways are slow, so they solve the first `--n-linopy` samples; rates are per sample.

baseline-2024's uncertainty block is the one in examples/sweep-demo.yaml (events from 2025).
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
from rareflow.scenario.loader import from_dict  # noqa: E402
from rareflow.sweep import sweep  # noqa: E402
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
        w = worlds.world(int(r), p if p == "monthly" else int(p))
        w["uncertainty"] = worlds.uncertainty(w)
        return Model(from_dict(w))
    m = rareflow.load(case, overrides={"uncertainty": demo_block()})
    return m


def changes(plan, seed: int, i: int):
    """Full column bounds, balance RHS and demand amounts of sample i (as rareflow applies them)."""
    lp = plan.frozen
    _, eff = sample_effects(plan, seed, i)
    tlb, tub, mult = sample_bounds(plan, eff)
    lb, ub = lp.lb.copy(), lp.ub.copy()
    lb[plan.touched], ub[plan.touched] = tlb, tub
    amount = plan.demand_amount.copy()
    rhs = lp.row_lb.copy()
    if mult is not None:
        sd = plan.shock_demands
        new = plan.demand_amount[sd] * mult
        np.add.at(rhs, plan.demand_rows[sd], new - plan.demand_amount[sd])
        amount[sd] = new
        ub[plan.unserved_cols[sd]] = new
    return lb, ub, rhs, amount


def highs_alone(plan, samples) -> tuple[float, list[float]]:
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
    # what each sample changes relative to the base (computed before the clock starts)
    diffs = []
    for lb, ub, rhs, _ in samples:
        c = np.flatnonzero((lb != lp.lb) | (ub != lp.ub)).astype(np.int32)
        r = np.flatnonzero(rhs != lp.row_lb).astype(np.int32)
        diffs.append((c, lb[c], ub[c], r, rhs[r]))
    objs = []
    prev_c = np.zeros(0, np.int32)
    prev_r = np.zeros(0, np.int32)
    t = time.perf_counter()
    for c, lo, up, r, rv in diffs:
        if len(prev_c):
            h.changeColsBounds(len(prev_c), prev_c, lp.lb[prev_c], lp.ub[prev_c])
        if len(prev_r):
            h.changeRowsBounds(len(prev_r), prev_r, lp.row_lb[prev_r], lp.row_ub[prev_r])
        if len(c):
            h.changeColsBounds(len(c), c, lo, up)
        if len(r):
            h.changeRowsBounds(len(r), r, rv, rv)
        prev_c, prev_r = c, r
        h.run()
        objs.append(h.getInfo().objective_function_value)
    return time.perf_counter() - t, objs


def linopy_ways(model, plan, samples, n_in_place: int, n_rebuilt: int):
    import linopy_model as L
    import xarray as xr

    b = model.build
    d = L.data(model.scenario)
    out = {}

    def overrides(s):
        lb, ub, _, amount = s
        return dict(f_low=lb[b.fac_cols], f_cap=ub[b.fac_cols], r_low=lb[b.route_cols],
                    r_cap=ub[b.route_cols], amount=amount)

    # rebuilt per sample
    objs = []
    t = time.perf_counter()
    for s in samples[:n_rebuilt]:
        lm = L.build(d, **overrides(s))
        objs.append(L.solve(lm, **TOL)[0])
    out["rebuilt"] = (time.perf_counter() - t, objs)

    # updated in place
    lm = L.build(d)
    L.solve(lm, **TOL)
    per = [str(p) for p in d["labels"]]
    fi, ri, di = (list(d["facilities"]["facility"]), list(d["routes"]["route"]),
                  list(d["demands"]["demand"]))
    regions = list(d["regions"])
    dem = d["demands"]
    cons = {c: lm.constraints[f"balance_{c}"] for c in d["commodities"]
            if f"balance_{c}" in lm.constraints}
    base_rhs = {c: con.rhs.copy() for c, con in cons.items()}
    def da(v, dim, idx):
        return xr.DataArray(v, coords=[(dim, idx), ("period", per)])

    objs = []
    t = time.perf_counter()
    for s in samples[:n_in_place]:
        o = overrides(s)
        lm.variables["activity"].update(lower=da(o["f_low"], "facility", fi),
                                        upper=da(o["f_cap"], "facility", fi))
        lm.variables["flow"].update(lower=da(o["r_low"], "route", ri), upper=da(o["r_cap"], "route", ri))
        lm.variables["unserved"].update(upper=da(o["amount"], "demand", di))
        extra = o["amount"] - d["amount"]
        for c, con in cons.items():
            sel = np.flatnonzero(dem["commodity"].to_numpy() == c)
            add = np.zeros((len(regions), len(per)))
            for k in sel:
                add[regions.index(dem["region"][k])] += extra[k]
            con.update(rhs=base_rhs[c] + da(add, "region", regions))
        objs.append(L.solve(lm, **TOL)[0])
    out["in_place"] = (time.perf_counter() - t, objs)
    return out


def run_case(case: str, n: int, n_in_place: int, n_rebuilt: int, repeat: int = 3) -> dict:
    model = model_for(case)
    plan = compile_plan(model)
    samples = [changes(plan, 0, i) for i in range(n)]
    # rareflow and HiGHS alone take turns, `repeat` times each; the best of each counts (the
    # machine is shared, so single runs are noisy)
    res1 = t_h = obj_h = None
    for _ in range(repeat):
        r = sweep(model, n=n, seed=0, workers=1)
        if res1 is None or r.seconds["solve"] < res1.seconds["solve"]:
            res1 = r
        t, o = highs_alone(plan, samples)
        if t_h is None or t < t_h:
            t_h, obj_h = t, o
    res2 = sweep(model, n=n, seed=0, workers=2)
    ways = linopy_ways(model, plan, samples, n_in_place, n_rebuilt)
    rf_obj = res1.samples["objective"].to_numpy()

    def agree(objs):
        o = np.asarray(objs)
        return bool(np.all(np.abs(o - rf_obj[:len(o)]) <= 1e-6 * np.maximum(1, np.abs(rf_obj[:len(o)]))))

    rates = {
        "rareflow (1 process)": n / res1.seconds["solve"],
        "rareflow (2 processes)": n / res2.seconds["solve"],
        "HiGHS alone": n / t_h,
        "linopy in place": len(ways["in_place"][1]) / ways["in_place"][0],
        "linopy rebuilt": len(ways["rebuilt"][1]) / ways["rebuilt"][0],
    }
    return {
        "case": case, "variables": int(model.frozen.shape[1]), "samples": n,
        "linopy_samples": {"in_place": n_in_place, "rebuilt": n_rebuilt},
        "samples_per_second": rates,
        "ratios": {
            "rareflow / HiGHS alone": rates["rareflow (1 process)"] / rates["HiGHS alone"],
            "rareflow / linopy in place": rates["rareflow (1 process)"] / rates["linopy in place"],
            "rareflow / linopy rebuilt": rates["rareflow (1 process)"] / rates["linopy rebuilt"],
        },
        "objectives_agree": {"HiGHS alone": agree(obj_h), "linopy in place": agree(ways["in_place"][1]),
                             "linopy rebuilt": agree(ways["rebuilt"][1])},
        "repeat": repeat,
        "rareflow": {"methods": res1.methods, "verified": res1.verified,
                     "mean_iterations": float(res1.samples["iterations"].mean()),
                     "seconds": res1.seconds, "seconds_2_workers": res2.seconds},
    }


def cli_timing(n: int = 1000, workers: int = 2) -> dict:
    """`rareflow sweep china-controls-2025 -n 1000 --workers 2` as a whole process."""
    scn = "china-controls-2025"
    args = ["rareflow", "sweep", scn, "-n", str(n), "--workers", str(workers), "--no-store"]
    m = rareflow.load(scn)
    note = ""
    if m.scenario.uncertainty is None:
        args += ["--uncertainty", str(DEMO)]
        note = f"{scn} has no uncertainty block; used the one in examples/sweep-demo.yaml"
    t = time.perf_counter()
    p = subprocess.run(args, capture_output=True, text=True, env={**os.environ, "COLUMNS": "120"})
    wall = time.perf_counter() - t
    return {"command": " ".join(args), "seconds": wall, "ok": p.returncode == 0, "note": note,
            "first_line": (p.stdout.splitlines() or [p.stderr])[0]}


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*", default=["baseline-2024", "50x12-world"])
    ap.add_argument("--n", type=int, default=200)
    ap.add_argument("--n-linopy", type=int, default=30, help="samples for linopy in place")
    ap.add_argument("--n-rebuilt", type=int, default=10, help="samples for linopy rebuilt")
    ap.add_argument("--repeat", type=int, default=3, help="runs of rareflow and HiGHS alone")
    ap.add_argument("--cli", action="store_true")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "sweep.json")
    a = ap.parse_args()
    result = {"cases": []}
    for case in a.cases:
        try:
            r = run_case(case, a.n, min(a.n, a.n_linopy), min(a.n, a.n_rebuilt), a.repeat)
        except rareflow.RareflowError as e:
            print(f"{case}: skipped ({e})")
            continue
        result["cases"].append(r)
        print(f"\n{case} ({r['variables']:,} variables, {r['samples']} samples; linopy: "
              f"{r['linopy_samples']['in_place']} in place, {r['linopy_samples']['rebuilt']} rebuilt)")
        for k, v in r["samples_per_second"].items():
            print(f"  {k:<24}{v:>10,.1f} samples/s")
        for k, v in r["ratios"].items():
            print(f"  {k:<28}{v:>8.2f}×")
        print(f"  objectives agree: {r['objectives_agree']}; rareflow: {r['rareflow']['methods']}, "
              f"{r['rareflow']['mean_iterations']:.1f} simplex iterations per sample, "
              f"{r['rareflow']['verified']} verified against cold solves")
    if a.cli:
        c = cli_timing()
        result["cli"] = c
        print(f"\n`{c['command']}`: {c['seconds']:.2f} s as a whole process"
              + (f" ({c['note']})" if c["note"] else "") + f"\n  {c['first_line']}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2, default=float))
    print(f"\nwritten {a.out}")


if __name__ == "__main__":
    main()
