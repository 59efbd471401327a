"""Which HiGHS method solves a rareflow model fastest: a rule measured on rareflow's own LPs.

Measured with `python benchmarks/method_grid.py --race` (2026-11-30; 2 cores shared with other
work, so seconds are 2–6× those of a quiet machine, ratios are what count; the full table is in
docs/benchmarks.md): cold solves of synthetic worlds (benchmarks/worlds.py) over regions
5, 20, 50, 100 (and 200 × 12 years) × periods 12 years, 30 years and monthly-then-yearly (36
months + 9 years) × chain depth 4 and 6, and china-controls-2025 — 2 k to 386 k variables.
Seconds, dual simplex vs interior point + crossover (IPX, then crossover to a vertex):

| world | variables | dual simplex | ipm + crossover | ipm / dual |
|---|---|---|---|---|
| 20 regions × 30 years | 51 k | 1.7 | 3.9 | 2.3 |
| 50 × 30 years | 129 k | 6.0 | 11.1 | 1.9 |
| 50 × 30 years, depth 6 | 175 k | 8.3 | 21.1 | 2.5 |
| 50 × monthly-then-yearly | 193 k | 26.5 | 35.6 | 1.3 |
| 50 × monthly-then-yearly, depth 6 | 262 k | 62.4 | 65.4 | 1.05 |
| 100 × 12 years | 103 k | 13.0 | 15.9 | 1.2 |
| 100 × 30 years | 257 k | 29.0 | 58.5 | 2.0 |
| 100 × monthly-then-yearly | 386 k | 84.9 | 96.3 | 1.13 |
| 100 × 30 years, depth 6 | 350 k | 43.6 | 64.2 | 1.47 |
| 200 × 12 years | 206 k | 33.4 | 52.9 | 1.59 |

(200 × 30 years, 515 k variables, was stopped: over 10 minutes per method on the shared machine.)

* **Interior point with crossover lost on every shape measured (24)**, by 1.05–2.5× (median
  1.7×): it closes the gap as the model grows and as periods get finer (monthly blocks),
  but it never won. The issue's single counter-example (a 254 k-variable world where IPM took
  17.9 s against 27.4 s) did not reproduce on this machine's worlds of that size (257 k:
  2.0× slower; 262 k: 1.05× slower).
* **Racing both on two threads lost too** (median 1.7× the dual simplex alone, 0.6–2.9×): on
  2 cores each method gets half the machine. The 4 races faster than the dual simplex alone
  were all won by the dual simplex itself — the machine's load, not the race.
* So the measured rule is unchanged: **serial dual simplex, cold or warm**, which is within
  1.0× of the faster method on every measured shape (the target is 1.1×). `choose` takes the
  LP's shape (columns, rows, nonzeros) and whether the solve is a one-off (`single`), so that a
  threshold can be added where a grid on another machine shows IPM winning; `IPM_MIN_COLS`
  is that threshold — none today. Warm re-solves (a basis is held: after a solve, or after
  bounds changed) start from it, which neither presolve nor interior point could use. Every
  answer is a vertex, so duals stay vertex prices.
* **Parallel dual simplex brought nothing on 2 cores** (0.9–1.1× of serial; build_solve.py
  --methods) and takes the second core from everything else; not chosen.
* **MIPs** (lumpy candidates) are left to HiGHS (`solver=choose`): forcing `solver=simplex` on
  a MIP would make HiGHS solve only its LP relaxation.
* Sweeps and staged solves always keep the dual simplex (`single=False`): a sweep's warm
  re-solves start from its base solve's basis, and each stage of a staged answer must fix the
  same past on every solve of the model.

Options the user passed (`--solver-option KEY=VALUE`) always win: the rule only fills in
what the user left open.
"""

from __future__ import annotations

RULE_KEYS = ("solver", "simplex_strategy", "parallel", "run_crossover")
DUAL_SIMPLEX = {"solver": "simplex", "simplex_strategy": 1, "parallel": "off"}
IPM_CROSSOVER = {"solver": "ipm", "run_crossover": "on", "parallel": "off"}
# the smallest one-off cold LP solved with IPM + crossover: None = never (it lost on every
# shape of the grid above)
IPM_MIN_COLS: int | None = None


def choose(n_cols: int, warm: bool, integer: bool = False, user: dict | None = None,
           n_cores: int | None = None, n_rows: int | None = None, nnz: int | None = None,
           single: bool = False) -> dict[str, object]:
    """HiGHS options for the next solve (only keys the user did not set).

    `n_cols`, `n_rows`, `nnz`: the LP's shape; `warm`: a basis is held; `single`: a one-off
    solve of a whole model (not a sweep's base, not a stage); `n_cores`. On the grid measured
    (module docstring) the answer is the serial dual simplex for every LP shape."""
    user = user or {}
    if integer:
        rule: dict[str, object] = {}
    elif single and not warm and IPM_MIN_COLS is not None and n_cols >= IPM_MIN_COLS:
        rule = dict(IPM_CROSSOVER)
    else:
        rule = dict(DUAL_SIMPLEX)
    return {k: v for k, v in rule.items() if k not in user}


def describe(options: dict) -> str:
    """The method in words, for summaries: 'dual simplex', 'parallel dual simplex', …"""
    if options.get("solver") == "simplex":
        return "parallel dual simplex" if options.get("simplex_strategy") == 2 else "dual simplex"
    if options.get("solver") == "ipm":
        return "interior point + crossover" if options.get("run_crossover", "on") != "off" \
            else "interior point"
    return f"HiGHS solver={options.get('solver', 'choose')}"
