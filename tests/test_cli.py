"""The command line on the DESIGN example and a hand-worked example."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import pytest

from rareflow import load
from rareflow.results.tables import write_results

ROOT = Path(__file__).resolve().parents[1]


def cli(*args, cwd=None):
    return subprocess.run([sys.executable, "-m", "rareflow.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd)


def rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_run_toy_writes_every_table(tmp_path):
    p = cli("run", "toy", "--out", tmp_path / "toy")
    assert p.returncode == 0, p.stderr
    assert "Unserved demand" in p.stdout
    s = json.loads((tmp_path / "toy" / "summary.json").read_text())
    assert {"status", "objective", "scenario", "periods"} <= s.keys()
    assert s["status"] == "optimal" and s["objective"] == pytest.approx(565_267_500)
    assert s["periods"] == [str(y) for y in range(2024, 2031)]
    un = rows(tmp_path / "toy" / "unserved.csv")
    assert list(un[0])[:5] == ["region", "commodity", "sector", "period", "amount"]
    assert [float(r["amount"]) for r in un] == [800.0] * 7
    for f in ("flows", "activity", "stocks", "prices", "builds"):
        assert (tmp_path / "toy" / f"{f}.csv").exists()
    assert list(rows(tmp_path / "toy" / "prices.csv")[0]) == ["region", "commodity", "period",
                                                              "price"]
    assert not [f for f in (tmp_path).iterdir() if f.name.startswith(".")]


def test_run_hand_worked_example(tmp_path):
    p = cli("run", ROOT / "examples" / "export-ban.yaml", "--out", tmp_path / "o")
    assert p.returncode == 0, p.stderr
    s = json.loads((tmp_path / "o" / "summary.json").read_text())
    assert s["objective"] == pytest.approx(33_100)
    fl = {(r["origin"], r["period"]): float(r["amount"]) for r in rows(tmp_path / "o" / "flows.csv")}
    assert fl == {("A", "2024"): 80.0, ("C", "2025"): 50.0}
    un = rows(tmp_path / "o" / "unserved.csv")
    assert [(r["period"], float(r["amount"])) for r in un] == [("2025", 30.0)]
    pr = {(r["region"], r["period"]): float(r["price"]) for r in rows(tmp_path / "o" / "prices.csv")}
    assert pr[("B", "2024")] == pytest.approx(15) and pr[("B", "2025")] == pytest.approx(1000)


def test_interrupted_write_keeps_the_previous_complete_set(tmp_path, monkeypatch):
    r = load("toy").solve()
    out = tmp_path / "res"
    write_results(r, out)
    before = {f.name: f.read_text() for f in out.iterdir()}

    import os as _os

    real = _os.fsync
    calls = {"n": 0}

    def dying_fsync(fd):
        calls["n"] += 1
        if calls["n"] == 4:
            raise KeyboardInterrupt  # the process is stopped mid-write
        return real(fd)

    monkeypatch.setattr("rareflow.results.tables.os.fsync", dying_fsync)
    with pytest.raises(KeyboardInterrupt):
        write_results(r, out)
    after = {f.name: f.read_text() for f in out.iterdir()}
    assert after == before
    assert [f.name for f in tmp_path.iterdir()] == ["res"]


def test_scenarios_lists_builtins():
    p = cli("scenarios")
    assert p.returncode == 0 and "toy" in p.stdout


def test_unknown_scenario_is_a_clear_error():
    p = cli("run", "no-such-scenario")
    assert p.returncode == 1
    assert "no scenario file or built-in scenario named 'no-such-scenario'" in p.stderr
    assert "Traceback" not in p.stderr


def test_solve_error_is_reported_in_words(tmp_path):
    f = tmp_path / "stuck.yaml"
    f.write_text("name: stuck\nperiods: [2024]\ncommodities: {ore: {}}\nregions: {J: {}}\n"
                 "processes: {mine: {outputs: {ore: 1}}}\n"
                 "facilities: [{id: mine, region: J, process: mine, capacity: 10, minimum: 10}]\n")
    p = cli("run", f, "--out", tmp_path / "o")
    assert p.returncode == 1
    assert "cannot be satisfied" in p.stderr and "disposal_cost" in p.stderr
    assert not (tmp_path / "o").exists()


def test_run_prints_shortfalls_causes_and_links(tmp_path):
    # export-ban: B's 80 t/yr, 30 t short in 2025 (30 of 160 t asked over both years = 19 %).
    p = cli("run", ROOT / "examples" / "export-ban.yaml", "--out", tmp_path / "o", "--no-store")
    assert p.returncode == 0, p.stderr
    line = next(x for x in p.stdout.splitlines() if x.startswith("│ B "))
    assert line.split("│")[1:8] == [" B      ", " auto   ", " m         ", " 2025    ",
                                    " 30 (2025) ", "    30 ", "   19% "]
    assert "• buyer's auto shortfall of 30 t of m in 2025 is bound by A bans" in p.stdout
    assert "Top 2 trade links (t)" in p.stdout


def test_explain_tells_policy_costs_and_the_change_against_the_base():
    p = cli("explain", "india-japan-halt")
    assert p.returncode == 0, p.stderr
    out = " ".join(p.stdout.split())
    assert "[export_ban 'india-japan-ban'] binds in 2026–2035" in out
    assert "is missed by 500 t in 2025, 1,000 t in 2026, paying its breach cost of 20,000 USD/t" in out
    assert "Against baseline-2024 (total cost +" in out
    assert "↳ JPN's imports of mixed_re_oxide from IND fall by" in out
    q = cli("explain", "india-japan-halt", "--vs", "none")
    assert q.returncode == 0 and "Against" not in q.stdout


def test_backtest_prints_the_table_writes_csv_and_an_offline_chart(tmp_path):
    # the default scenario (china-controls-2025) and the default --out under the working dir
    p = cli("backtest", "--no-store", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    out = " ".join(p.stdout.split())
    assert "Back-test of china-controls-2025: observed vs model, worst first" in out
    assert any("2025-05" in x and "1,238" in x for x in p.stdout.splitlines())  # May's trough
    assert "Median |error| by kind: exports" in out
    where = tmp_path / "rareflow-out" / "china-controls-2025"
    table = rows(where / "backtest.csv")
    assert {"observed", "model", "error_pct", "unit", "period", "source", "how"} <= table[0].keys()
    errs = [abs(float(r["error_pct"])) for r in table if r["error_pct"]]
    assert errs == sorted(errs, reverse=True) and all(r["source"] for r in table)
    html = (where / "backtest.html").read_text()
    assert "Plotly" in html and "<script src=" not in html  # plotly.js inlined: opens offline
    assert not [f for f in where.iterdir() if f.name.startswith(".")]


def test_backtest_json_and_a_bad_observation_file(tmp_path):
    p = cli("backtest", "china-controls-2025", "--json", "--no-store", "--out", tmp_path / "o")
    assert p.returncode == 0, p.stderr
    data = json.loads(p.stdout)
    assert data["scenario"] == "china-controls-2025" and data["left_out"] == []
    may = next(r for r in data["rows"] if r["period"] == "2025-05")
    assert may["observed"] == 1238 and may["unit"] == "t"
    assert may["how"].startswith("Σ flows of ndfeb_magnet from CHN to every other region")
    assert set(data["median_abs_error_pct"]) >= {"exports", "price", "mine_output", "import_share"}
    bad = tmp_path / "bad.csv"
    bad.write_text("series,measure,period,value,unit,source\ns,exports,2025-05,ten,t,\n")
    q = cli("backtest", "--observed", bad, "--no-store", "--out", tmp_path / "q")
    assert q.returncode == 1
    assert f"{bad}: row 2, column 'value': 'ten' is not a number" in q.stderr
    assert "Fix:" in q.stderr and "Traceback" not in q.stderr
    assert not (tmp_path / "q").exists()
