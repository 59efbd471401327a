"""A bounded service (issue 15, defects 4 and 10): work and wall time bounded per request,
solver workers shared by client, the Host header checked, slow clients timed out, no paths in
/health, every status documented, 405 with Allow, store reads never behind queued solves.

No wall-time assertions: bounds are checked through the service's own accounting (its pool's
counters, the deadline it hands the solver, the X-Rareflow-Seconds it measures) or by order."""

from __future__ import annotations

import json
import socket
import threading
import time

import httpx
import pytest
from fastapi.testclient import TestClient

import rareflow
from rareflow.web.limits import Busy, FairPool, Limits, TooBig, check_overlay, time_left
from tests.web.conftest import make_app


def facilities(n: int) -> dict:
    return {"scenario": "mini", "overrides": {"facilities": [{"id": f"f{i}"} for i in range(n)]}}


@pytest.fixture
def app(tmp_path):
    return make_app(tmp_path / "runs.duckdb", workers=2)


def test_an_8000_facility_overlay_is_refused_before_it_is_queued(app):
    body = json.dumps(facilities(8000)).encode()
    assert 100_000 < len(body) < 256 * 1024  # under the body limit: the item count refuses it
    pool = app.state.service.pool
    with TestClient(app) as c:
        r = c.post("/api/runs", content=body, headers={"content-type": "application/json"})
        assert r.status_code == 413, r.text
        assert "8,001 items" in r.json()["error"]["message"]
        assert "at most 500" in r.json()["error"]["message"]
        assert pool.stats["done"] == 0 and pool.pending == 0  # no worker touched it
        ok = c.post("/api/runs", json={"scenario": "mini"})  # and the next run is served
        assert ok.status_code == 200


def test_periods_times_entities_is_bounded(tmp_path):
    app = make_app(tmp_path / "r.duckdb", limits=Limits(max_cells=100))
    with TestClient(app) as c:
        r = c.post("/api/runs", json={"scenario": "mini", "overrides": {
            "periods": {"start": "2024-01", "end": "2057-04", "step": "month"}}})
        assert r.status_code == 413, r.text
        msg = r.json()["error"]["message"]
        assert "periods" in msg and "at most 100" in msg and "CLI" in msg


def test_overlay_value_count_is_bounded():
    deep = {"facilities": [{"id": "x", "capacity": {str(2024 + i): i for i in range(30_000)}}]}
    with pytest.raises(TooBig, match="values"):
        check_overlay(deep, Limits())
    check_overlay({"facilities": [{"id": "x", "capacity": 5}]}, Limits())


def test_the_solver_gets_what_is_left_of_the_request_bound(tmp_path, monkeypatch):
    """A request's bound covers all it does: each solve's HiGHS time limit is the smaller of
    the solve limit and the time left before the request's deadline."""
    limits_seen = []
    real = rareflow.Model.solve

    def spy(self, *a, time_limit=None, **k):
        limits_seen.append(time_limit)
        return real(self, *a, time_limit=time_limit, **k)

    monkeypatch.setattr(rareflow.Model, "solve", spy)
    app = make_app(tmp_path / "r.duckdb", limits=Limits(request_timeout=7.0, solve_timeout=20.0))
    with TestClient(app) as c:
        assert c.post("/api/runs", json={"scenario": "mini-halt"}).status_code == 200
    assert limits_seen and all(0 < t <= 7.0 for t in limits_seen), limits_seen


def test_a_request_past_its_bound_is_stopped_not_solved():
    """The deadline is read at each step: past it, the step refuses (TooLong)."""
    pool = FairPool(1, 4, 4)
    try:
        fut = pool.submit("a", lambda: time_left(20.0), time.monotonic() + 60)
        assert 0 < fut.result(timeout=30) <= 20.0
        gate = threading.Event()
        pool.submit("a", gate.wait, time.monotonic() + 60)
        late = pool.submit("b", lambda: "ran", time.monotonic() - 1)  # its bound passed waiting
        gate.set()
        with pytest.raises(Busy, match="waited"):
            late.result(timeout=30)
        assert pool.stats["expired"] == 1
    finally:
        pool.close()


