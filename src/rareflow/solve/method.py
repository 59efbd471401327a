"""Which HiGHS method solves a rareflow model fastest: a rule measured on rareflow's own LPs.

Measured with `benchmarks/build_solve.py --methods` on synthetic worlds of 2 k – 300 k
variables (2 cores; docs/benchmarks.md has the table):

* **Warm re-solves** (the solver holds a basis: after a solve, or after bounds changed) —
  serial dual simplex from that basis, always. A warm re-solve takes tens of iterations
  where a cold one takes thousands; neither presolve nor interior point can use the basis.
* **Cold solves below `PARALLEL_FROM` columns** — serial dual simplex. Interior point
  with crossover was 2–6× slower at every size (rareflow's LPs are multi-period networks
  whose normal equations fill in; IPX spends most of its time in crossover), so it is
  never chosen by default; `--solver-option solver=ipm` still asks for it.
* **Cold solves from `PARALLEL_FROM` columns, with 2 or more cores** — HiGHS's parallel
  dual simplex (PAMI, `simplex_strategy=2`, `parallel=on`): 1.2–1.4× faster than serial
  from about 100 k columns on; below that the threads cost more than they bring.
* **MIPs** (lumpy candidates) — left to HiGHS (`solver=choose`): forcing `solver=simplex` on a
  MIP would make HiGHS solve only its LP relaxation.

Every path ends at a vertex (simplex), so duals stay vertex prices. Options the user passed
(`--solver-option KEY=VALUE`) always win: the rule only fills in what the user left open.
"""

from __future__ import annotations

import os

PARALLEL_FROM = 100_000  # columns
RULE_KEYS = ("solver", "simplex_strategy", "parallel")


def cores() -> int:
    try:
        return len(os.sched_getaffinity(0))
    except AttributeError:  # pragma: no cover - not Linux
        return os.cpu_count() or 1


def choose(n_cols: int, warm: bool, integer: bool = False, user: dict | None = None,
           n_cores: int | None = None) -> dict[str, object]:
    """HiGHS options for the next solve (only keys the user did not set)."""
    user = user or {}
    if integer:
        rule: dict[str, object] = {}
    elif warm:
        rule = {"solver": "simplex", "simplex_strategy": 1, "parallel": "off"}
    elif n_cols >= PARALLEL_FROM and (n_cores if n_cores is not None else cores()) >= 2:
        rule = {"solver": "simplex", "simplex_strategy": 2, "parallel": "on"}
    else:
        rule = {"solver": "simplex", "simplex_strategy": 1, "parallel": "off"}
    return {k: v for k, v in rule.items() if k not in user}


def describe(options: dict) -> str:
    """The method in words, for summaries: 'dual simplex', 'parallel dual simplex', …"""
    if options.get("solver") == "simplex":
        return "parallel dual simplex" if options.get("simplex_strategy") == 2 else "dual simplex"
    return f"HiGHS solver={options.get('solver', 'choose')}"
