"""The DuckDB run store: complete runs or none, read back exactly, queryable with SQL."""

from __future__ import annotations

import os
import signal
import subprocess
import sys
import textwrap
from pathlib import Path

import duckdb
import pandas as pd
import pytest
from typer.testing import CliRunner

import rareflow
from rareflow.cli import app
from rareflow.scenario.hashing import scenario_hash
from rareflow.store import RunStore, StoreError, default_path, solve_and_record

SCENARIOS = Path(__file__).parents[1] / "report" / "scenarios"


def _same_tables(results, stored) -> None:
    for name, df in results.tables().items():
        got = stored.tables()[name]
        if len(df) == 0:
            assert len(got) == 0
            continue
        pd.testing.assert_frame_equal(df.reset_index(drop=True), got[list(df.columns)],
                                      check_dtype=False)


def test_record_and_read_back(tmp_path, mini_results):
    st = RunStore(tmp_path / "runs.duckdb")
    rid = st.record(mini_results, options={"solver": "simplex"}, origin="test")
    run = st.get(rid)
    assert run.scenario_name == "mini-halt" and run.status == "optimal"
    assert run.hash == scenario_hash(mini_results.model.scenario)
    assert run.objective == pytest.approx(mini_results.objective)
    assert run.row["solve_seconds"] >= 0 and run.row["build_seconds"] >= 0
    _same_tables(mini_results, run)
    # the resolved scenario comes back identical (so its hash does)
    assert scenario_hash(run.scenario_model()) == run.hash
    assert run.summary()["unserved_total_t"] == pytest.approx(14500.0)
    lst = st.list()
    assert list(lst["id"]) == [rid] and lst["scenario"][0] == "mini-halt"


def test_sql_over_the_same_tables(tmp_path, mini_results):
    st = RunStore(tmp_path / "runs.duckdb")
    a = st.record(mini_results)
    b = st.record(mini_results)
    df = st.sql("SELECT run_id, sum(amount) AS t FROM unserved GROUP BY run_id ORDER BY run_id")
    assert list(df["run_id"]) == [a, b]
    assert df["t"].tolist() == pytest.approx([14500.0, 14500.0])
    with duckdb.connect(str(st.path), read_only=True) as con:  # any DuckDB client reads it
        n = con.execute("SELECT count(*) FROM flows f JOIN runs r ON r.id = f.run_id "
                        "WHERE r.scenario = 'mini-halt'").fetchone()[0]
    assert n == 2 * len(mini_results.flows)
    with pytest.raises(StoreError, match="SQL error"):
        st.sql("SELECT * FROM no_such_table")


def test_reuse_identical_scenario(tmp_path):
    st = RunStore(tmp_path / "runs.duckdb")
    m = rareflow.load(SCENARIOS / "mini.yaml")
    first = solve_and_record(m, {}, st, reuse=True)
    assert not first.reused and first.run_id == 1
    again = solve_and_record(rareflow.load(SCENARIOS / "mini.yaml"), {}, st, reuse=True)
    assert again.reused and again.run_id == 1
    _same_tables(first.results, again.results)
    # a different scenario (an override) has another hash: solved, not reused
    other = rareflow.load(SCENARIOS / "mini.yaml",
                          overrides={"facilities": [{"id": "jpn-metal", "capacity": 10}]})
    assert scenario_hash(other.scenario) != scenario_hash(m.scenario)
    third = solve_and_record(other, {}, st, reuse=True)
    assert not third.reused and third.run_id == 2
    # other solver options: not reused either
    fourth = solve_and_record(m, {"solver": "ipm"}, st, reuse=True)
    assert not fourth.reused


def test_an_error_mid_write_leaves_no_partial_run(tmp_path, mini_results, monkeypatch):
    st = RunStore(tmp_path / "runs.duckdb")
    good = st.record(mini_results)
    calls = []
    orig = RunStore._insert_table

    def failing(self, con, name, df, run_id):
        calls.append(name)
        if len(calls) == 3:
            raise RuntimeError("disk on fire")
        return orig(self, con, name, df, run_id)

    monkeypatch.setattr(RunStore, "_insert_table", failing)
    with pytest.raises(RuntimeError):
        st.record(mini_results)
    monkeypatch.undo()
    assert list(st.list()["id"]) == [good]
    assert st.sql("SELECT DISTINCT run_id FROM activity")["run_id"].tolist() == [good]


KILLED = textwrap.dedent("""
    import sys, time
    import rareflow
    from rareflow.store import RunStore

    st = RunStore(sys.argv[1])
    r = rareflow.load(sys.argv[2]).solve()
    print("first", st.record(r), flush=True)
    orig = RunStore._insert_table
    n = []

    def slow(self, con, name, df, run_id):
        orig(self, con, name, df, run_id)
        n.append(name)
        if len(n) == 4:  # half the tables of the second run are in: now die
            print("writing", run_id, flush=True)
            time.sleep(60)

    RunStore._insert_table = slow
    st.record(r)
    print("not killed", flush=True)
""")