def test_workers_take_turns_by_client():
    """One worker; client A queues four requests, then B one: B's waits behind one of A's,
    not all of them."""
    pool = FairPool(1, 16, 8)
    order: list[str] = []
    gate = threading.Event()
    far = time.monotonic() + 60
    try:
        first = pool.submit("A", lambda: (gate.wait(), order.append("A1")), far)
        while not first.running():  # the worker holds A1
            time.sleep(0.01)
        futs = [pool.submit("A", lambda k=k: order.append(f"A{k}"), far) for k in (2, 3, 4)]
        futs.append(pool.submit("B", lambda: order.append("B1"), far))
        gate.set()
        for f in [first, *futs]:
            f.result(timeout=30)
        assert order == ["A1", "A2", "B1", "A3", "A4"]
    finally:
        pool.close()


def test_one_client_cannot_fill_the_queue():
    pool = FairPool(1, 16, 2)
    gate = threading.Event()
    far = time.monotonic() + 60
    try:
        pool.submit("A", gate.wait, far)
        pool.submit("A", gate.wait, far)
        with pytest.raises(Busy) as e:
            pool.submit("A", gate.wait, far)
        assert e.value.retry_after >= 1 and "already have 2" in str(e.value)
        pool.submit("B", lambda: None, far)  # another client still gets in
        gate.set()
    finally:
        pool.close()


def test_busy_answers_carry_retry_after(tmp_path):
    with TestClient(make_app(tmp_path / "s.duckdb", max_pending=0)) as c:
        r = c.post("/api/runs", json={"scenario": "mini"})
    assert r.status_code == 503 and int(r.headers["retry-after"]) >= 1


def test_host_header_is_checked(tmp_path, monkeypatch):
    with TestClient(make_app(tmp_path / "a.duckdb", allow_hosts=None),
                    base_url="http://127.0.0.1:8000") as c:
        assert c.get("/health").status_code == 200
        for host in ("evil.example", "evil.example:8000", "127.0.0.1.evil.example"):
            r = c.get("/health", headers={"host": host})
            assert r.status_code == 400, host
            assert "--allow-host" in r.json()["error"]["problems"][0]["fix"]
        assert c.get("/health", headers={"host": "localhost:8000"}).status_code == 200
        assert c.get("/health", headers={"host": "[::1]:8000"}).status_code == 200
    monkeypatch.setenv("RAREFLOW_ALLOW_HOSTS", "dash.example, other.example")
    with TestClient(make_app(tmp_path / "b.duckdb", allow_hosts=None)) as c:
        assert c.get("/health", headers={"host": "dash.example"}).status_code == 200
        assert c.get("/health", headers={"host": "evil.example"}).status_code == 400
    from rareflow.web.limits import allowed_hosts

    assert "lab.example" in allowed_hosts(["lab.example"], bind="0.0.0.0")
    assert "0.0.0.0" not in allowed_hosts([], bind="0.0.0.0")


def test_health_shows_no_paths(tmp_path):
    store = tmp_path / "secret-folder" / "runs.duckdb"
    with TestClient(make_app(store)) as c:
        h = c.get("/health").json()
    text = json.dumps(h)
    assert "secret-folder" not in text and str(tmp_path) not in text and "/" not in text
    assert h["limits"]["request_timeout_s"] > 0 and h["limits"]["max_overlay_items"] > 0


def test_405_carries_allow_and_every_status_is_documented(tmp_path):
    with TestClient(make_app(tmp_path / "s.duckdb")) as c:
        r = c.put("/api/runs", json={})
        assert r.status_code == 405
        assert set(r.headers["allow"].replace(" ", "").split(",")) == {"GET", "POST"}
        spec = c.get("/openapi.json").json()
    post = spec["paths"]["/api/runs"]["post"]["responses"]
    assert {"200", "400", "404", "408", "413", "422", "500", "503", "504"} <= set(post)
    for path, ops in spec["paths"].items():
        for method, op in ops.items():
            assert {"400", "500"} <= set(op["responses"]), (method, path)
            if "{" in path or op.get("parameters") or op.get("requestBody"):
                assert "422" in op["responses"], (method, path)


