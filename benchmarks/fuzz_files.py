"""Mutated scenario files through `rareflow validate` and `rareflow run`, each in a forked child
with a memory limit and a time limit; counts what went wrong, by mutation kind.

    python benchmarks/fuzz_files.py                   # 10,000 files, 1 worker
    python benchmarks/fuzz_files.py -n 500 --workers 2
    python benchmarks/fuzz_files.py --case 1234       # one case again, output shown

Each case takes a seed scenario (the built-ins and examples/), applies one kind of mutation
(structural: values, keys, references, numbers, periods, types; textual: bytes, truncation,
lines, duplicate keys, YAML tags and aliases, odd characters; `extends:` and `name:`), writes
the file, and in a fresh fork (address space limited with setrlimit) runs the CLI's own
`main()`: `validate FILE`, and when that passes `run FILE --no-store --out DIR`. Case i is
the same file on every machine (random.Random(seed, i)).

What counts as a failure: a child that exits 2 ("internal error"), prints a Python
traceback, takes longer than --hang seconds (killed), or dies of a signal. Exit 0 (valid and
solved) and exit 1 (refused, or explained in words) are answers. The counts go to
docs/reliability.md (between the fuzz markers) and benchmarks/results/fuzz_files.json; the
first failures of each kind are kept in benchmarks/results/fuzz-failures/ to reproduce.
"""

from __future__ import annotations

import argparse
import copy
import json
import math
import os
import random
import resource
import shutil
import signal
import sys
import tempfile
import time
from collections import Counter, defaultdict
from pathlib import Path

import yaml

HERE = Path(__file__).resolve().parent
sys.path.insert(0, str(HERE))

from doc_section import splice  # noqa: E402

ROOT = HERE.parent
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- fuzz:start -->", "<!-- fuzz:end -->"

KINDS = ("replace", "delete", "extra_key", "unknown_ref", "numbers", "periods", "types",
         "duplicate_item", "duplicate_key", "bytes", "truncate", "lines", "yaml_tags",
         "unicode", "extends", "name", "size")
JUNK = [None, True, False, "", "x", "JPNN", "2099", "2025Q5", "2025-13", ".inf", "-.inf", "nan",
        0, -1, 1, 10**15, -10**15, 1e300, -1e300, 1e-300, math.nan, math.inf, -math.inf,
        [], [1, 2], {}, {"a": 1}, "🙂", "a" * 300, "1,000", "12 t", "2024-01-01"]
NUMBERS = [math.nan, math.inf, -math.inf, 1e300, -1e300, 1e-320, -1, -0.0, 0, 2**63, -2**63,
           "1e6", "NaN", ".nan", "0x10", "1_000", True, 1e12, 1e13, 3.5]
PERIODS = [{"start": 2030, "end": 2024, "step": "year"},
           {"start": 2024, "end": 99999, "step": "year"},
           {"start": "2024-01", "end": "3024-12", "step": "month"},
           {"start": "2025Q5", "end": 2026, "step": "quarter"},
           {"start": 2024, "end": 2030, "step": "week"},
           [], [2024, 2024], [2026, 2024], ["2024Q1", 2025], ["2024-13"], [None],
           [{"start": 2024, "end": 2025, "step": "year"}, {"start": 2025, "end": 2026, "step": "year"}],
           [{"start": "2024-01", "end": "2024-12", "step": "month"},
            {"start": 2026, "end": 2027, "step": "year"}],
           "2024", 2024, {"start": 2024}, {"end": 2030, "step": "year"}]
TAGS = ["!!python/object/apply:os.system ['echo pwned']", "!!python/name:os.system", "!!binary aGVsbG8=",
        "!!set {a, b}", "!!timestamp 2024-01-01", "!!float nan", "!!int 0x1F", "!!omap [a: 1]",
        "!<tag:yaml.org,2002:python/object:object> {}", "!custom 1", "&anchor 5", "*nowhere"]
