"""`rareflow run` and `rareflow backtest` as whole processes, beside linopy's whole process.

    python benchmarks/cli.py                       # the default cases, 5 repeats each
    python benchmarks/cli.py --repeat 3 --cases baseline-2024 20x12

What a user waits for: a fresh process each time (Python start, imports, loading, building,
solving, the summary and its explanation, writing the CSVs), run one after another, never two
at once. `rareflow run CASE --no-store --out TMP` for each case; a synthetic world (`RxP`, from
benchmarks/worlds.py) is written to a YAML file first, and both sides read that file.

The peer is the same LP written in linopy (benchmarks/linopy_model.py) as a whole process:
Python start, imports, reading and validating the same scenario file with rareflow's loader,
building the linopy model and solving it with HiGHS in memory. It prints nothing and writes
nothing, so it does less than `run` (no summary, explanation or tables). Where the linopy
model does not cover the scenario (stocks with tiers, staged announcements, …) the table says
so instead of timing something else.

Also: `rareflow backtest china-controls-2025` as a whole process, and Python's own start and
`import rareflow.cli` for reference. Prints a table; writes benchmarks/results/cli.json.
Wall seconds (min/median/max) and the least CPU seconds (user + system) of each; on a shared,
busy machine read the CPU column and the ratio (both sides measured in the same run). Targets
(issue 17): run < 1.0 s on baseline-2024, < 1.5 s on china-controls-2025, backtest
< 2 s, run ≤ 1.2× linopy's whole process.
"""

from __future__ import annotations

import argparse
import json
import os
import platform
import resource
import subprocess
import sys
import tempfile
import time
from pathlib import Path

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

DEFAULT = ["baseline-2024", "china-controls-2025", "20x12", "50x12"]
TARGETS = {"run baseline-2024": 1.0, "run china-controls-2025": 1.5,
           "backtest china-controls-2025": 2.0}
LINOPY_RATIO = 1.2


def scenario_file(case: str, tmp: Path) -> str:
    """A built-in name as is; a synthetic world `RxP` written to a YAML file."""
    if "x" in case and case.split("x")[0].isdigit():
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


def timed(cmd: list[str], repeat: int, env: dict) -> dict:
    """min/median/max wall seconds of `cmd` run `repeat` times, and the least CPU seconds
    (user + system: less sensitive than wall time to other work on a shared machine); the
    error if it fails."""
    times, cpu = [], []
    for _ in range(repeat):
        c0 = resource.getrusage(resource.RUSAGE_CHILDREN)
        t = time.perf_counter()
        p = subprocess.run(cmd, capture_output=True, text=True, env=env)
        times.append(time.perf_counter() - t)
        c1 = resource.getrusage(resource.RUSAGE_CHILDREN)
        cpu.append(c1.ru_utime - c0.ru_utime + c1.ru_stime - c0.ru_stime)
        if p.returncode != 0:
            tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["failed"]
            return {"error": tail[0], "seconds": times[-1]}
    s = sorted(times)
    return {"min": s[0], "median": s[len(s) // 2], "max": s[-1], "cpu_min": min(cpu),
            "repeat": repeat}


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


def linopy_peer(path: str, repeat: int, env: dict) -> dict:
    cmd = [sys.executable, str(Path(__file__)), "--linopy-child", path]
    p = subprocess.run(cmd, capture_output=True, text=True, env=env)
    if p.returncode == 3:
        return {"skipped": "not written in linopy: "
                + json.loads(p.stdout.strip().splitlines()[-1])["skipped"]}
    if p.returncode != 0:
        tail = (p.stderr or p.stdout).strip().splitlines()[-1:] or ["failed"]
        return {"skipped": f"linopy peer failed: {tail[0]}"}
    return timed(cmd, repeat, env)


def fmt(v) -> str:
    return "–" if v is None else f"{v:.2f}"


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--cases", nargs="*", default=DEFAULT)
    ap.add_argument("--repeat", type=int, default=5)
    ap.add_argument("--no-linopy", action="store_true")
    ap.add_argument("--no-backtest", action="store_true")
    ap.add_argument("--linopy-child", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.linopy_child:
        linopy_child(args.linopy_child)
        return
    rf = [sys.executable, "-m", "rareflow.cli"]
    rows: list[dict] = []
    with tempfile.TemporaryDirectory() as d:
        tmp = Path(d)
        env = {**os.environ, "RAREFLOW_STORE": str(tmp / "runs.duckdb")}
        py = timed([sys.executable, "-c", "pass"], args.repeat, env)
        imp = timed([sys.executable, "-c", "import rareflow.cli"], args.repeat, env)
        rows.append({"what": "python start", **py})
        rows.append({"what": "import rareflow.cli", **imp})
        for case in args.cases:
            path = scenario_file(case, tmp)
            run = timed([*rf, "run", path, "--no-store", "--out", str(tmp / "out")],
                        args.repeat, env)
            row = {"what": f"run {case}", **run}
            if not args.no_linopy:
                peer = linopy_peer(path, args.repeat, env)
                row["linopy"] = peer
                if "median" in peer and "median" in run:
                    row["ratio_to_linopy"] = run["median"] / peer["median"]
            rows.append(row)
        if not args.no_backtest:
            bt = timed([*rf, "backtest", "china-controls-2025"], args.repeat, env)
            rows.append({"what": "backtest china-controls-2025", **bt})
    for row in rows:
        target = TARGETS.get(row["what"])
        if target is not None and "median" in row:
            row["target_s"] = target
            row["meets_target"] = row["median"] < target
        if "ratio_to_linopy" in row:
            row["meets_linopy_target"] = row["ratio_to_linopy"] <= LINOPY_RATIO
    head = (f"{'process':34} {'min':>6} {'median':>7} {'max':>6} {'cpu':>6}  {'linopy median':>13}"
            f" {'cpu':>6} {'ratio':>6}  target")
    print(head)
    print("-" * len(head))
    for row in rows:
        peer = row.get("linopy") or {}
        lin = fmt(peer.get("median")) if "median" in peer else ("n/a" if peer else "")
        ratio = f"{row['ratio_to_linopy']:.2f}×" if "ratio_to_linopy" in row else ""
        tgt = ""
        if "target_s" in row:
            tgt = f"< {row['target_s']:.1f} s: {'yes' if row['meets_target'] else 'NO'}"
        if "error" in row:
            print(f"{row['what']:34} failed: {row['error']}")
            continue
        lcpu = fmt(peer.get("cpu_min")) if "cpu_min" in peer else ""
        print(f"{row['what']:34} {fmt(row['min']):>6} {fmt(row['median']):>7} {fmt(row['max']):>6}"
              f" {fmt(row['cpu_min']):>6}  {lin:>13} {lcpu:>6} {ratio:>6}  {tgt}")
        if peer.get("skipped"):
            print(f"{'':34} linopy: {peer['skipped']}")
    out = HERE / "results" / "cli.json"
    out.parent.mkdir(exist_ok=True)
    out.write_text(json.dumps({"machine": {"python": platform.python_version(),
                                           "cpus": os.cpu_count(), "load": os.getloadavg()},
                               "rows": rows}, indent=2))
    print(f"written to {out}")


if __name__ == "__main__":
    main()
