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
