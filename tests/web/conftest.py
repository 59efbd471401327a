import socket
import threading
import time
from pathlib import Path

import pytest

from tests.browser import launched

SCENARIOS = Path(__file__).parents[1] / "report" / "scenarios"
MINI = {n: SCENARIOS / f"{n}.yaml" for n in ("mini", "mini-controls", "mini-halt")}
SEEDS = {"china_controls": "mini-controls", "india_halt": "mini-halt", "magnet_plant": "mini"}


@pytest.fixture(autouse=True)
def _store_in_tmp(tmp_path, monkeypatch):
    """Never write to the real ~/.rareflow."""
    monkeypatch.setenv("RAREFLOW_STORE", str(tmp_path / "default-runs.duckdb"))


def make_app(store, **kw):
    from rareflow.web import create_app

    kw.setdefault("scenarios", MINI)
    kw.setdefault("seeds", SEEDS)
    kw.setdefault("allow_hosts", ("127.0.0.1", "localhost", "::1", "testserver"))  # TestClient's
    return create_app(store, **kw)


@pytest.fixture(scope="module")
def client(tmp_path_factory):
    from fastapi.testclient import TestClient

    store = tmp_path_factory.mktemp("web") / "runs.duckdb"
    with TestClient(make_app(store)) as c:
        yield c


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


@pytest.fixture(scope="module")
def server(tmp_path_factory):
    """The app served by uvicorn on a free loopback port, in a thread."""
    import uvicorn

    port = _free_port()
    app = make_app(tmp_path_factory.mktemp("srv") / "runs.duckdb")
    srv = uvicorn.Server(uvicorn.Config(app, host="127.0.0.1", port=port, log_level="warning"))
    th = threading.Thread(target=srv.run, daemon=True)
    th.start()
    deadline = time.monotonic() + 30
    while not srv.started:
        if time.monotonic() > deadline or not th.is_alive():
            raise RuntimeError("the test server did not start")
        time.sleep(0.05)
    yield f"http://127.0.0.1:{port}"
    srv.should_exit = True
    th.join(timeout=10)


@pytest.fixture(scope="module")
def chromium():
    """Chromium driven by playwright, one per module; skipped with the reason where no
    browser is installed, a failure in CI (tests/browser.py)."""
    with launched() as browser:
        yield browser
