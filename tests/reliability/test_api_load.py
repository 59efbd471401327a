"""The service under load and under attack: bounded concurrent clients on loopback, oversized
bodies, schema-driven fuzzing (schemathesis) — answers stay correct and nothing returns a 5xx."""

import threading
import time
from concurrent.futures import ThreadPoolExecutor

import httpx
import pytest

import rareflow
from tests.web.conftest import MINI, make_app

CLIENTS, RUNS_EACH = 8, 50
LEVERS = [{}, {"china_controls": True}, {"china_controls": True, "india_halt": True}]


@pytest.fixture(scope="module")
def served(tmp_path_factory):
    import socket

    import uvicorn

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port = s.getsockname()[1]
    app = make_app(tmp_path_factory.mktemp("load") / "runs.duckdb", workers=2, max_pending=16)
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="error"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        assert time.monotonic() < deadline and th.is_alive(), "server did not start"
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    th.join(timeout=10)


def test_concurrent_clients_all_get_correct_answers_and_health_stays_fast(served, record):
    expected = {}
    with httpx.Client(base_url=served, timeout=60) as c:
        for i, lv in enumerate(LEVERS):
            j = c.post("/api/runs", json={"scenario": "mini", "levers": lv}).json()
            direct = rareflow.load(MINI["mini"], overrides=j["overrides"] or None).solve()
            assert j["objective"] == pytest.approx(direct.objective, rel=1e-9)
            expected[i] = j["objective"]

    def client(k: int) -> list[tuple[int, float | None]]:
        out = []
        with httpx.Client(base_url=served, timeout=60) as c:
            for n in range(RUNS_EACH):
                i = (k + n) % len(LEVERS)
                r = c.post("/api/runs", json={"scenario": "mini", "levers": LEVERS[i]})
                out.append((r.status_code, r.json().get("objective"), i))
        return out

    health: list[float] = []
    stop = threading.Event()

    def probe():
        with httpx.Client(base_url=served, timeout=10) as c:
            while not stop.is_set():
                t0 = time.perf_counter()
                assert c.get("/health").status_code == 200
                health.append(time.perf_counter() - t0)
                time.sleep(0.05)

    p = threading.Thread(target=probe)
    p.start()
    t0 = time.perf_counter()
    with ThreadPoolExecutor(CLIENTS) as pool:
        results = [r for rs in pool.map(client, range(CLIENTS)) for r in rs]
    took = time.perf_counter() - t0
    stop.set()
    p.join()
    assert len(results) == CLIENTS * RUNS_EACH
    for status, obj, i in results:
        assert status == 200
        assert obj == pytest.approx(expected[i], rel=1e-9)
    assert max(health) < 2.0
    record("API load", f"{CLIENTS} concurrent clients × {RUNS_EACH} runs on 127.0.0.1, "
           f"2 solver workers ({took:.1f} s)", len(results),
           f"all 200 and equal to a direct solve; /health answered {len(health)} probes, "
           f"slowest {max(health) * 1000:.0f} ms")


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
            case.validate_response(resp, checks=(not_a_server_error,))

        run()
    assert count > 50
    record("API schema fuzz", "schemathesis cases generated from /openapi.json, every operation",
           count, "no 5xx; responses match the schema's status codes")


def test_serve_binds_loopback_by_default():
    from typer.main import get_command

    from rareflow.cli import app

    serve = get_command(app).commands["serve"]
    host = next(p for p in serve.params if p.name == "host")
    assert host.default == "127.0.0.1"