ODD = ["\u200b", "\u202e", "\ufeff", "\u0000", "\ud800".encode("utf-8", "surrogatepass").decode(
    "utf-8", "replace"), "\t", "\r", "\x1b[31m", "Ω", "𝔘", "'", '"', "#", ":", "- ", "{", "]"]


SMALL = ("toy", "export-ban")  # solved in milliseconds (sweep-demo extends a world built-in)
SMALL_SHARE = 0.85  # the world-sized built-ins take seconds to run: one file in seven uses one


def seeds() -> dict[str, str]:
    from rareflow.scenario.loader import builtin_dir

    out = {p.stem: p.read_text() for p in sorted(builtin_dir().glob("*.yaml"))}
    out.update({p.stem: p.read_text() for p in sorted((ROOT / "examples").glob("*.yaml"))})
    return out


# ---- mutations ----------------------------------------------------------------------------
def _paths(node, prefix=()):
    yield prefix
    if isinstance(node, dict):
        for k, v in node.items():
            yield from _paths(v, (*prefix, k))
    elif isinstance(node, list):
        for i, v in enumerate(node):
            yield from _paths(v, (*prefix, i))


def _get(node, path):
    for p in path:
        node = node[p]
    return node


def _pick(rng, doc, want=None):
    paths = [p for p in _paths(doc) if p and (want is None or want(_get(doc, p)))]
    return rng.choice(paths) if paths else None


def structural(kind: str, rng: random.Random, doc: dict) -> dict:
    doc = copy.deepcopy(doc)
    for _ in range(rng.randint(1, 3)):
        if kind == "periods":
            doc["periods"] = copy.deepcopy(rng.choice(PERIODS))
            continue
        if kind == "name":
            doc["name"] = rng.choice(["/tmp/victim", "../../victim", "..", "a/b", "C:\\x", "",
                                      "x" * 5000, "\u202eevil", "rareflow-out", ".", "~", None, 5])
            continue
        if kind == "extends":
            doc["extends"] = rng.choice(["missing-scenario", "a" * 5000, "/etc/passwd", "../../x",
                                         "toy", "baseline-2024", "s.yaml", "", 5, ["toy"],
                                         {"a": 1}, "x/" * 200, "\u0000"])
            continue
        if kind == "size":
            block = rng.choice(["facilities", "routes", "demands", "regions", "sources"])
            n = rng.choice([1000, 5000, 20000])
            if block in ("regions", "sources"):
                doc[block] = {**(doc.get(block) or {}), **{f"R{i}": ({"label": "x"} if block ==
                                                                     "regions" else "s")
                                                           for i in range(n)}}
            else:
                doc[block] = list(doc.get(block) or []) + [{"id": f"x{i}"} for i in range(n)]
            continue
        path = _pick(rng, doc)
        if path is None:
            break
        parent, key = _get(doc, path[:-1]), path[-1]
        if kind == "replace":
            parent[key] = copy.deepcopy(rng.choice(JUNK))
        elif kind == "delete":
            del parent[key]
        elif kind == "extra_key":
            target = _pick(rng, doc, lambda n: isinstance(n, dict))
            node = _get(doc, target) if target else doc
            node[rng.choice(["colour", "capactiy", "priorty", "x", "id", "type", "remove"])] = 1
        elif kind == "unknown_ref":
            sp = _pick(rng, doc, lambda n: isinstance(n, str))
            if sp:
                _get(doc, sp[:-1])[sp[-1]] = _get(doc, sp) + rng.choice(["X", "_", " ", ""])
        elif kind == "numbers":
            np_ = _pick(rng, doc, lambda n: isinstance(n, int | float) and not isinstance(n, bool))
            if np_:
                _get(doc, np_[:-1])[np_[-1]] = rng.choice(NUMBERS)
        elif kind == "types":
            v = parent[key]
            parent[key] = rng.choice([[v], {"value": v}, str(v), None, [v, v]])
        elif kind == "duplicate_item":
            lp = _pick(rng, doc, lambda n: isinstance(n, list) and n)
            if lp:
                lst = _get(doc, lp)
                lst.append(copy.deepcopy(rng.choice(lst)))
    return doc