def test_a_run_killed_mid_write_leaves_the_store_readable_without_it(tmp_path):
    path = tmp_path / "runs.duckdb"
    proc = subprocess.Popen([sys.executable, "-c", KILLED, str(path), str(SCENARIOS / "mini.yaml")],
                            stdout=subprocess.PIPE, text=True)
    try:
        first = proc.stdout.readline().split()
        assert first[0] == "first", first
        writing = proc.stdout.readline().split()
        assert writing[0] == "writing", writing
        os.kill(proc.pid, signal.SIGKILL)
    finally:
        proc.wait(timeout=30)
    assert proc.returncode == -signal.SIGKILL
    st = RunStore(path)
    assert st.list()["id"].tolist() == [int(first[1])]
    for table in ("activity", "flows", "unserved", "prices", "stocks"):
        ids = st.sql(f"SELECT DISTINCT run_id FROM {table}")["run_id"].tolist()
        assert ids in ([int(first[1])], []), (table, ids)
    with pytest.raises(StoreError, match="no run"):
        st.get(int(writing[1]))
    # and it takes new runs again
    again = st.record(rareflow.load(SCENARIOS / "mini.yaml").solve())
    assert st.get(again).status == "optimal"


def test_default_path_follows_env(monkeypatch, tmp_path):
    monkeypatch.setenv("RAREFLOW_STORE", str(tmp_path / "x.duckdb"))
    assert default_path() == tmp_path / "x.duckdb"
    monkeypatch.delenv("RAREFLOW_STORE")
    assert default_path() == Path.home() / ".rareflow" / "runs.duckdb"


def test_not_a_store(tmp_path):
    bad = tmp_path / "bad.duckdb"
    bad.write_text("hello")
    with pytest.raises(StoreError, match="--store"):
        RunStore(bad).list()
    with pytest.raises(StoreError, match="no run store"):
        RunStore(tmp_path / "none.duckdb").sql("SELECT 1")


def test_cli_run_records_lists_shows_and_reuses(tmp_path):
    runner = CliRunner()
    store = tmp_path / "cli.duckdb"
    out1, out2 = tmp_path / "o1", tmp_path / "o2"
    scn = str(SCENARIOS / "mini-halt.yaml")
    res = runner.invoke(app, ["run", scn, "--out", str(out1), "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "recorded as run #1" in res.output
    res = runner.invoke(app, ["run", scn, "--out", str(out2), "--store", str(store), "--reuse"])
    assert res.exit_code == 0, res.output
    assert "reused stored run #1" in res.output
    for f in out1.iterdir():  # the reused answer is byte-identical
        assert f.read_bytes() == (out2 / f.name).read_bytes(), f.name
    res = runner.invoke(app, ["run", scn, "--out", str(out2), "--no-store"])
    assert res.exit_code == 0 and "recorded" not in res.output
    res = runner.invoke(app, ["runs", "--store", str(store)])
    assert res.exit_code == 0 and "mini-halt" in res.output
    res = runner.invoke(app, ["runs", "show", "1", "--store", str(store)])
    assert res.exit_code == 0, res.output
    assert "Unserved demand" in res.output and "hash" in res.output
    res = runner.invoke(app, ["runs", "sql", "SELECT count(*) AS n FROM runs", "--store",
                              str(store), "--csv"])
    assert res.exit_code == 0 and res.output.strip().splitlines() == ["n", "1"]
    # the default store is $RAREFLOW_STORE (a tmp file here, never the home directory)
    res = runner.invoke(app, ["run", scn, "--out", str(out2)])
    assert res.exit_code == 0 and os.environ["RAREFLOW_STORE"] in res.output.replace("\n", "")


def test_cli_store_errors_are_words(tmp_path):
    from rareflow.cli import main

    env = {**os.environ, "RAREFLOW_STORE": str(tmp_path / "s.duckdb")}
    p = subprocess.run([sys.executable, "-c", "from rareflow.cli import main; main()", "runs",
                        "show", "9"], capture_output=True, text=True, env=env)
    assert p.returncode == 1 and "no run 9" in p.stderr + p.stdout
    p = subprocess.run([sys.executable, "-c", "from rareflow.cli import main; main()", "run",
                        "toy", "--reuse", "--no-store"], capture_output=True, text=True, env=env)
    assert p.returncode == 1 and "--reuse needs the run store" in p.stderr
    assert main  # imported for the entry point
