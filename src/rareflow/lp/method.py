"""Which HiGHS method solves a rareflow model fastest: a rule measured on rareflow's own LPs.

Measured with `python benchmarks/build_solve.py --methods` on the built-in scenarios and
synthetic worlds of 2 k – 306 k variables (benchmarks/worlds.py; 2 cores; the table is in
docs/benchmarks.md), cold solves, seconds:

| variables | dual simplex | parallel dual (PAMI, 2 threads) | interior point + crossover |
|---|---|---|---|
| 2 k (baseline-2024) | 0.008 | 0.007 | 0.016 |
| 52 k | 0.57 | 0.67 | 1.10 |
| 129 k | 1.76 | 1.85 | 3.43 |
| 206 k | 7.3 | 7.4 – 8.0 | 11.8 |
| 257 k | 5.6 – 6.8 | 5.2 – 6.0 | 12.1 |
| 306 k (monthly) | 10.2 – 11.0 | 10.5 – 11.5 | 19.1 |

* **Interior point with crossover lost at every size, by 1.5 – 3.5×**: rareflow's LPs are
  multi-period networks (stocks link the periods, routes couple the regions), and IPX spends
  most of its time in crossover. It is never chosen by default; `--solver-option solver=ipm`
  still asks for it.
* **Parallel dual simplex brought nothing on 2 cores** (0.9 – 1.1× of serial, within the
  run-to-run spread), and it takes the second core from everything else (a sweep's other
  worker, the web server). It is not chosen by default either (`simplex_strategy=2`,
  `parallel=on` ask for it).
* So: **serial dual simplex, cold or warm**. Warm re-solves (the solver holds a basis: after a
  solve, or after bounds changed) start from that basis; neither presolve nor interior
  point could use it. Every answer is a vertex, so duals stay vertex prices.
* **MIPs** (lumpy candidates) are left to HiGHS (`solver=choose`): forcing `solver=simplex` on
  a MIP would make HiGHS solve only its LP relaxation.

Options the user passed (`--solver-option KEY=VALUE`) always win: the rule only fills in
what the user left open.
"""

from __future__ import annotations

RULE_KEYS = ("solver", "simplex_strategy", "parallel")
DUAL_SIMPLEX = {"solver": "simplex", "simplex_strategy": 1, "parallel": "off"}


def choose(n_cols: int, warm: bool, integer: bool = False, user: dict | None = None,
           n_cores: int | None = None) -> dict[str, object]:
    """HiGHS options for the next solve (only keys the user did not set).

    `n_cols`, `warm` and `n_cores` are the inputs the measurements were taken over; on them
    the rule is the same for LPs of every size (see the module docstring)."""
    user = user or {}
    rule: dict[str, object] = {} if integer else dict(DUAL_SIMPLEX)
    return {k: v for k, v in rule.items() if k not in user}


def describe(options: dict) -> str:
    """The method in words, for summaries: 'dual simplex', 'parallel dual simplex', …"""
    if options.get("solver") == "simplex":
        return "parallel dual simplex" if options.get("simplex_strategy") == 2 else "dual simplex"
    return f"HiGHS solver={options.get('solver', 'choose')}"
