"""A monthly-then-yearly world beside linopy: size (variables, rows, nonzeros) and solve time.

    python benchmarks/blocks.py                     # china-controls-2025 and a 20-region world
    python benchmarks/blocks.py --quick             # china-controls-2025 only, 3 rounds
    python benchmarks/blocks.py --cases china-controls-2025 50xblocks --repeat 5

`china-controls-2025` is the calibrated world: months for 2024-2026, years for 2027-2035 (45
periods), the MOFCOM No. 18 licences as shares of each destination's March-2025 flow with
`no_transit`, recipes sharing a capacity, stock floors and final levels, demand tiers. `RxBLOCKS`
is a synthetic world (benchmarks/worlds.py) of R regions on the same two period blocks.

The peer comparison is on the **perfect-foresight LP** (every measure known from the start):
linopy has no staged solves, so rareflow's answer here is `Model.frozen` solved once
(`lp.solving.solve`, the same path `Model.solve` takes without surprises), not the staged
answer `rareflow run` gives (whose time is printed beside it for reference). linopy's model is
benchmarks/linopy_model.py (built from the validated scenario; validation not counted on its
side, counted on rareflow's).

The two sides take turns in one process, `--repeat` rounds (the same load for both on a
shared machine); min and median are reported. Objectives must agree to 1e-6 relative.
Writes benchmarks/results/blocks.json and prints a table.
"""

from __future__ import annotations

import argparse
import json
import statistics
import sys
import time
from datetime import UTC, datetime
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import linopy_model as L  # noqa: E402

import rareflow  # noqa: E402
from rareflow.lp import highs, solving  # noqa: E402
from rareflow.lp.model import Model  # noqa: E402
from rareflow.scenario.loader import from_dict, load_scenario  # noqa: E402

TOL = {"primal_feasibility_tolerance": 1e-9, "dual_feasibility_tolerance": 1e-9}


def _source(case: str):
    if case.endswith("xblocks"):
        import worlds

        return "world", worlds.world(int(case.split("x")[0]), "blocks")
    return "builtin", case


def rareflow_side(case: str) -> dict:
    kind, obj = _source(case)
    t0 = time.perf_counter()
    scn = from_dict(obj) if kind == "world" else load_scenario(obj)[0]
    m = Model(scn)
    h = highs.new_solver(m.frozen, TOL)
    t1 = time.perf_counter()
    solving.configure(h, m.frozen, TOL)
    sol = solving.solve(h, m.frozen, TOL)
    t2 = time.perf_counter()
    rows, cols = m.frozen.shape
    return {"build": t1 - t0, "solve": t2 - t1, "highs_run": h.getRunTime(), "objective": sol.objective,
            "variables": int(cols), "rows": int(rows), "nonzeros": int(m.frozen.a.nnz),
            "periods": m.periods.n, "status": sol.status}


def linopy_side(case: str) -> dict:
    kind, obj = _source(case)
    scn = from_dict(obj) if kind == "world" else load_scenario(obj)[0]  # not timed
    t0 = time.perf_counter()
    lm = L.build(L.data(scn))
    t1 = time.perf_counter()
    objective, run = L.solve(lm, **TOL)
    t2 = time.perf_counter()
    h = lm.solver_model
    return {"build": t1 - t0, "solve": t2 - t1, "highs_run": run, "objective": objective,
            "variables": int(h.getNumCol()), "rows": int(h.getNumRow()),
            "nonzeros": int(h.getNumNz())}


def staged_seconds(case: str) -> float | None:
    """`Model.solve()` as `rareflow run` does it (staged when a measure is announced late)."""
    if _source(case)[0] == "world":
        return None
    m = rareflow.load(case)
    t = time.perf_counter()
    m.solve()
    return time.perf_counter() - t


def stats(xs: list[float]) -> dict:
    return {"min": min(xs), "median": statistics.median(xs)}


def run_case(case: str, repeat: int) -> dict:
    rf, lp = [], []
    for _ in range(repeat):  # taking turns: the same machine load for both
        rf.append(rareflow_side(case))
        lp.append(linopy_side(case))
    r0, l0 = rf[0], lp[0]
    agree = all(abs(a["objective"] - b["objective"]) <= 1e-6 * max(1.0, abs(a["objective"]))
                for a, b in zip(rf, lp, strict=True))
    out = {"case": case, "repeat": repeat, "objectives_agree": agree,
           "objective": r0["objective"], "periods": r0["periods"],
           "rareflow": {"variables": r0["variables"], "rows": r0["rows"], "nonzeros": r0["nonzeros"]},
           "linopy": {"variables": l0["variables"], "rows": l0["rows"], "nonzeros": l0["nonzeros"]}}
    for side, runs in (("rareflow", rf), ("linopy", lp)):
        for k in ("build", "solve", "highs_run"):
            out[side][k] = stats([r[k] for r in runs])
        out[side]["total"] = stats([r["build"] + r["solve"] for r in runs])
    out["ratio_total_median"] = out["rareflow"]["total"]["median"] / out["linopy"]["total"]["median"]
    out["staged_solve_seconds"] = staged_seconds(case)
    return out


def table(cases: list[dict]) -> str:
    head = ("| world | periods | side | variables | rows | nonzeros | build s | solve s | total s "
            "(min / median) | rf/lp |\n|---|---|---|---|---|---|---|---|---|---|")
    lines = [head]
    for c in cases:
        for side in ("rareflow", "linopy"):
            s = c[side]
            lines.append(
                f"| {c['case'] if side == 'rareflow' else ''} | {c['periods'] if side == 'rareflow' else ''} "
                f"| {side} | {s['variables']:,} | {s['rows']:,} | {s['nonzeros']:,} "
                f"| {s['build']['median']:.3f} | {s['solve']['median']:.3f} "
                f"| {s['total']['min']:.3f} / {s['total']['median']:.3f} "
                f"| {format(c['ratio_total_median'], '.2f') if side == 'rareflow' else ''} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*")
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "blocks.json")
    a = ap.parse_args()
    cases = a.cases or (["china-controls-2025"] if a.quick else ["china-controls-2025", "20xblocks"])
    repeat = 3 if a.quick and a.repeat == 5 else a.repeat
    res = []
    for case in cases:
        r = run_case(case, repeat)
        res.append(r)
        print(f"{case}: objectives agree (1e-6): {r['objectives_agree']}; "
              f"rareflow {r['rareflow']['total']['median']:.3f} s, linopy "
              f"{r['linopy']['total']['median']:.3f} s (medians of {repeat})"
              + (f"; staged answer (rareflow run's solve): {r['staged_solve_seconds']:.3f} s"
                 if r["staged_solve_seconds"] is not None else ""), flush=True)
    when = datetime.now(UTC).strftime("%Y-%m-%d %H:%M UTC")
    print(f"\n`python benchmarks/blocks.py {' '.join(sys.argv[1:])}`, {when}; the perfect-foresight "
          f"LP on both sides; machine shared (2 cores), the sides taking turns, {repeat} rounds\n")
    print(table(res))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"when": when, "shared_machine": True, "cases": res}, indent=2))
    print(f"\nwritten {a.out}")


if __name__ == "__main__":
    main()
