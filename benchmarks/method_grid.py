"""Which HiGHS method solves a rareflow LP fastest, measured over a grid of model shapes.

    python benchmarks/method_grid.py                # regions 5, 20, 50 × periods 12, 30, blocks × depth 4, 6
    python benchmarks/method_grid.py --quick        # regions 5, 20 × periods 12, blocks × depth 4
    python benchmarks/method_grid.py --full         # also 100 and 200 regions (tens of minutes)
    python benchmarks/method_grid.py --cases 200x30 50xblocks-d6 china-controls-2025 --race

Each case is a synthetic world (benchmarks/worlds.py: R regions × periods × chain depth;
periods 12 or 30 years, or `blocks` = 36 months then 9 years) or a built-in scenario, built
once in a fresh process and solved cold with
- dual simplex (serial, presolve on: what rareflow's rule chose for every LP until now), and
- interior point + crossover (`solver=ipm`, `run_crossover=on`: the answer is a vertex, so
  duals stay vertex prices),
and, with `--race`, both at once on two threads (two HiGHS objects; the first to finish wins
and the other is cancelled): the wall time of the race. Per method: seconds, iterations,
objective (both must agree to 1e-6 relative) and whether the answer has a basis (a vertex).
The LP's shape as the rule sees it (columns, rows, nonzeros) is recorded beside it.

Prints a table and writes benchmarks/results/method_grid.json. The machine is 2 cores shared
with other work: the methods of one case run one after the other in the same process, so
they see about the same load; timings of single runs vary by ±10-20 %.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import threading
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

QUICK = [f"{r}x{p}" for r in (5, 20) for p in (12, "blocks")]
DEFAULT = [f"{r}x{p}{d}" for r in (5, 20, 50) for p in (12, 30, "blocks") for d in ("", "-d6")]
FULL = DEFAULT + [f"{r}x{p}{d}" for r in (100, 200) for p in (12, 30, "blocks") for d in ("", "-d6")]
METHODS = {
    "dual simplex": {"solver": "simplex", "simplex_strategy": 1, "parallel": "off"},
    "ipm + crossover": {"solver": "ipm", "run_crossover": "on", "parallel": "off"},
}


def parse(case: str):
    """'50x30', '50xblocks-d6' → (regions, periods, depth); a built-in name → None."""
    head, _, d = case.partition("-d")
    r, sep, p = head.partition("x")
    if not sep or not r.isdigit():
        return None
    return int(r), (p if p in ("blocks", "monthly") else int(p)), int(d) if d else 4


def build(case: str):
    from rareflow.lp.model import Model
    from rareflow.scenario.loader import from_dict

    shape = parse(case)
    if shape is None:
        return Model.load(case)
    import worlds

    r, p, d = shape
    return Model(from_dict(worlds.world(r, p, depth=d)))


def one(case: str, race: bool) -> dict:
    """In a child process: every method on one case."""
    from rareflow.lp import highs, method

    m = build(case)
    lp = m.frozen
    rows, cols = lp.shape
    out = {"case": case, "variables": int(cols), "rows": int(rows), "nonzeros": int(lp.a.nnz),
           "periods": int(m.periods.n),
           "rule": method.describe(method.choose(cols, warm=False, n_rows=rows, nnz=int(lp.a.nnz),
                                                 single=True))}
    for name, opts in METHODS.items():
        h = highs.new_solver(lp, opts)
        t = time.perf_counter()
        sol = highs.run(h)
        out[name] = {"seconds": time.perf_counter() - t, "iterations": sol.iterations,
                     "objective": sol.objective, "status": sol.status,
                     "vertex": bool(h.getBasis().valid)}
        del h
    if race:
        out["race"] = race_both(lp)
    a, b = out["dual simplex"]["objective"], out["ipm + crossover"]["objective"]
    out["objectives_agree"] = abs(a - b) <= 1e-6 * max(1.0, abs(a))
    return out


def race_both(lp) -> dict:
    """Both methods on two threads; the first to finish cancels the other."""
    from rareflow.lp import highs

    hs = {name: highs.new_solver(lp, opts) for name, opts in METHODS.items()}
    done: list[str] = []
    lock = threading.Lock()

    def go(name):
        hs[name].run()
        with lock:
            done.append(name)
            if len(done) == 1:
                for other, h in hs.items():
                    if other != name:
                        h.cancelSolve()

    t = time.perf_counter()
    threads = [threading.Thread(target=go, args=(n,)) for n in hs]
    for th in threads:
        th.start()
    while not done:
        time.sleep(0.001)
    wall = time.perf_counter() - t
    for th in threads:
        th.join()
    return {"seconds": wall, "winner": done[0],
            "objective": float(hs[done[0]].getInfo().objective_function_value)}


def child(case: str, race: bool, timeout: float) -> dict:
    args = [sys.executable, str(Path(__file__)), "--one", case] + (["--race"] if race else [])
    try:
        p = subprocess.run(args, capture_output=True, text=True, timeout=timeout)
    except subprocess.TimeoutExpired:
        return {"case": case, "error": f"over {timeout:.0f} s"}
    if p.returncode != 0:
        return {"case": case, "error": (p.stderr or p.stdout).strip().splitlines()[-1:]}
    return json.loads(p.stdout.strip().splitlines()[-1])


def table(rows: list[dict], race: bool) -> str:
    head = ("| case | variables | rows | nonzeros | dual simplex s (it) | ipm + crossover s (it) | "
            "ipm / dual |" + (" race s (winner) |" if race else "") + " faster | rule picks |")
    lines = [head, "|" + "---|" * (head.count("|") - 1)]
    for r in rows:
        if "error" in r:
            lines.append(f"| {r['case']} | failed: {r['error']} |")
            continue
        d, i = r["dual simplex"], r["ipm + crossover"]
        faster = "ipm + crossover" if i["seconds"] < d["seconds"] else "dual simplex"
        rc = ""
        if race:
            rc = f" {r['race']['seconds']:.2f} ({r['race']['winner'].split()[0]}) |"
        lines.append(
            f"| {r['case']} | {r['variables']:,} | {r['rows']:,} | {r['nonzeros']:,} "
            f"| {d['seconds']:.2f} ({d['iterations']:,}) | {i['seconds']:.2f} ({i['iterations']:,}) "
            f"| {i['seconds'] / d['seconds']:.2f} |{rc} {faster} | {r['rule']} |")
    return "\n".join(lines)


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*")
    ap.add_argument("--quick", action="store_true")
    ap.add_argument("--full", action="store_true", help="also 100 and 200 regions")
    ap.add_argument("--race", action="store_true", help="also both methods racing on two threads")
    ap.add_argument("--timeout", type=float, default=900, help="seconds per case")
    ap.add_argument("--out", type=Path, default=HERE / "results" / "method_grid.json")
    ap.add_argument("--one", help=argparse.SUPPRESS)
    a = ap.parse_args()
    if a.one:
        print(json.dumps(one(a.one, a.race)))
        return
    cases = a.cases or (QUICK if a.quick else FULL if a.full else DEFAULT)
    rows = []
    for case in cases:
        r = child(case, a.race, a.timeout)
        rows.append(r)
        if "error" in r:
            print(f"{case}: failed: {r['error']}", flush=True)
            continue
        d, i = r["dual simplex"], r["ipm + crossover"]
        print(f"{case:<18}{r['variables']:>9,} vars  dual {d['seconds']:7.2f} s  ipm+x {i['seconds']:7.2f} s"
              + (f"  race {r['race']['seconds']:7.2f} s ({r['race']['winner']})" if a.race else "")
              + f"  rule: {r['rule']}" + ("" if r["objectives_agree"] else "  OBJECTIVES DIFFER"),
              flush=True)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    print(f"\n`python benchmarks/method_grid.py {' '.join(sys.argv[1:])}`, {when}; cold solves, 2 cores "
          f"shared with other work\n")
    print(table(rows, a.race))
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps({"when": when, "cpus": os.cpu_count(), "shared_machine": True,
                                 "cases": rows}, indent=2))
    print(f"\nwritten {a.out}")


if __name__ == "__main__":
    main()
