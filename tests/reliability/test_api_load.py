"""The service under load and under attack: bounded concurrent clients on loopback with hostile
requests among them, oversized bodies, schema-driven fuzzing (schemathesis) — answers stay
correct, nothing returns a 5xx, and no request goes over its time bound (as the server itself
measures it: X-Rareflow-Seconds, queue wait included)."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

import rareflow
from rareflow.web.limits import Limits, uvicorn_config
from tests.web.conftest import MINI, make_app

CLIENTS, RUNS_EACH = 8, 50
LEVERS = [{}, {"china_controls": True}, {"china_controls": True, "india_halt": True}]
LIMITS = Limits(request_timeout=30.0)
GRACE = 2.0  # the step running when a deadline passes may finish (limits.wait_bounded)
HOSTILE = {  # the two requests of issue 15 that stopped the service for everyone
    "8,000 facilities (135 KB)": {"scenario": "mini", "overrides": {
        "facilities": [{"id": f"f{i}"} for i in range(8000)]}},
    "400 monthly periods": {"scenario": "mini", "overrides": {
        "periods": {"start": "2024-01", "end": "2057-04", "step": "month"},
        "demands": [{"id": f"d{i}", "region": "JPN", "commodity": "ndfeb_magnet",
                     "sector": f"s{i}", "amount": 1, "priority": 1} for i in range(60)]}},
}


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = make_app(tmp_path_factory.mktemp("load") / "runs.duckdb", workers=2, max_pending=16,
                   limits=LIMITS)
    srv = uvicorn.Server(uvicorn_config(app, "127.0.0.1", port, LIMITS, log_level="error"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline and th.is_alive(), "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    th.join(timeout=10)


def test_concurrent_clients_all_get_correct_answers_and_health_answers_under_load(served, record):
    expected = {}
    with httpx.Client(base_url=served, timeout=60) as c:
        for i, lv in enumerate(LEVERS):
            j = c.post("/api/runs", json={"scenario": "mini", "levers": lv}).json()
            direct = rareflow.load(MINI["mini"], overrides=j["overrides"] or None).solve()
            assert j["objective"] == pytest.approx(direct.objective, rel=1e-9)
            expected[i] = j["objective"]

    took_server: list[float] = []

    def client(k: int) -> list[tuple[int, float | None]]:
        out = []
        with httpx.Client(base_url=served, timeout=60) as c:
            for n in range(RUNS_EACH):
                i = (k + n) % len(LEVERS)
                r = c.post("/api/runs", json={"scenario": "mini", "levers": LEVERS[i]})
                took_server.append(float(r.headers["x-rareflow-seconds"]))
                out.append((r.status_code, r.json().get("objective"), i))
        return out

    hostile: dict[str, list[tuple[int, float, str]]] = {}

    def attacker(name: str) -> None:
        with httpx.Client(base_url=served, timeout=60) as c:
            for _ in range(5):  # sent again and again while the clients run
                r = c.post("/api/runs", json=HOSTILE[name])
                hostile.setdefault(name, []).append(
                    (r.status_code, float(r.headers["x-rareflow-seconds"]),
                     r.json()["error"]["message"]))

    health: list[float] = []
    busy: list[int] = []  # how many requests the server held when /health answered
    probe_errors: list[str] = []
    stop = threading.Event()

    def probe():
        with httpx.Client(base_url=served, timeout=60) as c:
            while not stop.is_set():
                t0 = time.perf_counter()
                try:
                    h = c.get("/health")
                    if h.status_code != 200:
                        probe_errors.append(f"/health {h.status_code}")
                    busy.append(int(h.json()["queued_or_running"]))
                except Exception as e:  # an assert in a thread would be lost: keep it
                    probe_errors.append(repr(e))
                health.append(time.perf_counter() - t0)  # for the doc table only
                time.sleep(0.05)

    p = threading.Thread(target=probe)
    p.start()
    t0 = time.perf_counter()
    attackers = [threading.Thread(target=attacker, args=(name,)) for name in HOSTILE]
    for a in attackers:
        a.start()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = [r for rs in pool.map(client, range(CLIENTS)) for r in rs]
    for a in attackers:
        a.join()
    took = time.perf_counter() - t0
    stop.set()
    p.join()
    assert len(results) == CLIENTS * RUNS_EACH
    for status, obj, i in results:
        assert status == 200
        assert obj == pytest.approx(expected[i], rel=1e-9)
    for name, answers in hostile.items():  # refused, in words, not solved
        assert [a[0] for a in answers] == [413] * 5, (name, answers)
        assert all("at most" in a[2] for a in answers)
    bound = LIMITS.request_timeout + GRACE
    assert max(took_server) <= bound  # the server's own measure, queue wait included
    # /health never waits behind solves: it answered while both solver workers were taken and
    # more requests queued (the server's own count, not a stopwatch on a shared machine)
    assert not probe_errors, probe_errors[:3]
    assert max(busy) > 2, busy[-10:]
    hostile_max = max(a[1] for answers in hostile.values() for a in answers)
    took_server.sort()
    p95 = took_server[int(0.95 * (len(took_server) - 1))]
    record("API load", f"{CLIENTS} concurrent clients × {RUNS_EACH} runs on 127.0.0.1, "
           f"2 solver workers, while two hostile clients sent {', '.join(HOSTILE)} five times "
           f"each ({took:.1f} s)", len(results) + sum(len(a) for a in hostile.values()),
           f"all runs 200 and equal to a direct solve; hostile requests 413 in words, answered "
           f"within {hostile_max:.2f} s; server-measured time per run p95 {p95:.2f} s, max "
           f"{took_server[-1]:.2f} s (bound {LIMITS.request_timeout:g} s, queue wait included); "
           f"no 5xx; /health answered {len(health)} probes, slowest "
           f"{max(health) * 1000:.0f} ms")


def test_oversized_and_malformed_bodies_are_refused(served, record):
    with httpx.Client(base_url=served, timeout=30) as c:
        big = c.post("/api/runs", content=b"{" + b" " * (2 * 1024 * 1024) + b"}",
                     headers={"content-type": "application/json"})
        assert big.status_code == 413
        bad = [c.post("/api/runs", content=b"{not json", headers={"content-type":
                                                                    "application/json"}),
               c.post("/api/runs", json={"scenario": "../../etc/passwd"}),
               c.post("/api/runs", json={"scenario": "mini", "overrides": {"facilities": [
                   {"id": "x", "region": "NOWHERE", "process": "p", "capacity": 1}]}}),
               c.get("/api/runs/999999"), c.get("/api/scenarios/..%2F..%2Fetc")]
        codes = [r.status_code for r in bad]
        assert all(400 <= s < 500 for s in codes), codes
        body = bad[2].json()
        assert "facilities[" in str(body) and "fix" in str(body).lower()
    record("API attack", "oversized body (2 MiB), malformed JSON, path traversal in names, "
           "invalid overrides, unknown ids", 1 + len(bad), "413 for the body, 4xx with path and "
           "fix for the rest, never a 5xx")


def test_schemathesis_finds_no_server_errors(tmp_path, record):
    import schemathesis
    from hypothesis import HealthCheck, settings
    from schemathesis.checks import not_a_server_error
    from schemathesis.specs.openapi.checks import status_code_conformance

    app = make_app(tmp_path / "runs.duckdb", workers=2)
    schema = schemathesis.openapi.from_asgi("/openapi.json", app)
    count = 0
    for op in schema.get_all_operations():
        operation = op.ok()
        strategy = operation.as_strategy()

        @settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck),
                  database=None)
        @__import__("hypothesis").given(case=strategy)
        def run(case):
            nonlocal count
            count += 1
            resp = case.call()
            assert resp.status_code < 500, (case.method, case.path, resp.status_code, resp.text)
            case.validate_response(resp, checks=(not_a_server_error, status_code_conformance))

        run()
    assert count > 50
    record("API schema fuzz", "schemathesis cases generated from /openapi.json, every operation",
           count, "no 5xx; every status code returned is documented for its route")


def test_serve_binds_loopback_by_default():
    from typer.main import get_command

    from rareflow.cli import app

    serve = get_command(app).commands["serve"]
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