def textual(kind: str, rng: random.Random, text: str) -> bytes:
    lines = text.splitlines(keepends=True)
    if kind == "bytes":
        raw = bytearray(text.encode())
        for _ in range(rng.randint(1, 16)):
            i = rng.randrange(len(raw))
            raw[i] = rng.randrange(256)
        return bytes(raw)
    if kind == "truncate":
        raw = text.encode()
        return raw[:rng.randrange(len(raw) + 1)]
    if kind == "lines":
        for _ in range(rng.randint(1, 4)):
            i = rng.randrange(len(lines))
            op = rng.choice(["delete", "dup", "indent", "dedent", "swap"])
            if op == "delete":
                del lines[i]
            elif op == "dup":
                lines.insert(i, lines[i])
            elif op == "indent":
                lines[i] = "  " + lines[i]
            elif op == "dedent":
                lines[i] = lines[i].lstrip()
            else:
                j = rng.randrange(len(lines))
                lines[i], lines[j] = lines[j], lines[i]
            if not lines:
                break
        return "".join(lines).encode()
    if kind == "duplicate_key":
        tops = [i for i, ln in enumerate(lines) if ln[:1].isalpha()]
        i = rng.choice(tops)
        j = next((k for k in tops if k > i), len(lines))
        block = lines[i:j]
        if rng.random() < 0.5:
            return "".join(lines + block).encode()
        sub = [k for k in range(i + 1, j) if lines[k].startswith("  ") and lines[k][2:3].isalnum()]
        if sub:
            k = rng.choice(sub)
            lines.insert(k + 1, lines[k])
        return "".join(lines).encode()
    if kind == "yaml_tags":
        if rng.random() < 0.1:
            bomb = ['a: &a ["l","l","l","l","l","l","l","l","l"]']
            prev = "a"
            for n in "bcdefghi":
                bomb.append(f"{n}: &{n} [" + ",".join([f"*{prev}"] * 9) + "]")
                prev = n
            return ("\n".join(bomb) + "\n" + text).encode()
        for _ in range(rng.randint(1, 3)):
            i = rng.randrange(len(lines))
            ln = lines[i]
            if ":" in ln:
                k, _, _v = ln.partition(":")
                lines[i] = f"{k}: {rng.choice(TAGS)}\n"
        return "".join(lines).encode()
    if kind == "unicode":
        chars = list(text)
        for _ in range(rng.randint(1, 8)):
            chars.insert(rng.randrange(len(chars) + 1), rng.choice(ODD))
        return "".join(chars).encode("utf-8", "surrogatepass")
    raise ValueError(kind)


def make_case(i: int, seed: int, texts: dict[str, str], parsed: dict[str, dict]) -> tuple[str, str, bytes]:
    """(kind, seed scenario, file bytes) of case i: the same on every machine."""
    rng = random.Random(f"{seed}:{i}")
    kind = KINDS[i % len(KINDS)]
    small = sorted(k for k in texts if k in SMALL)
    big = sorted(k for k in texts if k not in SMALL)
    base = rng.choice(small if rng.random() < SMALL_SHARE or not big else big)
    if kind in ("bytes", "truncate", "lines", "duplicate_key", "yaml_tags", "unicode"):
        return kind, base, textual(kind, rng, texts[base])
    doc = structural(kind, rng, parsed[base])
    return kind, base, yaml.safe_dump(doc, allow_unicode=True, sort_keys=False).encode()


# ---- the child ----------------------------------------------------------------------------
def _child(path: Path, out_dir: Path, log: Path, memory: int) -> None:
    """In the fork: limits, output to `log`, then the CLI's main() as `rareflow` runs it."""
    try:
        resource.setrlimit(resource.RLIMIT_AS, (memory, memory))
        fd = os.open(log, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o644)
        os.dup2(fd, 1)
        os.dup2(fd, 2)
        from rareflow import cli

        code = 0
        for argv in (["validate", str(path)],
                     ["run", str(path), "--no-store", "--out", str(out_dir)]):
            sys.argv = ["rareflow", *argv]
            try:
                cli.main()
                code = 0
            except SystemExit as e:
                code = e.code if isinstance(e.code, int) else (0 if e.code is None else 1)
            if code != 0:
                break
        sys.stdout.flush()
        sys.stderr.flush()
        os._exit(code)
    except BaseException:  # noqa: BLE001 - a failure of the harness itself
        import traceback

        traceback.print_exc()
        os._exit(3)


