"""Build and solve, rareflow vs the same LP in linopy, measured side by side in one run.

    python benchmarks/build_solve.py                 # the default sizes (a few minutes)
    python benchmarks/build_solve.py --quick         # small sizes only
    python benchmarks/build_solve.py --methods       # also: which HiGHS method, per size
    python benchmarks/build_solve.py --cases 50x12 100x30 baseline-2024

Every measurement runs in its own fresh Python process, one after another (never two at
once), so peak memory is that process's own and the timings do not compete for the cores.

Per case:
- rareflow build = scenario → HiGHS model: validation + assembly + handing the arrays to
  HiGHS (`from_dict` / `load`, `Model`, `Model.solver()`); solve = `Model.solve()` (method
  rule, HiGHS, mass-balance check); HiGHS run = HiGHS's own run time.
- linopy build = arrays from the validated scenario + the linopy model (idiomatic,
  vectorised: benchmarks/linopy_model.py; validation is not counted); solve = `Model.solve(
  'highs', io_api='direct')` (in memory), with the same tolerances as rareflow (1e-9).
- peak memory = the process's peak RSS minus its RSS just before building (imports and
  the synthetic data excluded; both sides hold the same scenario mapping).
- Both objectives are compared (1e-6 relative): the same LP.
Also: `rareflow run baseline-2024` as a whole process (Python start included).

Prints a table and writes benchmarks/results/build_solve.json.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DEFAULT = ["baseline-2024", "china-controls-2025", "5x12", "20x12", "50x12", "100x12", "200x12",
           "5x30", "20x30", "50x30", "100x30", "25xmonthly"]
QUICK = ["baseline-2024", "5x12", "20x12", "50x12"]
TOL = {"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9}


def rss_mb() -> float:
    with open("/proc/self/statm") as fh:
        return int(fh.read().split()[1]) * os.sysconf("SC_PAGE_SIZE") / 2**20


def peak_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024


def _case(case: str):
    """('world', mapping) or ('builtin', name)."""
    if "x" in case and case.split("x")[0].isdigit():
        import worlds

        r, p = case.split("x")
        return "world", worlds.world(int(r), p if p == "monthly" else int(p))
    return "builtin", case


def one(side: str, case: str) -> dict:
    """Run in a child process: build and solve one case on one side; return the figures."""
    kind, obj = _case(case)
    import rareflow  # noqa: F401  (imports are not timed)
    from rareflow import Model
    from rareflow.scenario.loader import from_dict, load_scenario

    if side == "linopy":
        import linopy  # noqa: F401
        import linopy_model as L
        scn = from_dict(obj) if kind == "world" else load_scenario(obj)[0]
    base = rss_mb()
    out: dict = {"side": side, "case": case}
    if side == "rareflow":
        t0 = time.perf_counter()
        if kind == "world":
            scn = from_dict(obj)
            files = None
        else:
            scn, files = load_scenario(obj)
        tv = time.perf_counter()
        m = Model(scn, files)
        ta = time.perf_counter()
        h = m.solver()
        t1 = time.perf_counter()
        out.update(validate=tv - t0, assemble=ta - tv, to_highs=t1 - ta)
        r = m.solve()
        t2 = time.perf_counter()
        out.update(build=t1 - t0, solve=t2 - t1, highs_run=h.getRunTime(),
                   objective=r.objective, variables=int(m.frozen.shape[1]),
                   constraints=int(m.frozen.shape[0]),
                   method=_method(h))
    else:
        t0 = time.perf_counter()
        try:
            d = L.data(scn)
            lm = L.build(d)
        except L.NotSupported as e:
            return {**out, "skipped": f"not written in linopy: {e}"}
        t1 = time.perf_counter()
        objective, run = L.solve(lm, **TOL)
        t2 = time.perf_counter()
        out.update(build=t1 - t0, solve=t2 - t1, highs_run=run, objective=objective,
                   variables=int(lm.nvars), constraints=int(lm.ncons))
    out["peak_mb"] = peak_mb() - base
    out["peak_rss_mb"] = peak_mb()
    return out


def _method(h) -> str:
    from rareflow.lp.method import describe

    def opt(k):
        v = h.getOptionValue(k)
        return v[1] if isinstance(v, tuple) else v

    return describe({"solver": opt("solver"), "simplex_strategy": opt("simplex_strategy")})


def methods(case: str) -> dict:
    """Cold solve of rareflow's LP with each HiGHS method, in a child process."""
    kind, obj = _case(case)
    import rareflow
    from rareflow.lp import highs
    from rareflow.lp.model import Model
    from rareflow.scenario.loader import from_dict

    m = Model(from_dict(obj)) if kind == "world" else rareflow.load(obj)
    out = {"case": case, "variables": int(m.frozen.shape[1])}
    variants = {
        "dual simplex": {"solver": "simplex", "simplex_strategy": 1},
        "parallel dual (PAMI)": {"solver": "simplex", "simplex_strategy": 2, "parallel": "on"},
        "interior point + crossover": {"solver": "ipm", "run_crossover": "on"},
    }
    for name, opts in variants.items():
        h = highs.new_solver(m.frozen, opts)
        t = time.perf_counter()
        sol = highs.run(h)
        out[name] = time.perf_counter() - t
        out[name + " objective"] = sol.objective
    return out


