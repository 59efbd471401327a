"""Sturdy sweeps (issue 15, defects 6 and 7): `--resume` never trusts a chunk it cannot prove
is this sweep's, and worker processes end when the sweep that started them is killed."""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import numpy as np
import psutil
import pytest

import rareflow
from rareflow.sweep import runners
from rareflow.sweep.api import default_verify, sweep, verify_indices
from rareflow.sweep.checkpoint import Checkpoint
from rareflow.sweep.plan import compile_plan

ROOT = Path(__file__).resolve().parents[2]
DEMO = ROOT / "examples" / "sweep-demo.yaml"
N, SEED = 60, 7


@pytest.fixture(scope="module")
def whole():
    """The uninterrupted sweep, and the chunks a killed one would have left (20 each)."""
    res = sweep(DEMO, n=N, seed=SEED, workers=1)
    model = rareflow.load(DEMO)
    plan = compile_plan(model, model.scenario.uncertainty, None)
    vset = verify_indices(SEED, N, default_verify(N))  # as the sweep picks them
    chunks = [runners.run_chunk(plan, SEED, list(range(a, a + 20)),
                                [i for i in range(a, a + 20) if i in vset], None)
              for a in range(0, N, 20)]
    return res, plan, chunks


def frame(res):
    return res.samples.drop(columns=["seconds"]), res.summary


def same(a, b):
    (sa, ma), (sb, mb) = frame(a), frame(b)
    return sa.equals(sb) and ma.equals(mb)


def left_behind(tmp_path, plan, chunks) -> Checkpoint:
    ck = Checkpoint(tmp_path / "ck", plan.key, SEED, N)
    for c in chunks:
        ck.save(c)
    return ck


def chunk_files(ck: Checkpoint) -> list[Path]:
    return sorted(ck.dir.glob("chunk-*.npz"))


def resume(tmp_path):
    return sweep(DEMO, n=N, seed=SEED, workers=1, checkpoint=tmp_path / "ck", resume=True)


def test_intact_chunks_are_used(tmp_path, whole):
    res, plan, chunks = whole
    left_behind(tmp_path, plan, chunks[:2])
    r = resume(tmp_path)
    assert r.resumed == 40 and r.rejected_chunks == 0 and same(r, res)


@pytest.mark.parametrize("damage", ["truncate", "flip", "zero", "garbage"])
def test_a_damaged_chunk_is_recomputed(tmp_path, whole, damage):
    """Truncated to 100 bytes ("internal error: BadZipFile" before), 8 bytes flipped in its
    data or its zip directory, or not a zip at all: the other chunks are used, this one's
    samples are solved again, and the answer is the uninterrupted one."""
    res, plan, chunks = whole
    ck = left_behind(tmp_path, plan, chunks[:2])
    f = chunk_files(ck)[1]
    raw = bytearray(f.read_bytes())
    if damage == "truncate":
        raw = raw[:100]
    elif damage == "flip":  # inside the arrays' bytes: the zip still opens
        mid = len(raw) // 2
        raw[mid:mid + 8] = bytes(b ^ 0xFF for b in raw[mid:mid + 8])
    elif damage == "zero":  # the end: the zip's central directory
        raw[-8:] = b"\0" * 8
    else:
        raw = bytearray(b"not a zip at all")
    f.write_bytes(bytes(raw))
    r = resume(tmp_path)
    assert r.resumed == 20 and r.rejected_chunks == 1
    assert "1 damaged" in r.rejected_note and "solved again" in r.rejected_note
    assert same(r, res)


def test_overlapping_and_out_of_range_chunks_are_not_trusted(tmp_path, whole):
    """An overlapping chunk gave 6,050 rows instead of 6,000 and a different summary; one with
    indices outside 0..n−1 was taken as is. Both are set aside now."""
    res, plan, chunks = whole
    ck = left_behind(tmp_path, plan, chunks[:1])
    wrong = {k: v.copy() for k, v in chunks[0].items()}
    wrong["index"] = wrong["index"] + 10  # samples 10..29: overlaps 10..19
    wrong["objective"] = wrong["objective"] * 2
    ck.save(wrong)
    beyond = {k: v.copy() for k, v in chunks[2].items()}
    beyond["index"] = beyond["index"] + N  # samples 100..119 of a 60-sample sweep
    ck.save(beyond)
    twice = {k: np.concatenate([v[:5], v[:5]]) for k, v in chunks[1].items()}
    ck.save(twice)  # one index twice inside one chunk
    r = resume(tmp_path)
    assert len(r.samples) == N and r.resumed == 20 and r.rejected_chunks == 3
    assert "2 overlapping" in r.rejected_note and "1 out of range" in r.rejected_note
    assert same(r, res)