def _address_space_limit(extra_mb: int) -> int:
    """This process's current address space plus `extra_mb`: the children inherit the
    imported modules, so a fixed limit would mostly measure the imports."""
    with open("/proc/self/statm") as fh:
        pages = int(fh.read().split()[0])
    return pages * os.sysconf("SC_PAGE_SIZE") + extra_mb * 2**20


def run(n: int = 10_000, seed: int = 0, workers: int = 1, hang: float = 10.0,
        memory_mb: int = 1024, only: int | None = None, keep: Path | None = None,
        progress: bool = True, wall: float | None = None) -> dict:
    """Run the cases; return the counts (overall and by kind).

    A hang is a child that used more than `hang` seconds of CPU (its own work, whatever the
    machine's load) or ran `wall` seconds (default 6 × hang) without finishing."""
    wall = wall if wall is not None else 6 * hang
    from rareflow import cli  # noqa: F401 - imported once here, inherited by every fork
    from rareflow.lp import model  # noqa: F401
    from rareflow.results import tables  # noqa: F401

    texts = seeds()
    parsed = {k: yaml.safe_load(v) for k, v in texts.items()}
    tmp = Path(tempfile.mkdtemp(prefix="rareflow-fuzz-"))
    _warm(tmp, texts)
    memory = _address_space_limit(memory_mb)
    by_kind: dict[str, Counter] = defaultdict(Counter)
    slowest: dict[str, float] = defaultdict(float)  # CPU seconds: the machine's load aside
    slowest_wall: dict[str, float] = defaultdict(float)
    failures: list[dict] = []
    cases = [only] if only is not None else list(range(n))
    running: dict[int, tuple[int, float, Path]] = {}  # pid → (case, started, folder)
    t0 = time.perf_counter()
    done = 0

    def finish(pid: int, status: int | None, cpu: float) -> None:
        nonlocal done
        i, started, d = running.pop(pid)
        took = time.perf_counter() - started
        kind = KINDS[i % len(KINDS)]
        log = (d / "log").read_text(errors="replace") if (d / "log").exists() else ""
        c = by_kind[kind]
        c["cases"] += 1
        slowest[kind] = max(slowest[kind], cpu)
        slowest_wall[kind] = max(slowest_wall[kind], took)
        what = None
        if status is None or cpu > hang:
            what = "hang"
        elif os.WIFSIGNALED(status):
            what = f"signal {signal.Signals(os.WTERMSIG(status)).name}"
        else:
            code = os.WEXITSTATUS(status)
            if code == 0:
                c["valid_and_solved"] += 1
            elif code == 1:
                c["refused_or_explained"] += 1
            elif code == 2:
                c["exit_2"] += 1
                what = "exit 2"
            else:
                c["other_exit"] += 1
                what = f"exit {code}"
        if "Traceback (most recent call last)" in log:
            c["tracebacks"] += 1
            what = what or "traceback"
        if "MemoryError" in log:
            c["memory_errors"] += 1
        if what == "hang":
            c["hangs"] += 1
        elif what and what.startswith("signal"):
            c["signals"] += 1
        if what:
            failures.append({"case": i, "kind": kind, "what": what, "cpu_s": round(cpu, 2),
                             "wall_s": round(took, 2),
                             "output": log[-1500:]})
            if keep is not None and sum(f["kind"] == kind for f in failures) <= 3:
                keep.mkdir(parents=True, exist_ok=True)
                shutil.copy(d / "s.yaml", keep / f"case-{i}-{kind}.yaml")
        if only is not None:
            print(log)
        shutil.rmtree(d, ignore_errors=True)
        done += 1
        if progress and done % 500 == 0:
            rate = done / (time.perf_counter() - t0)
            print(f"  {done:,}/{len(cases):,} cases, {rate:.1f}/s, "
                  f"{len(failures)} failures so far", file=sys.stderr, flush=True)

    try:
        for i in cases:
            while len(running) >= workers:
                _reap(running, hang, wall, finish)
            kind, base, data = make_case(i, seed, texts, parsed)
            d = tmp / f"case-{i}"
            d.mkdir()
            (d / "s.yaml").write_bytes(data)
            pid = os.fork()
            if pid == 0:
                os.chdir(d)
                _child(d / "s.yaml", d / "out", d / "log", memory)
            running[pid] = (i, time.perf_counter(), d)
        while running:
            _reap(running, hang, wall, finish)
    finally:
        for pid in list(running):
            os.kill(pid, signal.SIGKILL)
        shutil.rmtree(tmp, ignore_errors=True)
    total = Counter()
    for c in by_kind.values():
        total.update(c)
    return {"cases": len(cases), "seed": seed, "workers": workers, "hang_s": hang,
            "memory_mb_over_start": memory_mb, "seconds": round(time.perf_counter() - t0, 1),
            "total": dict(total), "by_kind": {k: dict(v) for k, v in sorted(by_kind.items())},
            "slowest_cpu_s": {k: round(v, 2) for k, v in sorted(slowest.items())},
            "slowest_wall_s": {k: round(v, 2) for k, v in sorted(slowest_wall.items())},
            "wall_limit_s": wall,
            "failures": failures[:50]}


