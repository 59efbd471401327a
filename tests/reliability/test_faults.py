"""kill -9 a server in the middle of a stream of runs: the store opens afterwards with every
completed run intact and no partial one, and the server takes new runs after a restart."""

import os
import signal
import socket
import subprocess
import sys
import threading
import time

import httpx

from rareflow.store import RunStore


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def start(store, port):
    env = {**os.environ, "RAREFLOW_STORE": str(store)}
    p = subprocess.Popen([sys.executable, "-m", "rareflow.cli", "serve", "--port", str(port),
                          "--store", str(store)], env=env, stdout=subprocess.DEVNULL,
                         stderr=subprocess.DEVNULL)
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            if httpx.get(f"http://127.0.0.1:{port}/health", timeout=1).status_code == 200:
                return p
        except httpx.HTTPError:
            time.sleep(0.2)
    p.kill()
    raise RuntimeError("server did not start")


def test_kill_9_server_mid_stream_keeps_store_whole(tmp_path, record):
    store = tmp_path / "runs.duckdb"
    kills, completed_total = 3, 0
    for round_ in range(kills):
        port = free_port()
        proc = start(store, port)
        done: list[int] = []

        def stream(port=port, round_=round_, done=done):
            with httpx.Client(base_url=f"http://127.0.0.1:{port}", timeout=30) as c:
                for k in range(200):
                    cap = 5000 + 100 * round_ + k  # distinct scenarios: every run is a solve
                    try:
                        r = c.post("/api/runs", json={"scenario": "toy", "overrides": {
                            "facilities": [{"id": "irel-mining", "capacity": cap}]}})
                    except httpx.HTTPError:
                        return
                    if r.status_code == 200:
                        done.append(r.json()["run_id"])

        th = threading.Thread(target=stream)
        th.start()
        time.sleep(3.0 + round_)
        os.kill(proc.pid, signal.SIGKILL)
        proc.wait()
        th.join()
        st = RunStore(store)
        runs = st.list(limit=100000)
        ids = set(int(i) for i in runs["id"])
        assert set(done) <= ids  # every run the client was told about is there
        for rid in ids:  # every stored run is whole: its row and all its tables
            run = st.get(rid)
            assert run.status == "optimal"
            assert len(run.tables()["unserved"]) == 7  # toy: 7 periods of Japan's demand
        completed_total = len(ids)
    assert completed_total > 0
    record("faults", "kill -9 of `rareflow serve` during a stream of runs, then reopen", kills,
           f"store readable each time; all {completed_total} acknowledged runs intact, no partial run")


SLOW_SWEEP = """
import sys, time
from rareflow.sweep import runners
orig = runners.run_chunk

def slow(*a, **k):
    out = orig(*a, **k)
    time.sleep(0.4)  # time for the test to kill us between checkpoints
    return out

runners.run_chunk = slow
from rareflow.cli import main
sys.argv = ["rareflow", *sys.argv[1:]]
main()
"""


def _sweep_args(out, ck):
    return ["sweep", "examples/sweep-demo.yaml", "-n", "240", "--seed", "11", "--workers", "1",
            "--no-store", "--checkpoint", str(ck), "--out", str(out)]


def _read(out):
    import pandas as pd

    s = pd.read_csv(out / "samples.csv").drop(columns=["seconds"])
    return s, pd.read_csv(out / "summary.csv")


def test_kill_9_sweep_then_resume_gives_the_uninterrupted_answer(tmp_path, record):
    root = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))
    ck = tmp_path / "ck"
    p = subprocess.Popen([sys.executable, "-c", SLOW_SWEEP, *_sweep_args(tmp_path / "a", ck)],
                         cwd=root, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    try:
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline and len(list(ck.glob("*/chunk-*.npz"))) < 2:
            time.sleep(0.05)
        os.kill(p.pid, signal.SIGKILL)
    finally:
        p.wait(timeout=30)
    kept = len(list(ck.glob("*/chunk-*.npz")))
    assert kept >= 2 and not (tmp_path / "a" / "sweep.json").exists()
    r = subprocess.run([sys.executable, "-m", "rareflow.cli", *_sweep_args(tmp_path / "b", ck),
                        "--resume"], cwd=root, capture_output=True, text=True, timeout=300)
    assert r.returncode == 0, r.stderr
    said = " ".join(r.stdout.split())
    assert "resumed:" in said and "of 240 samples came from the interrupted sweep" in said
    assert not list(ck.glob("*/chunk-*.npz"))  # complete: the checkpoint is gone
    c = subprocess.run([sys.executable, "-m", "rareflow.cli", *_sweep_args(tmp_path / "c", ck)],
                       cwd=root, capture_output=True, text=True, timeout=300)
    assert c.returncode == 0, c.stderr
    (sb, mb), (sc, mc) = _read(tmp_path / "b"), _read(tmp_path / "c")
    assert sb.equals(sc) and mb.equals(mc)
    record("faults", "kill -9 of `rareflow sweep` after its first checkpoints, then `--resume`",
           1, f"{kept} chunk files survived; the resumed sweep's 240 samples and risk tables equal "
              "an uninterrupted sweep's exactly")


WRITER = """
import sys
import rareflow
from rareflow.store import RunStore

st = RunStore(sys.argv[1])
k = int(sys.argv[2])
for j in range(int(sys.argv[3])):
    m = rareflow.load("toy", overrides={"facilities": [{"id": "irel-mining",
                                                         "capacity": 3000 + 100 * k + j}]})
    print(st.record(m.solve()), flush=True)
"""


def test_concurrent_writer_processes_do_not_corrupt_the_store(tmp_path, record):
    store = tmp_path / "runs.duckdb"
    writers, each = 4, 5
    procs = [subprocess.Popen([sys.executable, "-c", WRITER, str(store), str(k), str(each)],
                              stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
             for k in range(writers)]
    ids = []
    for p in procs:
        out, err = p.communicate(timeout=300)
        assert p.returncode == 0, err
        ids += [int(x) for x in out.split()]
    assert sorted(ids) == list(range(1, writers * each + 1))  # no id given twice, none lost
    st = RunStore(store)
    runs = st.list(limit=1000)
    assert len(runs) == writers * each
    for rid in ids:
        run = st.get(rid)
        assert run.status == "optimal" and len(run.tables()["unserved"]) == 7
    record("faults", f"{writers} processes recording runs into one store at the same time", writers * each,
           "every run stored once with a distinct id and all its tables; the store opens cleanly")
