"""Issue 17's targets, each beside its peers, measured in one run.

    python benchmarks/targets.py            # everything, then rewrite the targets section
    python benchmarks/targets.py --quick    # fewer repeats and samples (development)
    python benchmarks/targets.py --no-doc   # print and write JSON only

One invocation measures, one after the other on the same machine:
- whole processes (benchmarks/cli.py): `rareflow run` on baseline-2024, china-controls-2025
  and synthetic worlds from ~2k to ~260k variables, each alternating with linopy's whole
  process on the same LP; `rareflow backtest china-controls-2025`;
- sweeps (benchmarks/sweep.py): rareflow, HiGHS alone (the floor), linopy with a persistent
  solver and linopy rebuilding each sample, on baseline-2024, the 50-region world and
  china-controls-2025; and `rareflow sweep china-controls-2025 -n 1000 --workers 2` as a
  whole process;
- the HiGHS method rule (benchmarks/method_grid.py): dual simplex and interior point with
  crossover on a grid of shapes, and which one the rule picks.

Then it prints one table — each target, what was reached, the peers — writes
benchmarks/results/targets.json and rewrites the section of docs/benchmarks.md between its
targets markers. Each script's own section keeps the detail; this one puts the targets side
by side from the same run, so nothing in it was measured on a different day or load.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import sys
import time
from pathlib import Path
from types import SimpleNamespace

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "benchmarks.md"
START, END = "<!-- targets:start -->", "<!-- targets:end -->"
sys.path.insert(0, str(HERE))

from doc_section import splice  # noqa: E402

CLI_CASES = ["baseline-2024", "china-controls-2025", "5x12", "20x12", "50x12", "100x30"]
SWEEP_CASES = ["baseline-2024", "50x12-world", "china-controls-2025"]
GRID = ["5x12", "20xblocks", "50x30", "50xblocks-d6", "100x30", "china-controls-2025"]


def whole_processes(repeat: int, cases: list[str]) -> list[dict]:
    import cli

    args = SimpleNamespace(cases=cases, repeat=repeat, no_linopy=False, no_store=True,
                           no_backtest=False, before_src=None)
    return cli.measure(args)


def sweeps(n: int, n_linopy: int, n_rebuilt: int, repeat: int, cases: list[str]) -> dict:
    import sweep

    out = {"cases": []}
    for case in cases:
        out["cases"].append(sweep.run_case(case, n, min(n, n_linopy), min(n, n_rebuilt), repeat))
        print(f"  sweep {case}: done", flush=True)
    out["cli"] = sweep.cli_timing(repeat=repeat)
    return out


def grid(cases: list[str]) -> list[dict]:
    import method_grid

    rows = []
    for case in cases:
        rows.append(method_grid.child(case, False, 900))
        print(f"  method grid {case}: done", flush=True)
    return rows


def _yes(ok: bool) -> str:
    return "**met**" if ok else "**missed**"


def targets_table(cli_rows: list[dict], sw: dict, gr: list[dict]) -> list[str]:
    """One row per target: what was reached and the peers measured beside it."""
    by = {r["what"]: r for r in cli_rows}
    lines = ["| target | reached (median; CPU median) | peers, same run | |", "|---|---|---|---|"]
    for what, limit in (("run baseline-2024", 1.0), ("run china-controls-2025", 1.5),
                        ("backtest china-controls-2025", 2.0)):
        r = by.get(what, {})
        if "median" not in r:
            lines.append(f"| `{what}` < {limit} s | failed: {r.get('error', 'not measured')} | | |")
            continue
        lines.append(f"| `rareflow {what}` < {limit} s | {r['median']:.2f} s; CPU {r['cpu_median']:.2f} s "
                     f"| `import rareflow.cli` {by['import rareflow.cli']['median']:.2f} s, "
                     f"Python start {by['python start']['median']:.2f} s | "
                     f"{_yes(r['median'] < limit)} |")
    ratios = [(r["variables"], r["cpu_ratio_to_linopy"], r["linopy"]["cpu_median"])
              for r in cli_rows if "cpu_ratio_to_linopy" in r and r.get("variables")]
    if ratios:
        worst = max(x[1] for x in ratios)
        span = ", ".join(f"{v / 1000:,.0f}k: {q:.2f}×" for v, q, _ in sorted(ratios))
        lines.append(f"| `rareflow run` ≤ 1.2× linopy's whole process (CPU), 2k–300k variables "
                     f"| {span} | linopy whole process, alternating | {_yes(worst <= 1.2)} |")
    hits = []
    for c in sw["cases"]:
        rates = c["samples_per_second"]
        med = c["median_samples_per_second"]
        q = c["ratios"]["rareflow / HiGHS alone (medians)"]
        hits.append(q >= 0.8)
        lines.append(
            f"| sweep ≥ 80 % of HiGHS alone, {c['case']} ({c['variables']:,} variables) "
            f"| {med['rareflow (1 process)']:,.1f} samples/s = {q:.2f}× HiGHS alone "
            f"| HiGHS alone {med['HiGHS alone']:,.1f}/s; linopy persistent "
            f"{med['linopy, persistent solver']:,.1f}/s "
            f"(rareflow {c['ratios']['rareflow / linopy persistent (medians)']:.1f}× faster); "
            f"linopy rebuild {rates['linopy, rebuild each sample']:,.2f}/s "
            f"(rareflow {c['ratios']['rareflow / linopy rebuild']:.0f}× faster) | {_yes(q >= 0.8)} |")
    for src in (sw.get("cli") or {}).get("by_source", {}).values():
        if not src["ok"]:
            lines.append("| `rareflow sweep china-controls-2025 -n 1000 --workers 2` < 5 s | failed "
                         f"({src['first_line']}) | | **missed** |")
            continue
        w, c = src["wall"], src["cpu"]
        lines.append(f"| `rareflow sweep china-controls-2025 -n 1000 --workers 2` < 5 s "
                     f"| {w['median']:.1f} s (min {w['min']:.1f} s); CPU {c['median']:.1f} s, "
                     f"of both processes | — | {_yes(w['median'] < 5)} |")
    ok = [g for g in gr if "error" not in g]
    if ok:
        worst, at = 1.0, ""
        for g in ok:
            d, i = g["dual simplex"]["seconds"], g["ipm + crossover"]["seconds"]
            picked = d if g["rule"] == "dual simplex" else i
            q = picked / min(d, i)
            if q >= worst:
                worst, at = q, g["case"]
        lines.append(f"| large single solves within 1.1× of the faster HiGHS method "
                     f"| rule's pick ≤ {worst:.2f}× the faster ({len(ok)} shapes; worst {at}) "
                     f"| dual simplex vs IPM + crossover, each timed | {_yes(worst <= 1.1)} |")
    return lines


def details(cli_rows: list[dict], sw: dict, gr: list[dict]) -> list[str]:
    """The tables behind the targets, from the same run: whole processes, sweeps, the grid."""
    import cli
    import method_grid

    out = ["", "### Whole processes (same run)", "", *cli.table(cli_rows), "",
           "### Sweeps (same run; samples/s, best / median)", "",
           "| world | variables | rareflow, 1 process | rareflow, 2 processes | HiGHS alone "
           "| HiGHS alone from the base basis | HiGHS alone, reduced LPs | linopy persistent "
           "| linopy rebuild | rareflow / HiGHS alone (medians) |",
           "|---|---:|---:|---:|---:|---:|---:|---:|---:|---:|"]
    for c in sw["cases"]:
        b, m = c["samples_per_second"], c["median_samples_per_second"]
        out.append(
            f"| {c['case']} | {c['variables']:,} | {b['rareflow (1 process)']:,.1f} / "
            f"{m['rareflow (1 process)']:,.1f} | {b['rareflow (2 processes)']:,.1f} "
            f"| {b['HiGHS alone']:,.1f} / {m['HiGHS alone']:,.1f} "
            f"| {b['HiGHS alone, from the base basis']:,.1f} / "
            f"{m['HiGHS alone, from the base basis']:,.1f} "
            f"| {b['HiGHS alone, reduced LPs']:,.1f} / {m['HiGHS alone, reduced LPs']:,.1f} "
            f"| {b['linopy, persistent solver']:,.2f} / {m['linopy, persistent solver']:,.2f} "
            f"| {b['linopy, rebuild each sample']:,.2f} "
            f"| {c['ratios']['rareflow / HiGHS alone (medians)']:.2f}× |")
    agree = all(all(c["objectives_agree"].values()) for c in sw["cases"])
    out += ["", f"Objectives agree (1e-6) on every side: {'yes' if agree else 'NO'}. HiGHS alone "
            "(issue 17's floor) re-solves the full LP warm from the previous sample's basis; "
            "from the base basis, it starts each sample where rareflow does (cleared, base "
            "basis: what makes a sample's answer independent of the ones before it); on the "
            "reduced LPs, it solves what rareflow now solves (the held past substituted out)."]
    if gr:
        out += ["", "### The method rule's grid (same run; cold solves)", "",
                method_grid.table(gr, False)]
    return out


def write_doc(lines: list[str], when: str, machine: dict, cmd: str) -> None:
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    body = "\n".join([
        START, "## Issue 17's targets, one run (`python benchmarks/targets.py`)", "",
        f"`{cmd}`, {when}; Python {machine['python']}, {machine['cpus']} CPUs, load average "
        f"{machine['load'][0]:.1f} at the end. Every figure in this table comes from this one "
        "run (JSON: `benchmarks/results/targets.json`); the sections below have each script's "
        "detail.", "", *lines, END])
    # the first time: after the title and the scripts' table, before the first section
    DOC.write_text(splice(text, START, END, body, before="\n## "))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--quick", action="store_true", help="2 repeats, 40 samples, small grid")
    ap.add_argument("--no-doc", action="store_true")
    a = ap.parse_args()
    t0 = time.perf_counter()
    repeat = 2 if a.quick else 5
    print("whole processes …", flush=True)
    cli_rows = whole_processes(repeat, CLI_CASES[:3] if a.quick else CLI_CASES)
    print("sweeps …", flush=True)
    sw = sweeps(*((40, 10, 2, 2) if a.quick else (150, 40, 5, 3)),
                SWEEP_CASES[:1] if a.quick else SWEEP_CASES)
    print("method grid …", flush=True)
    gr = grid(GRID[:2] if a.quick else GRID)
    when = time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime())
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(), "load": os.getloadavg()}
    lines = targets_table(cli_rows, sw, gr) + details(cli_rows, sw, gr)
    print("\n".join(lines))
    out = HERE / "results" / "targets.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"when": when, "machine": machine, "seconds": time.perf_counter() - t0,
                               "whole_processes": cli_rows, "sweeps": sw, "method_grid": gr},
                              indent=2, default=float))
    print(f"written {out} ({time.perf_counter() - t0:.0f} s)")
    if not a.no_doc and not a.quick:
        cmd = "python benchmarks/targets.py " + " ".join(sys.argv[1:])
        write_doc(lines, when, machine, cmd.strip())
        print(f"section written to {DOC}")


if __name__ == "__main__":
    main()
