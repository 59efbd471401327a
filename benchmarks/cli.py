"""`rareflow run` and `rareflow backtest` as whole processes, beside linopy's whole process.

    python benchmarks/cli.py                       # the default cases, 3 counted runs each
    python benchmarks/cli.py --repeat 5 --cases baseline-2024 20x12 --doc

What a user waits for: a fresh process each time (Python start, imports, loading, building,
solving, the summary and its explanation, writing the CSVs), run one after another, never two
at once, after one warm-up run that is not counted. `rareflow run CASE --no-store --out TMP`
for each case (and, for the built-in scenarios, also with the run store, as `rareflow run`
does by default); a synthetic world (`RxP`, from benchmarks/worlds.py) is written to a YAML
file first, and both sides read that file.

Bytecode: an installed package has its `.pyc` files, so the children run with Python's
bytecode cache on (in a temporary `PYTHONPYCACHEPREFIX`, so the source tree stays clean,
filled by the warm-up run), whatever `PYTHONDONTWRITEBYTECODE` says here: compiling
rareflow's ~90 modules from source on every start would add ~0.3 s that no user pays.

The peer is the same LP written in linopy (benchmarks/linopy_model.py) as a whole process:
Python start, imports, reading and validating the same scenario file with rareflow's loader
(the YAML reading is included on both sides), building the linopy model and solving it with
HiGHS in memory. It prints nothing and writes nothing, so it does less than `run` (no summary,
explanation or tables). The comparison is made on the synthetic worlds, which the linopy model
covers; for the calibrated scenarios (stocks with tiers, staged announcements, …) the table
says the peer does not cover them instead of timing something else.

Also: `rareflow backtest china-controls-2025` as a whole process, and Python's own start and
`import rareflow.cli` for reference. Prints a table; writes benchmarks/results/cli.json and,
with --doc, the "Whole process" section of docs/benchmarks.md (between its cli markers).
Wall and CPU seconds (user + system of the child, from the OS's accounting), min and median
of the counted runs; on a shared, busy machine read the CPU columns and the ratios (both sides
measured in the same run, alternately). Targets (issue 17): run < 1.0 s on baseline-2024,
< 1.5 s on china-controls-2025, backtest < 2 s, run ≤ 1.2× linopy's whole process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
DOC = HERE.parent / "docs" / "benchmarks.md"
START, END = "<!-- cli:start -->", "<!-- cli:end -->"
sys.path.insert(0, str(HERE))

from doc_section import splice  # noqa: E402

DEFAULT = ["baseline-2024", "china-controls-2025", "5x12", "20x12", "50x12", "100x30"]
STORED = ("baseline-2024", "china-controls-2025")  # also timed with the run store
TARGETS = {"run baseline-2024": 1.0, "run china-controls-2025": 1.5,
           "backtest china-controls-2025": 2.0}
LINOPY_RATIO = 1.2


def synthetic(case: str) -> bool:
    return "x" in case and case.split("x")[0].isdigit()


def scenario_file(case: str, tmp: Path) -> str:
    """A built-in name as is; a synthetic world `RxP` written to a YAML file."""
    if synthetic(case):
        import worlds
        import yaml

        r, p = case.split("x")
        path = tmp / f"world-{case}.yaml"
        world = worlds.world(int(r), p if p == "monthly" else int(p))
        world = json.loads(json.dumps(world, default=float))  # numpy numbers as plain ones
        world.setdefault("name", f"world-{case}")
        path.write_text(yaml.safe_dump(world, sort_keys=False))
        return str(path)
    return case


def once(cmd: list[str], env: dict) -> tuple[float, float, subprocess.CompletedProcess]:
    """Wall and CPU seconds (user + system of the finished child) of one run of `cmd`."""
    c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
    t = time.perf_counter()
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    wall = time.perf_counter() - t
    c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
    return wall, c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime, p


def _stats(wall: list[float], cpu: list[float]) -> dict:
    return {"min": min(wall), "median": statistics.median(wall), "max": max(wall),
            "cpu_min": min(cpu), "cpu_median": statistics.median(cpu), "repeat": len(wall)}


def _failed(p: subprocess.CompletedProcess) -> str:
    tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["failed"]
    return tail[0]


def timed(cmd: list[str], repeat: int, env: dict, vs: list[str] | None = None,
          before_env: dict | None = None, before_cmd: list[str] | None = None
          ) -> tuple[dict, dict, dict]:
    """One warm-up run of each (not counted: it fills the bytecode cache), then `repeat`
    counted runs of `cmd` — alternating with `vs` when given, and with `cmd` run on the
    sources of `before_env` when given, A B C A B C …, so every side sees the same machine
    (`before_cmd`: what the before side runs, if not `cmd`: its own --out folder).
    Returns the statistics of each (an `error` if a run failed): cmd, vs, cmd before."""
    out: dict[str, dict] = {}
    sides = [("a", cmd, env)] + ([("b", vs, env)] if vs else []) \
        + ([("before", before_cmd or cmd, before_env)] if before_env else [])
    for key, c, e in sides:
        _w, _c, p = once(c, e)
        if p.returncode != 0:
            out[key] = {"error": _failed(p), "returncode": p.returncode, "stdout": p.stdout}
    runs: dict[str, tuple[list, list]] = {k: ([], []) for k, _, _ in sides if k not in out}
    for _ in range(repeat):
        for key, c, e in sides:
            if key in out:
                continue
            w, cpu, p = once(c, e)
            if p.returncode != 0:
                out[key] = {"error": _failed(p), "returncode": p.returncode, "stdout": p.stdout}
                continue
            runs[key][0].append(w)
            runs[key][1].append(cpu)
    for key, (w, c) in runs.items():
        if key not in out:
            out[key] = _stats(w, c)
    return out["a"], out.get("b", {}), out.get("before", {})


def linopy_child(path: str) -> None:
    """The linopy peer's whole process: read the scenario, build, solve (exit 3 if the linopy
    model does not cover it)."""
    import linopy_model as L

    from rareflow.scenario.loader import load_scenario

    scn, _ = load_scenario(path)
    try:
        m = L.build(L.data(scn))
    except L.NotSupported as e:
        print(json.dumps({"skipped": str(e)}))
        sys.exit(3)
    objective, _run = L.solve(m, primal_feasibility_tolerance=1e-9,
                              dual_feasibility_tolerance=1e-9)
    print(json.dumps({"objective": objective}))


def linopy_cmd(path: str) -> list[str]:
    return [sys.executable, str(Path(__file__)), "--linopy-child", path]


def peer_result(peer: dict) -> dict:
    """The linopy side as timed, or why it was not: exit 3 = the model is not covered."""
    if peer.get("returncode") == 3:
        try:
            why = json.loads(peer["stdout"].strip().splitlines()[-1])["skipped"]
        except (ValueError, KeyError, IndexError):
            why = "not covered"
        return {"skipped": f"not written in linopy: {why}"}
    if "error" in peer:
        return {"skipped": f"linopy peer failed: {peer['error']}"}
    return peer


def variables(out: Path) -> int | None:
    try:
        return int(json.loads((out / "summary.json").read_text())["variables"])
    except (OSError, ValueError, KeyError, TypeError):
        return None


def fmt(v) -> str:
    return "–" if v is None else f"{v:.2f}"


def measure(args) -> list[dict]:
    rf = [sys.executable, "-m", "rareflow.cli"]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        env = {k: v for k, v in os.environ.items() if k != "PYTHONDONTWRITEBYTECODE"}
        env.update(RAREFLOW_STORE=str(tmp / "runs.duckdb"), PYTHONPYCACHEPREFIX=str(tmp / "pyc"))
        bef = None
        if args.before_src:  # the same commands on other sources (e.g. main's), alternately
            bef = {**env, "PYTHONPATH": str(Path(args.before_src).resolve()),
                   "RAREFLOW_STORE": str(tmp / "runs-before.duckdb")}
        py, _, _ = timed([sys.executable, "-c", "pass"], args.repeat, env)
        imp, _, imp_b = timed([sys.executable, "-c", "import rareflow.cli"], args.repeat, env,
                              before_env=bef)
        rows.append({"what": "python start", **py})
        rows.append({"what": "import rareflow.cli", **imp, **({"before": imp_b} if bef else {})})
        for case in args.cases:
            path = scenario_file(case, tmp)
            out = tmp / f"out-{case}"
            cmd = [*rf, "run", path, "--no-store", "--out", str(out)]
            peer_cmd = None if args.no_linopy or not synthetic(case) else linopy_cmd(path)
            cmd_b = [*rf, "run", path, "--no-store", "--out", str(out) + "-before"]
            run, peer, run_b = timed(cmd, args.repeat, env, vs=peer_cmd, before_env=bef,
                                     before_cmd=cmd_b)
            row = {"what": f"run {case}", **run, "variables": variables(out),
                   **({"before": run_b} if bef else {})}
            if peer_cmd:
                peer = peer_result(peer)
                row["linopy"] = peer
                if "median" in peer and "median" in run:
                    row["ratio_to_linopy"] = run["median"] / peer["median"]
                    row["cpu_ratio_to_linopy"] = run["cpu_median"] / peer["cpu_median"]
            elif not args.no_linopy:
                row["linopy"] = {"skipped": "calibrated scenario: the linopy model covers the "
                                 "synthetic worlds (compared there)"}
            rows.append(row)
            if case in STORED and not args.no_store:
                st, _, st_b = timed([*rf, "run", path, "--out", str(out)], args.repeat, env,
                                    before_env=bef, before_cmd=[*rf, "run", path, "--out",
                                                                str(out) + "-before"])
                rows.append({"what": f"run {case} (with the run store)", **st,
                             "variables": row["variables"], **({"before": st_b} if bef else {})})
        if not args.no_backtest:
            bt_cmd = [*rf, "backtest", "china-controls-2025", "--out", str(tmp / "bt")]
            bt_b_cmd = [*rf, "backtest", "china-controls-2025", "--out", str(tmp / "bt-before")]
            bt, _, bt_b = timed([*bt_cmd, "--no-store"], args.repeat, env, before_env=bef,
                                before_cmd=[*bt_b_cmd, "--no-store"])
            rows.append({"what": "backtest china-controls-2025", **bt,
                         **({"before": bt_b} if bef else {})})
            if not args.no_store:
                bt, _, bt_b = timed(bt_cmd, args.repeat, env, before_env=bef, before_cmd=bt_b_cmd)
                rows.append({"what": "backtest china-controls-2025 (with the run store)", **bt,
                             **({"before": bt_b} if bef else {})})
    for row in rows:
        target = TARGETS.get(row["what"].split(" (")[0])
        if target is not None and "median" in row:
            row["target_s"] = target
            row["meets_target_wall"] = row["median"] < target
            row["meets_target_cpu"] = row["cpu_median"] < target
        if "ratio_to_linopy" in row:
            row["meets_linopy_target"] = row["cpu_ratio_to_linopy"] <= LINOPY_RATIO
    return rows


def table(rows: list[dict]) -> list[str]:
    """The rows as a Markdown table (also what is printed)."""
    lines = ["| process | variables | wall min | wall median | CPU min | CPU median | "
             "linopy wall median | linopy CPU median | ratio CPU (wall) | target |",
             "|---|---:|---:|---:|---:|---:|---:|---:|---:|---|"]
    for row in rows:
        if "error" in row:
            lines.append(f"| {row['what']} | | failed: {row['error']} | | | | | | | |")
            continue
        peer = row.get("linopy") or {}
        lw = fmt(peer.get("median")) if "median" in peer else ("n/a" if peer else "")
        lc = fmt(peer.get("cpu_median")) if "cpu_median" in peer else ""
        ratio = (f"{row['cpu_ratio_to_linopy']:.2f}× ({row['ratio_to_linopy']:.2f}×)"
                 if "ratio_to_linopy" in row else "")
        tgt = ""
        if "target_s" in row:
            tgt = (f"< {row['target_s']:.1f} s: CPU {'yes' if row['meets_target_cpu'] else 'no'}"
                   f", wall {'yes' if row['meets_target_wall'] else 'no'}")
        elif "meets_linopy_target" in row:
            tgt = f"≤ {LINOPY_RATIO}× linopy: {'yes' if row['meets_linopy_target'] else 'no'}"
        nv = f"{row['variables']:,}" if row.get("variables") else ""
        lines.append(f"| {row['what']} | {nv} | {fmt(row['min'])} | {fmt(row['median'])} | "
                     f"{fmt(row['cpu_min'])} | {fmt(row['cpu_median'])} | {lw} | {lc} | {ratio} "
                     f"| {tgt} |")
    notes = sorted({row["linopy"]["skipped"] for row in rows
                    if isinstance(row.get("linopy"), dict) and "skipped" in row["linopy"]})
    return lines + ([""] + [f"- linopy: {n}" for n in notes] if notes else [])


def before_after(rows: list[dict]) -> list[str]:
    """The rows measured on both sources (--before-src), before beside after, as Markdown."""
    lines = ["| process | before: wall min / median | before: CPU min / median | "
             "after: wall min / median | after: CPU min / median | CPU median after ÷ before |",
             "|---|---:|---:|---:|---:|---:|"]
    for row in rows:
        b = row.get("before")
        if not b:
            continue
        if "error" in row or "error" in b:
            lines.append(f"| {row['what']} | {b.get('error', '')} | | {row.get('error', '')} | | |")
            continue
        lines.append(f"| {row['what']} | {fmt(b['min'])} / {fmt(b['median'])} | "
                     f"{fmt(b['cpu_min'])} / {fmt(b['cpu_median'])} | {fmt(row['min'])} / "
                     f"{fmt(row['median'])} | {fmt(row['cpu_min'])} / {fmt(row['cpu_median'])} | "
                     f"{row['cpu_median'] / b['cpu_median']:.2f} |")
    return lines


def write_doc(lines: list[str], machine: dict, repeat: int) -> None:
    """Put the table between the cli markers of docs/benchmarks.md (appended, with its
    markers, when the file has none); the rest of the file is left as it is."""
    text = DOC.read_text() if DOC.exists() else "# Benchmarks\n"
    body = "\n".join([
        START,
        "## Whole process (`python benchmarks/cli.py --doc`)",
        "",
        "What a user waits for: each command in a fresh process (Python start, imports, "
        "loading, building, solving, the summary with its explanation, writing the CSVs), "
        f"{repeat} counted runs after a warm-up, rareflow and linopy alternating; CPU = user + "
        "system seconds of the child. The machine is shared: read the CPU columns and the "
        "ratios, not the wall seconds. linopy's whole process reads the same YAML file with "
        "rareflow's loader, builds the same LP in linopy and solves it with HiGHS; it prints "
        "and writes nothing. Bytecode cached, as an installed package has it.",
        "",
        f"Measured {time.strftime('%Y-%m-%d %H:%M', time.gmtime())} UTC; Python "
        f"{machine['python']}, {machine['cpus']} CPUs, load average "
        f"{machine['load'][0]:.1f} at the end.",
        "",
        *lines,
        END,
    ])
    DOC.write_text(splice(text, START, END, body))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*", default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=3)
    ap.add_argument("--no-linopy", action="store_true")
    ap.add_argument("--no-store", action="store_true", help="skip the runs with the run store")
    ap.add_argument("--no-backtest", action="store_true")
    ap.add_argument("--doc", action="store_true", help="rewrite the cli section of docs/benchmarks.md")
    ap.add_argument("--before-src", help="also time every command on these package sources "
                    "(a `src` folder, e.g. main's exported with `git archive`), alternating "
                    "with the current ones, and print before beside after")
    ap.add_argument("--linopy-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.linopy_child:
        linopy_child(args.linopy_child)
        return
    rows = measure(args)
    machine = {"python": platform.python_version(), "cpus": os.cpu_count(),
               "load": os.getloadavg()}
    lines = table(rows)
    print("\n".join(lines))
    if args.before_src:
        print("\nBefore (" + args.before_src + ") and after (these sources), alternating:\n")
        print("\n".join(before_after(rows)))
    out = HERE / "results" / "cli.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": machine, "repeat": args.repeat, "rows": rows}, indent=2))
    print(f"written to {out}")
    if args.doc:
        write_doc(lines, machine, args.repeat)
        print(f"section written to {DOC}")


if __name__ == "__main__":
    main()
