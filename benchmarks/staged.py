"""Staged (surprise) solves, warm against cold, on monthly worlds.

    python benchmarks/staged.py                    # china-controls-2025 monthly + a synthetic world
    python benchmarks/staged.py --repeats 5 --synthetic 0

A policy announced after the first period makes the answer in stages (lp/stages.py): each
stage solves the whole horizon with the measures known so far and the past fixed. rareflow
re-solves each stage WARM on the kept HiGHS model, from the previous stage's basis (only bounds
and costs change between stages). This script measures that against COLD stages (the same LPs,
the basis dropped before each stage, so HiGHS presolves and starts from scratch), and against
one perfect-foresight solve of the same model for scale.

Worlds:
* `china-controls-2025` at monthly resolution (2024-01 … 2030-12), the MOFCOM No. 18 licences
  announced in 2025-01 (their start), and a two-month ban on China's magnet exports to Japan
  (2027-04 … 2027-05, with no_transit) announced in 2027-04: three stages.
* a synthetic world (benchmarks/worlds.py) of N regions, monthly 2024-01 … 2035-12, with the
  dominant producer's magnet and metal exports banned for three months (with no_transit),
  announced at the ban's start (2029-01), and a quota of 2,000 t/yr on its magnet exports
  from 2031-01 (it exports about 5,200 t/yr), announced then: three stages.

Warm and cold stages solve the same LPs, but where an earlier stage has several equally cheap
plans they may fix different ones; the table shows the relative difference of the final
objectives (0 when every stage's optimum is unique).

Prints a table and writes benchmarks/results/staged.json. Times are wall seconds of the
stage solves only (the model is built once per repeat, outside the timing), min and median
over the repeats.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import worlds  # noqa: E402

import rareflow  # noqa: E402
from rareflow.lp import highs, method, stages  # noqa: E402

MONTHLY_2030 = {"start": "2024-01", "end": "2030-12", "step": "month"}


def china_monthly() -> tuple[str, rareflow.Model]:
    over = {
        "periods": MONTHLY_2030,
        "events": [{"id": "mofcom-18-2025", "announced": "2025-01"}],
        "policies": [{"id": "surprise-ban-jpn", "type": "export_ban", "exporter": "CHN",
                      "commodity": "ndfeb_magnet", "to": ["JPN"], "start": "2027-04",
                      "end": "2027-05", "announced": "2027-04", "no_transit": True}],
    }
    return "china-controls-2025 monthly 2024-01…2030-12", rareflow.load("china-controls-2025", over)


def synthetic(regions: int) -> tuple[str, rareflow.Model]:
    w = worlds.world(regions, "monthly")
    r = worlds.region_ids(regions)
    w.setdefault("policies", [])
    w["policies"] += [
        {"id": "surprise-ban", "type": "export_ban", "exporter": r[0],
         "commodity": ["ndfeb_magnet", "ndpr_metal"], "start": "2029-01", "end": "2029-03",
         "announced": "2029-01", "no_transit": True},
        {"id": "surprise-quota", "type": "export_quota", "exporter": r[0],
         "commodity": "ndfeb_magnet", "cap": 2000, "start": "2031-01",
         "announced": "2031-01"},
    ]
    return f"synthetic {regions} regions monthly 2024-01…2035-12", rareflow.from_mapping(w)


def _solver(m: rareflow.Model):
    h = m.solver()
    for k, v in method.choose(m.frozen.shape[1], False).items():
        highs.set_option(h, k, v)
    return h


def run_once(make, warm: bool) -> dict:
    _, m = make()
    plan = stages.for_model(m)
    h = _solver(m)
    t = time.perf_counter()
    sol = plan.solve(h, m.name, warm=warm)
    wall = time.perf_counter() - t
    return {"wall_s": wall, "objective": sol.objective, "x": sol.x,
            "stages": [{k: s[k] for k in ("stage", "announced", "iterations", "seconds",
                                          "fixed_columns")} for s in sol.info["stages"]]}


def foresight_once(make) -> dict:
    _, m = make()
    h = _solver(m)
    t = time.perf_counter()
    sol = highs.run(h)
    return {"wall_s": time.perf_counter() - t, "objective": sol.objective,
            "iterations": sol.iterations}


def measure(make, repeats: int) -> dict:
    name, m = make()
    rows, cols = m.frozen.shape
    n_stages = stages.for_model(m).n
    del m
    warm, cold, fore = [], [], []
    for _ in range(repeats):  # interleaved, so that load on the machine hits both alike
        warm.append(run_once(make, True))
        cold.append(run_once(make, False))
        fore.append(foresight_once(make))
    w0, c0 = warm[0], cold[0]
    rel = abs(w0["objective"] - c0["objective"]) / max(1.0, abs(c0["objective"]))
    dx = float(np.max(np.abs(w0["x"] - c0["x"]))) if len(w0["x"]) else 0.0
    med = statistics.median
    out = {
        "world": name, "variables": int(cols), "constraints": int(rows), "stages": n_stages,
        "repeats": repeats,
        "warm_s_min": min(r["wall_s"] for r in warm), "warm_s_median": med(r["wall_s"] for r in warm),
        "cold_s_min": min(r["wall_s"] for r in cold), "cold_s_median": med(r["wall_s"] for r in cold),
        "foresight_s_median": med(r["wall_s"] for r in fore),
        "warm_iterations": [s["iterations"] for s in w0["stages"]],
        "cold_iterations": [s["iterations"] for s in c0["stages"]],
        "warm_stage_s": [round(s["seconds"], 4) for s in w0["stages"]],
        "cold_stage_s": [round(s["seconds"], 4) for s in c0["stages"]],
        "fixed_columns": [s["fixed_columns"] for s in w0["stages"]],
        "announced": [s["announced"] for s in w0["stages"]],
        "staged_objective": c0["objective"], "foresight_objective": fore[0]["objective"],
        "objective_rel_diff_warm_cold": rel, "max_abs_x_diff_warm_cold": dx,
    }
    out["cold_over_warm"] = out["cold_s_median"] / out["warm_s_median"]
    # stage 0 is the same cold solve either way: the stages after it are what warm starts buy
    out["warm_later_s_median"] = med(sum(s["seconds"] for s in r["stages"][1:]) for r in warm)
    out["cold_later_s_median"] = med(sum(s["seconds"] for s in r["stages"][1:]) for r in cold)
    return out


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--synthetic", type=int, default=10,
                    help="regions of the synthetic monthly world (0: skip it)")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "staged.json")
    a = ap.parse_args()
    makers = [china_monthly]
    if a.synthetic:
        makers.append(lambda: synthetic(a.synthetic))
    results = []
    print(f"{'world':<48} {'vars':>8} {'stg':>3} {'warm s':>8} {'cold s':>8} {'cold/warm':>9} "
          f"{'later stages warm | cold s':>26} {'foresight s':>11}  iterations warm | cold")
    for make in makers:
        r = measure(make, a.repeats)
        results.append(r)
        print(f"{r['world']:<48} {r['variables']:>8,} {r['stages']:>3} {r['warm_s_median']:>8.2f} "
              f"{r['cold_s_median']:>8.2f} {r['cold_over_warm']:>9.2f} "
              f"{r['warm_later_s_median']:>12.2f} | {r['cold_later_s_median']:<11.2f} "
              f"{r['foresight_s_median']:>11.2f}  {r['warm_iterations']} | {r['cold_iterations']}"
              f"  obj. rel. diff {r['objective_rel_diff_warm_cold']:.1e}", flush=True)
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"generated": time.strftime("%Y-%m-%d %H:%M"),
                                 "results": results}, indent=2))
    print(f"wrote {a.out}")


if __name__ == "__main__":
    main()