def _warm(tmp: Path, texts: dict[str, str]) -> None:
    """One validate and one run in this process first, so that the lazy imports they make
    are inherited by the forks instead of repeated 10,000 times."""
    import contextlib
    import io

    from rareflow import cli

    f = tmp / "warm.yaml"
    f.write_text(texts.get("toy") or next(iter(texts.values())))
    for argv in (["validate", str(f)], ["run", str(f), "--no-store", "--out", str(tmp / "w")]):
        sys.argv = ["rareflow", *argv]
        with contextlib.redirect_stdout(io.StringIO()), contextlib.redirect_stderr(io.StringIO()):
            try:
                cli.main()
            except SystemExit:
                pass
    shutil.rmtree(tmp / "w", ignore_errors=True)


def _reap(running: dict, hang: float, wall: float, finish) -> None:
    """Collect a finished child with its CPU time; kill one over `hang` CPU seconds (read
    from /proc while it runs) or `wall` seconds of wall time."""
    pid, status, usage = os.wait4(-1, os.WNOHANG)
    if pid and pid in running:
        finish(pid, status, usage.ru_utime + usage.ru_stime)
        return
    now = time.perf_counter()
    for p, (_, started, _) in list(running.items()):
        if now - started > wall or (now - started > hang and _cpu(p) > hang):
            os.kill(p, signal.SIGKILL)
            _, _, usage = os.wait4(p, 0)
            finish(p, None, usage.ru_utime + usage.ru_stime)
            return
    time.sleep(0.002)


def _cpu(pid: int) -> float:
    """CPU seconds a running child has used (user + system), from /proc/PID/stat."""
    try:
        with open(f"/proc/{pid}/stat") as fh:
            fields = fh.read().rsplit(")", 1)[1].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return 0.0