def test_fifteen_thousand_unknown_keys_over_http_are_a_short_answer(tmp_path):
    fac = {"id": "m-mine", **{f"x{i}": 0 for i in range(15_000)}}  # 150 KB, under the limit
    top = {f"x{i}": 0 for i in range(15_000)}
    with TestClient(make_app(tmp_path / "s.duckdb")) as c:
        r = c.post("/api/runs", json={"scenario": "mini", "overrides": {"facilities": [fac]}})
        assert r.status_code == 422, r.text[:300]
        e = r.json()["error"]
        assert len(e["problems"]) == 50 and e["more_problems"] >= 15_000 - 50
        assert len(r.content) < 50_000
        r = c.post("/api/runs", json={"scenario": "mini", "overrides": top})
        assert r.status_code == 422 and len(r.content) < 5_000


# ---- over a real socket: reads beside queued solves, slow clients -------------------------
@pytest.fixture
def served(tmp_path):
    import uvicorn

    from rareflow.web.limits import uvicorn_config

    gate = threading.Event()
    limits = Limits(header_timeout=1.0, body_timeout=1.0, request_timeout=60.0)
    app = make_app(tmp_path / "runs.duckdb", workers=1, limits=limits, max_pending=8)
    svc = app.state.service
    real = svc.solve

    def held(name, levers, overrides):
        if name == "mini-halt":
            gate.wait(60)  # a long solve, held until the test lets it go
        return real(name, levers, overrides)

    svc.solve = held
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    srv = uvicorn.Server(uvicorn_config(app, "127.0.0.1", port, limits, log_level="error"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline and th.is_alive()
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}", port, gate, svc
    gate.set()
    srv.should_exit = True
    th.join(timeout=10)


def test_listing_runs_does_not_wait_behind_queued_solves(served):
    url, _, gate, svc = served
    with httpx.Client(base_url=url, timeout=60) as c:
        assert c.post("/api/runs", json={"scenario": "mini"}).status_code == 200
    answers: list[int] = []

    def slow_post():
        with httpx.Client(base_url=url, timeout=90) as c:
            answers.append(c.post("/api/runs", json={"scenario": "mini-halt"}).status_code)

    posts = [threading.Thread(target=slow_post) for _ in range(3)]
    for t in posts:
        t.start()
    while svc.pool.pending < 3:  # the one worker is held, two more wait behind it
        time.sleep(0.02)
    with httpx.Client(base_url=url, timeout=30) as c:
        runs = c.get("/api/runs")
        one = c.get(f"/api/runs/{runs.json()[0]['id']}")
    assert runs.status_code == 200 and len(runs.json()) >= 1 and one.status_code == 200
    assert svc.pool.pending == 3 and not answers  # answered while every solve still waited
    gate.set()
    for t in posts:
        t.join(timeout=90)
    assert answers == [200, 200, 200]


def test_slow_clients_are_timed_out(served):
    url, port, _, _ = served
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:  # headers never end
        s.sendall(b"GET /health HTTP/1.1\r\nHost: 127.0.0.1\r\n")
        assert s.recv(1024) == b""  # the server closed the connection
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:  # nothing at all
        assert s.recv(1024) == b""
    with socket.create_connection(("127.0.0.1", port), timeout=30) as s:  # a body that stalls
        s.sendall(b"POST /api/runs HTTP/1.1\r\nHost: 127.0.0.1\r\ncontent-type: application/json"
                  b"\r\ncontent-length: 100\r\n\r\n{\"scenario\"")
        head = s.recv(4096)
        assert head.startswith(b"HTTP/1.1 408"), head[:200]
    with httpx.Client(base_url=url, timeout=30) as c:  # and the server still answers
        assert c.get("/health").status_code == 200