def test_a_chunk_from_another_sweep_or_an_older_version_is_not_trusted(tmp_path, whole):
    res, plan, chunks = whole
    ck = left_behind(tmp_path, plan, chunks[:1])
    other = Checkpoint(tmp_path / "other", plan.key, SEED + 1, N)  # another seed
    other.save(chunks[1])
    os.replace(chunk_files(other)[0], ck.dir / chunk_files(other)[0].name)
    np.savez(ck.dir / "chunk-000000040-000000059.npz", **chunks[2])  # no fingerprint
    r = resume(tmp_path)
    assert r.resumed == 20 and r.rejected_chunks == 2
    assert "from another sweep" in r.rejected_note and "older version" in r.rejected_note
    assert same(r, res)


def test_resume_via_the_cli_says_how_many_it_recomputed(tmp_path, whole):
    res, plan, chunks = whole
    ck = left_behind(tmp_path, plan, chunks[:2])
    chunk_files(ck)[0].write_bytes(chunk_files(ck)[0].read_bytes()[:100])
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    p = subprocess.run([sys.executable, "-m", "rareflow.cli", "sweep", str(DEMO), "-n", str(N),
                        "--seed", str(SEED), "--workers", "1", "--no-store", "--checkpoint",
                        str(tmp_path / "ck"), "--resume"], capture_output=True, text=True,
                       env=env, timeout=300)
    assert p.returncode == 0, p.stderr
    said = " ".join(p.stdout.split())
    assert "1 checkpoint chunk (1 damaged) could not be trusted" in said
    assert "resumed: 20 of 60 samples" in said and "internal error" not in p.stderr


SLOW_POOL = """
import sys, time
from rareflow.sweep import runners
orig = runners.run_chunk

def slow(*a, **k):
    time.sleep(1.0)  # workers busy long enough to be found and orphaned
    return orig(*a, **k)

runners.run_chunk = slow
from rareflow.cli import main
sys.argv = ["rareflow", *sys.argv[1:]]
main()
"""


def _gone(proc: psutil.Process) -> bool:
    try:
        return proc.status() == psutil.STATUS_ZOMBIE
    except psutil.NoSuchProcess:
        return True


def test_kill_9_of_a_two_worker_sweep_leaves_no_workers(tmp_path, record):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    p = subprocess.Popen([sys.executable, "-c", SLOW_POOL, "sweep", str(DEMO), "-n", "400",
                          "--workers", "2", "--no-store", "--checkpoint", str(tmp_path / "ck")],
                         env=env, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    parent = psutil.Process(p.pid)
    workers: list[psutil.Process] = []
    deadline = time.monotonic() + 120
    while time.monotonic() < deadline and len(workers) < 2:
        workers = [c for c in parent.children() if "python" in c.name().lower()]
        time.sleep(0.1)
    assert len(workers) == 2, "the sweep did not start its two workers"
    os.kill(p.pid, signal.SIGKILL)
    p.wait(timeout=30)
    deadline = time.monotonic() + 30  # a liveness bound, not a speed figure
    while time.monotonic() < deadline and not all(_gone(w) for w in workers):
        time.sleep(0.1)
    alive = [w.pid for w in workers if not _gone(w)]
    for pid in alive:  # do not leave them to the next test
        os.kill(pid, signal.SIGKILL)
    assert not alive, f"workers {alive} outlived their sweep"
    record("faults", "kill -9 of a `--workers 2` sweep while its workers solve", 1,
           "both worker processes ended with it (PR_SET_PDEATHSIG, and a parent watch)")