# ---- the report ---------------------------------------------------------------------------
def markdown(res: dict) -> str:
    t = res["total"]
    lines = [
        START,
        "## Mutated scenario files (fuzz script)",
        "",
        f"`python benchmarks/fuzz_files.py -n {res['cases']}` ({time.strftime('%Y-%m-%d', time.gmtime())}, "
        f"seed {res['seed']}, {res['workers']} worker{'s' if res['workers'] != 1 else ''}, "
        f"{res['seconds']:,.0f} s): each file in a forked child limited to "
        f"{res['memory_mb_over_start']:,} MB of address space beyond the loaded program and "
        f"{res['hang_s']:g} s of CPU ({res['wall_limit_s']:g} s of wall time), through "
        "`rareflow validate` and, when valid, `rareflow run`. A hang is a file whose child "
        f"used more than {res['hang_s']:g} s of CPU; CPU time is counted so that the figures "
        "do not depend on how busy the machine was.",
        "",
        f"**{res['cases']:,} files: {t.get('tracebacks', 0)} tracebacks, {t.get('hangs', 0)} hangs "
        f"over {res['hang_s']:g} s, {t.get('exit_2', 0)} exit-2 (internal) errors, "
        f"{t.get('signals', 0)} crashes; {t.get('refused_or_explained', 0):,} refused or "
        f"explained in words (exit 1), {t.get('valid_and_solved', 0):,} valid and solved "
        "(exit 0).**",
        "",
        "| mutation | files | exit 0 | exit 1 | exit 2 | tracebacks | hangs | crashes | slowest (CPU s) |",
        "|---|---:|---:|---:|---:|---:|---:|---:|---:|",
    ]
    for k, c in res["by_kind"].items():
        lines.append(f"| {k} | {c.get('cases', 0):,} | {c.get('valid_and_solved', 0):,} | "
                     f"{c.get('refused_or_explained', 0):,} | {c.get('exit_2', 0)} | "
                     f"{c.get('tracebacks', 0)} | {c.get('hangs', 0)} | {c.get('signals', 0)} | "
                     f"{res['slowest_cpu_s'].get(k, 0):.2f} |")
    lines += ["", END]
    return "\n".join(lines)


def write_doc(res: dict, doc: Path = DOC) -> None:
    """Put the fuzz section into docs/reliability.md, leaving the rest of the file as it is."""
    text = doc.read_text() if doc.exists() else "# Reliability: what was tried and what held\n"
    block = markdown(res)
    doc.write_text(splice(text, START, END, block))


def main() -> None:
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("-n", type=int, default=10_000, help="how many mutated files")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--workers", type=int, default=1, help="children at once")
    ap.add_argument("--hang", type=float, default=10.0, help="CPU seconds before a child is a hang")
    ap.add_argument("--memory-mb", type=int, default=1024,
                    help="address space a child may add to what the program has loaded")
    ap.add_argument("--case", type=int, default=None, help="run this one case, show its output")
    ap.add_argument("--no-doc", action="store_true", help="do not update docs/reliability.md")
    args = ap.parse_args()
    keep = HERE / "results" / "fuzz-failures"
    if args.case is None:
        shutil.rmtree(keep, ignore_errors=True)  # this run's failures only
    res = run(args.n, args.seed, args.workers, args.hang, args.memory_mb, args.case,
              keep=keep)
    t = res["total"]
    print(f"{res['cases']:,} files in {res['seconds']:,.0f} s: {t.get('tracebacks', 0)} tracebacks, "
          f"{t.get('hangs', 0)} hangs, {t.get('exit_2', 0)} exit-2 errors, "
          f"{t.get('signals', 0)} crashes; {t.get('refused_or_explained', 0):,} exit 1, "
          f"{t.get('valid_and_solved', 0):,} exit 0")
    for k, c in res["by_kind"].items():
        print(f"  {k:15} {c.get('cases', 0):6,} files  exit0 {c.get('valid_and_solved', 0):5,}  "
              f"exit1 {c.get('refused_or_explained', 0):5,}  exit2 {c.get('exit_2', 0):3}  "
              f"tb {c.get('tracebacks', 0):3}  hang {c.get('hangs', 0):3}  "
              f"slowest {res['slowest_cpu_s'].get(k, 0):.2f} s CPU, "
              f"{res['slowest_wall_s'].get(k, 0):.2f} s wall")
    for f in res["failures"][:10]:
        print(f"  case {f['case']} ({f['kind']}): {f['what']}\n    " +
              f["output"].strip().replace("\n", "\n    ")[-600:])
    if args.case is None:
        (HERE / "results").mkdir(exist_ok=True)
        (HERE / "results" / "fuzz_files.json").write_text(json.dumps(res, indent=2) + "\n")
        if not args.no_doc:
            write_doc(res)


if __name__ == "__main__":
    main()
