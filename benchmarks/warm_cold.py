"""Where does a cold solve with presolve beat a warm re-solve? Shocks of growing size.

    python benchmarks/warm_cold.py                 # 20- and 50-region worlds, 12 years

For each world, random sets of facility and route columns (a growing share of all of them)
lose a share of their capacity (severity) in every period; the same LP is then solved
(a) warm: clearSolver + the base basis + dual simplex, as `rareflow sweep` does, and
(b) cold: clearSolver + dual simplex with presolve, no basis.
Prints time and iterations of both; writes benchmarks/results/warm_cold.json. This is the
measurement behind `rareflow.sweep.plan.warm_iteration_limit`.
"""

from __future__ import annotations

import argparse
import json
import sys
import time
from pathlib import Path

import numpy as np

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

import worlds  # noqa: E402

import rareflow  # noqa: E402
from rareflow.lp import highs  # noqa: E402


def measure(regions: int, years: int = 12) -> list[dict]:
    m = rareflow.from_mapping(worlds.world(regions, years))
    lp, b = m.frozen, m.build
    h = highs.new_solver(lp, {"solver": "simplex"})
    t = time.perf_counter()
    sol = highs.run(h)
    base_cold = time.perf_counter() - t
    basis = h.getBasis()
    x0 = sol.x
    cols = np.concatenate([b.fac_cols.ravel(), b.route_cols.ravel()])
    rng = np.random.default_rng(0)
    rows = []
    for share in (0.01, 0.05, 0.2, 0.4, 0.7, 1.0):
        for sev in (0.5, 0.9, 1.0):
            c = np.sort(rng.choice(cols, size=max(1, int(share * len(cols))), replace=False))
            ref = np.where(np.isfinite(lp.ub[c]), lp.ub[c], x0[c])
            ub = ref * (1 - sev)
            lb = np.minimum(lp.lb[c], ub)
            h.changeColsBounds(len(c), c.astype(np.int32), lb, ub)
            h.clearSolver()
            h.setBasis(basis)
            t = time.perf_counter()
            h.run()
            tw = time.perf_counter() - t
            iw = h.getInfo().simplex_iteration_count
            ow = h.getInfo().objective_function_value
            h.clearSolver()
            t = time.perf_counter()
            h.run()
            tc = time.perf_counter() - t
            ic = h.getInfo().simplex_iteration_count
            oc = h.getInfo().objective_function_value
            h.changeColsBounds(len(c), c.astype(np.int32), lp.lb[c], lp.ub[c])
            rows.append({"world": f"{regions}x{years}", "variables": int(lp.shape[1]),
                         "rows": int(lp.shape[0]), "share_changed": share, "severity": sev,
                         "warm_s": tw, "warm_iterations": int(iw), "cold_s": tc,
                         "cold_iterations": int(ic), "base_cold_s": base_cold,
                         "same_objective": abs(ow - oc) <= 1e-6 * max(1.0, abs(oc))})
            r = rows[-1]
            print(f"{r['world']:>6} {share:>5.0%} sev {sev:.1f}: warm {tw * 1e3:8.1f} ms "
                  f"{iw:>6} it | cold {tc * 1e3:8.1f} ms {ic:>6} it | warm/cold {tw / tc:5.2f}"
                  f" | it/row warm {iw / lp.shape[0]:.2f} cold {ic / lp.shape[0]:.2f}", flush=True)
    return rows


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--regions", type=int, nargs="*", default=[20, 50])
    ap.add_argument("--out", type=Path, default=HERE / "results" / "warm_cold.json")
    a = ap.parse_args()
    rows = [r for n in a.regions for r in measure(n)]
    w = np.array([r["warm_s"] for r in rows])
    c = np.array([r["cold_s"] for r in rows])
    print(f"\nwarm faster in {int((w < c).sum())} of {len(rows)} cases; warm/cold from "
          f"{(w / c).min():.2f} to {(w / c).max():.2f}")
    a.out.parent.mkdir(parents=True, exist_ok=True)
    a.out.write_text(json.dumps(rows, indent=2))
    print(f"written {a.out}")


if __name__ == "__main__":
    main()
