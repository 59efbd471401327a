"""Runs made with levers are listed by them, in the API's run list and in `rareflow runs`,
not as the plain scenario they started from."""

from __future__ import annotations

from fastapi.testclient import TestClient
from typer.testing import CliRunner

import rareflow
from rareflow.cli import app
from rareflow.store import RunStore
from rareflow.web.service import lever_words
from tests.web.conftest import MINI, make_app


def test_lever_runs_are_named_by_their_levers(tmp_path):
    store = tmp_path / "runs.duckdb"
    with TestClient(make_app(store)) as c:
        plain = c.post("/api/runs", json={"scenario": "mini"}).json()
        moved = c.post("/api/runs", json={"scenario": "mini", "levers": {
            "india_halt": True, "irel_output": 120}}).json()
        listed = {r["id"]: r for r in c.get("/api/runs").json()}
    assert listed[plain["run_id"]]["name"] == "mini"
    assert listed[moved["run_id"]]["name"] == "mini with India halts exports to Japan on; IREL output 120 %"
    assert listed[moved["run_id"]]["origin"] == "web" and listed[moved["run_id"]]["scenario"] == "mini"

    res = CliRunner().invoke(app, ["runs", "--store", str(store)], env={"COLUMNS": "200"})
    assert res.exit_code == 0, res.output
    flat = " ".join(res.output.replace("│", " ").split())
    assert "mini with India halts exports to Japan on; IREL output 120 %" in flat


def test_overrides_from_python_are_named_as_such(tmp_path):
    st = RunStore(tmp_path / "runs.duckdb")
    r = rareflow.load(MINI["mini"]).solve()
    st.record(r, overrides={"facilities": [{"id": "x", "capacity": 1}]}, metrics=False)
    st.record(r, metrics=False)
    names = list(st.list()["name"])
    assert names == ["mini", "mini with overrides"]  # newest first


def test_lever_words_leave_out_levers_at_their_default():
    from rareflow.web.levers import Lever

    levers = [Lever("a", "China's controls", "toggle", False), Lever("b", "Output", "percent", 100.0,
                                                                   unit="%")]
    assert lever_words(levers, {"a": False, "b": 100.0}) is None
    assert lever_words(levers, {"a": True, "b": 80}) == "China's controls on; Output 80 %"