def child(args: list[str], timeout: float = 3600) -> dict:
    p = subprocess.run([sys.executable, str(Path(__file__)), *args], capture_output=True,
                       text=True, timeout=timeout)
    if p.returncode != 0:
        return {"error": (p.stderr or p.stdout).strip().splitlines()[-1:] or ["failed"]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def whole_run(name: str = "baseline-2024", repeat: int = 5) -> dict:
    """`rareflow run NAME` as a user starts it: a fresh process, Python start included."""
    import tempfile

    times = []
    with tempfile.TemporaryDirectory() as tmp:
        env = {**os.environ, "RAREFLOW_STORE": str(Path(tmp) / "runs.duckdb")}
        for i in range(repeat):
            t = time.perf_counter()
            p = subprocess.run(["rareflow", "run", name, "--no-store", "--out", f"{tmp}/o{i}"],
                               capture_output=True, text=True, env=env)
            times.append(time.perf_counter() - t)
            if p.returncode != 0:
                return {"error": p.stderr.strip().splitlines()[-1:]}
        py = []
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "pass"])
            py.append(time.perf_counter() - t)
        imp = []
        for _ in range(repeat):
            t = time.perf_counter()
            subprocess.run([sys.executable, "-c", "import rareflow.cli"])
            imp.append(time.perf_counter() - t)
    return {"scenario": name, "min": min(times), "median": sorted(times)[len(times) // 2],
            "python_start": min(py), "python_plus_import_cli": min(imp)}


def fmt(v, digits=3):
    return "–" if v is None else f"{v:.{digits}f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--methods", action="store_true", help="also time each HiGHS method")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "build_solve.json")
    ap.add_argument("--one", nargs=2, metavar=("SIDE", "CASE"), help=argparse.SUPPRESS)
    ap.add_argument("--method-case", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(*a.one)))
        return
    if a.method_case:
        print(json.dumps(methods(a.method_case)))
        return
    cases = a.cases or (QUICK if a.quick else DEFAULT)
    rows = []
    print(f"{'case':<20}{'vars':>9} | {'rareflow build':>14}{'solve':>8}{'HiGHS':>8}{'end-to-end':>11}"
          f"{'MB':>7} | {'linopy build':>12}{'solve':>8}{'HiGHS':>8}{'end-to-end':>11}{'MB':>7} | "
          f"{'rf/lp':>6} {'build s/100k':>12}  method", flush=True)
    for case in cases:
        rf = child(["--one", "rareflow", case])
        lp = child(["--one", "linopy", case])
        row = {"case": case, "rareflow": rf, "linopy": lp}
        if "error" in rf:
            print(f"{case:<20} rareflow failed: {rf['error']}")
            rows.append(row)
            continue
        rf_e2e = rf["build"] + rf["solve"]
        lp_ok = "build" in lp
        lp_e2e = lp["build"] + lp["solve"] if lp_ok else None
        if lp_ok:
            row["same_objective"] = abs(rf["objective"] - lp["objective"]) <= \
                1e-6 * max(1.0, abs(rf["objective"]))
            row["ratio"] = rf_e2e / lp_e2e
            row["memory_ratio"] = rf["peak_mb"] / lp["peak_mb"] if lp["peak_mb"] > 0 else None
        row["build_s_per_100k"] = rf["build"] / rf["variables"] * 1e5
        row["assemble_s_per_100k"] = (rf["assemble"] + rf["to_highs"]) / rf["variables"] * 1e5
        rows.append(row)
        print(f"{case:<20}{rf['variables']:>9,} | {fmt(rf['build']):>14}{fmt(rf['solve']):>8}"
              f"{fmt(rf['highs_run']):>8}{fmt(rf_e2e):>11}{rf['peak_mb']:>7.0f} | "
              + (f"{fmt(lp['build']):>12}{fmt(lp['solve']):>8}{fmt(lp['highs_run']):>8}"
                 f"{fmt(lp_e2e):>11}{lp['peak_mb']:>7.0f} | {row['ratio']:>6.2f}"
                 if lp_ok else f"{lp.get('skipped', lp.get('error', ''))!s:>46} | {'':>6}")
              + f" {row['build_s_per_100k']:>12.3f}  {rf['method']}"
              + f"  [validate {rf['validate']:.3f} assemble {rf['assemble']:.3f} "
                f"to HiGHS {rf['to_highs']:.3f}]"
              + ("" if not lp_ok or row["same_objective"] else "  OBJECTIVES DIFFER"), flush=True)
    result = {"machine": {"cpus": os.cpu_count(), "python": platform.python_version(),
                          "platform": platform.platform()},
              "cases": rows}
    wr = whole_run()
    result["rareflow_run_baseline_2024"] = wr
    if "error" not in wr:
        print(f"\n`rareflow run baseline-2024` as a whole process: {wr['min']:.2f} s (min of 5), "
              f"{wr['median']:.2f} s median; of which Python start {wr['python_start']:.2f} s and "
              f"`import rareflow.cli` {wr['python_plus_import_cli'] - wr['python_start']:.2f} s")
    if a.methods:
        print("\nHiGHS method, cold solve of rareflow's LP (seconds):")
        names = ["dual simplex", "parallel dual (PAMI)", "interior point + crossover"]
        print(f"{'case':<20}{'vars':>9} " + "".join(f"{n:>28}" for n in names))
        result["methods"] = []
        for case in cases:
            mm = child(["--method-case", case])
            result["methods"].append(mm)
            if "error" in mm:
                print(f"{case:<20} failed: {mm['error']}")
                continue
            print(f"{case:<20}{mm['variables']:>9,} " + "".join(f"{mm[n]:>28.3f}" for n in names),
                  flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(result, indent=2))
    print(f"\nwritten {a.out}")


if __name__ == "__main__":
    main()
