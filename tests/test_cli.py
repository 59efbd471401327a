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

    monkeypatch.setattr("rareflow.results.output.os.fsync", dying_fsync)
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
    # no temporary file left; the folder's marker lists the back-test's files (issue 15)
    assert [f.name for f in where.iterdir() if f.name.startswith(".")] == [".rareflow-results"]


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


# ---- what the CLI says first: tonnes and money paid, valuations apart (issue 16) -------------

def test_run_opens_with_shortfalls_then_costs_by_kind_and_valuations_apart(tmp_path):
    # export-ban, worked out in its header: operating 80×10 + 50×30 = 2,300; transport 80×5 +
    # 50×8 = 800; paid 3,100. 30 t unserved × 1,000/t = 30,000 is a valuation; LP objective 33,100.
    p = cli("run", ROOT / "examples" / "export-ban.yaml", "--out", tmp_path / "o", "--no-store")
    assert p.returncode == 0, p.stderr
    lines = p.stdout.splitlines()
    assert lines[0] == "export-ban: optimal"
    assert lines[1] == ("Shortfalls: 30 t of demand unserved, 19% of all demand in 2024–2025; "
                        "worst: B auto m, 30 t in 2025 (19% of that demand in 2024–2025).")
    assert lines[2] == ("Costs (money that would be paid, discounted): 3,100 USD — operating "
                        "2,300 USD, transport and tariffs 800 USD.")
    assert lines[3].startswith("Penalty valuations (not money paid")
    assert "30 t of demand unserved valued at 30,000 USD" in lines[3]
    last = next(k for k, x in enumerate(lines) if x.startswith("LP objective"))
    assert lines[last].startswith("LP objective (costs + penalty valuations) 33,100 USD;")
    assert last > 4 and not any("objective" in x for x in lines[:last])
    assert ("Unserved demand (t); share = of that region's sector demand for the commodity in "
            "2024–2025") in " ".join(p.stdout.split())


def test_run_shortfall_table_keeps_ids_whole_at_100_columns(tmp_path):
    import os
    import re

    env = {**os.environ, "COLUMNS": "100"}
    p = subprocess.run([sys.executable, "-m", "rareflow.cli", "run", "china-controls-2025",
                        "--out", tmp_path / "o", "--no-store"], capture_output=True, text=True,
                       env=env)
    assert p.returncode == 0, p.stderr
    table = p.stdout[p.stdout.index("Unserved demand (t)"):]
    table = table[:table.index("└")]
    rows = [x for x in table.splitlines() if x.startswith("│ ") and x.split("│")[1].strip()]
    assert rows and all(len(x) <= 100 for x in table.splitlines())
    r = load("china-controls-2025").solve()
    short = r.unserved[r.unserved["amount"] > 0]
    for row in rows:
        cells = [c.strip() for c in row.split("│")[1:-1]]
        assert "…" not in row
        assert cells[2] in set(short["commodity"])  # the id, whole
        # a small share keeps one decimal rather than reading as "0%"
        assert re.fullmatch(r"[1-9]\d*%|\d\.\d%|<0\.1%", cells[-1]), cells[-1]
    # the months run as spans, the first one leading
    first = rows[0].split("│")[4].strip()
    assert "–" in first and first.startswith("2025-")


def test_shares_and_money_in_words():
    from rareflow.analyze import words

    assert words.share(30, 160) == "19%"
    assert words.share(3, 1000) == "0.3%"  # not "0%"
    assert words.share(3, 100_000) == "<0.1%"
    assert words.share(0, 100) == "0%" and words.share(5, 0) == ""
    assert words.money(223_569_321) == "223.6 M USD"
    assert words.money(232_900_000_000) == "232.9 bn USD"
    assert words.money(-885_647) == "-885,647 USD"
    paid, vals = words.split_costs({"operating": 1.0, "capital": 2.0,
                                    "unserved-demand penalty": 3.0,
                                    "target-shortfall penalty": 4.0})
    assert paid == {"operating": 1.0, "capital": 2.0}
    assert set(vals) == {"unserved-demand penalty", "target-shortfall penalty"}


def test_explain_region_rows_carry_ids_and_only_that_region():
    import os

    env = {**os.environ, "COLUMNS": "100"}
    p = subprocess.run([sys.executable, "-m", "rareflow.cli", "explain", "china-controls-2025",
                        "--region", "JPN"], capture_output=True, text=True, env=env)
    assert p.returncode == 0, p.stderr
    assert p.stdout.splitlines()[1].startswith("Shortfalls in JPN: ")
    table = p.stdout[p.stdout.index("Binding constraints"):]
    assert "(export_licence)" in table and "licence-dytb-" in table  # the policy id, not …
    assert "EU/" not in table and "IND/" not in table and "EU:" not in table
    cells = [x.split("│")[4].strip() for x in table.splitlines()
             if x.startswith("│ ") and len(x.split("│")) > 5]
    starts = [c for c in cells if ":" in c]
    assert starts and all(c.startswith("JPN: ") for c in starts)
    against = next(x for x in p.stdout.splitlines() if x.startswith("Against baseline-2024"))
    assert "paid" in against and "as a penalty (a valuation, not money paid)" in against
    bullets = [x for x in p.stdout.splitlines() if x.startswith("• ")]
    assert bullets and all(x.startswith("• Japan's") for x in bullets), bullets  # only JPN's
    assert "(all regions, not JPN alone)." in p.stdout  # costs are not split by region


def test_explain_separates_missed_target_valuation_from_capital_cost():
    # irel-nd-2030: the Make-in-India target is missed in 2027 and valued at 200 M USD/t; the
    # plants' capital cost is money paid. The change must not read as one "total cost".
    from rareflow.analyze import words

    p = cli("explain", "irel-nd-2030")
    assert p.returncode == 0, p.stderr
    against = next(x for x in p.stdout.splitlines() if x.startswith("Against baseline-2024"))
    r, b = load("irel-nd-2030").solve(), load("baseline-2024").solve()
    t = {k: dict(zip(x.costs["term"], x.costs["amount"], strict=True)) for k, x in (("r", r), ("b", b))}
    capex = t["r"].get("capital", 0.0) - t["b"].get("capital", 0.0)
    missed = float(r.targets["shortfall"].sum()) - float(b.targets["shortfall"].sum())
    val = t["r"]["target-shortfall penalty"] - t["b"].get("target-shortfall penalty", 0.0)
    assert capex > 0 and missed > 0 and val > 100 * capex  # why it matters
    assert f"capital +{words.money(capex)}" in against
    assert f"{words.tonnes(missed)} more target shortfall, valued at +{words.money(val)} as a " \
        "penalty (a valuation, not money paid)" in against
    assert f"total cost +{val:,.0f}" not in " ".join(p.stdout.split())


def test_compare_rows_in_period_order_with_spans():
    p = cli("compare", "baseline-2024", "india-japan-halt")
    assert p.returncode == 0, p.stderr
    head = p.stdout.splitlines()[0]
    assert head.startswith("india-japan-halt against baseline-2024: total cost ") and "paid" in head
    assert "objective" not in head
    table = p.stdout[p.stdout.index("Flows that changed"):]
    table = table[:table.index("└")]
    rows = [[c.strip() for c in x.split("│")[1:-1]] for x in table.splitlines()
            if x.startswith("│ ") and x.split("│")[1].strip()]
    assert any("–" in r[3] for r in rows)  # runs of equal years folded into spans
    seen: dict[tuple, int] = {}
    for r in rows:
        start = int(r[3][:4])
        key = tuple(r[:3])  # from, to, commodity
        assert start > seen.get(key, 0), (key, r[3])  # within a link, periods go forward
        seen[key] = int(r[3][-4:])


def test_help_shows_value_names_not_python_types():
    p = cli("run", "--help")
    assert p.returncode == 0, p.stderr
    out = p.stdout
    assert "<bool>" not in out and "<path>" not in out and "<str>" not in out
    line = next(x for x in out.splitlines() if "--out" in x)
    assert "PATH" in line
    assert "INTEGER" in next(x for x in out.splitlines() if "--top" in x)
    report = next(x for x in out.splitlines() if "--report" in x)
    assert report.split("--report")[1].split()[0] == "also"  # a flag takes no value


@pytest.mark.parametrize("columns", ["80", "120"])
def test_help_reads_cleanly_at_80_and_120_columns(columns):
    import os

    env = {**os.environ, "COLUMNS": columns}
    for cmd in (("run",), ("explain",), ("validate",), ("runs", "show")):
        p = subprocess.run([sys.executable, "-m", "rareflow.cli", *cmd, "--help"],
                           capture_output=True, text=True, env=env)
        assert p.returncode == 0, p.stderr
        out = p.stdout
        assert max(map(len, out.splitlines())) <= int(columns)
        assert "<bool>" not in out and "{" not in out.split("Usage:")[1].splitlines()[0]
        assert "--help <" not in out and "--help BOOL" not in out.upper()
        usage = " ".join(out.split("Usage:")[1].split("\n")[0].split())
        assert f"{' '.join(cmd)} [OPTIONS]" in usage, usage
        help_line = next(x for x in out.splitlines() if "--help" in x)
        assert help_line.split("--help")[1].split()[0] == "Show"  # no value after --help
    run = subprocess.run([sys.executable, "-m", "rareflow.cli", "run", "--help"],
                         capture_output=True, text=True, env=env).stdout
    assert " run [OPTIONS] SCENARIO" in run


def test_runs_show_folds_a_long_override():
    from rareflow.cli.store import _folded_overrides

    big = {"facilities": [{"id": f"plant-{k}", "capacity": 1000 + k, "cost": 12.5}
                          for k in range(150)]}
    raw = json.dumps(big)
    assert len(raw) > 6000
    text = _folded_overrides(raw, 7)
    lines = text.splitlines()
    assert lines[0] == "  overrides:" and "    facilities:" in lines
    assert max(map(len, lines)) <= 110 and len(lines) == 43  # header, 40 lines, the cut
    assert "more characters); in full:" in text and "rareflow runs sql" in text and "run_id = 7" in text
    short = _folded_overrides(json.dumps({"facilities": [{"id": "irel-oscom", "capacity": 5800}]}))
    assert "irel-oscom" in short and "more characters" not in short


def _commands(cmd, path=()):
    yield path, cmd
    for name, sub in getattr(cmd, "commands", {}).items():
        yield from _commands(sub, (*path, name))


def test_store_options_read_and_act_the_same_in_every_command(tmp_path):
    from rareflow.cli import command
    from rareflow.cli.options import open_store
    from rareflow.errors import RareflowError

    seen: dict[str, dict[str, str]] = {}
    for path, cmd in _commands(command()):
        for p in getattr(cmd, "params", []):
            if p.name in ("store", "no_store", "reuse"):
                seen.setdefault(p.name, {})[" ".join(path) or "runs"] = (tuple(p.opts), p.help)
    assert {"run", "backtest", "report", "sweep", "serve", "runs show"} <= set(seen["store"])
    assert {"run", "backtest", "report", "sweep", "serve"} <= set(seen["no_store"])
    assert {"run", "backtest", "report"} <= set(seen["reuse"])
    for name, by_command in seen.items():
        assert len(set(by_command.values())) == 1, (name, by_command)  # one spelling, one text
    with pytest.raises(RareflowError, match="drop --no-store"):
        open_store(None, no_store=True, reuse=True)
    assert open_store(tmp_path / "s.duckdb", no_store=True) is None
    assert open_store(tmp_path / "s.duckdb", no_store=False).path == tmp_path / "s.duckdb"
    p = cli("report", "toy", "--no-store", "--reuse", "--out", tmp_path / "r.html")
    assert p.returncode == 1 and "drop --no-store" in p.stderr and not (tmp_path / "r.html").exists()


def test_a_monthly_conflict_is_told_once_in_the_files_units_with_a_fix(tmp_path):
    # 100 t/yr can be made in A, but the route A→B must carry at least 200 t/yr: every month
    # of 2025 conflicts the same way; the user wrote t/yr, so the message speaks t/yr
    f = tmp_path / "monthly.yaml"
    f.write_text("name: monthly-conflict\nperiods: {start: 2025-01, end: 2025-12, step: month}\n"
                 "commodities: {m: {unit: t, disposal_cost: 0}}\nregions: {A: {}, B: {}}\n"
                 "processes: {make: {outputs: {m: 1}}}\n"
                 "facilities:\n  - {id: fa, region: A, process: make, capacity: 100, cost: 10}\n"
                 "routes:\n  - {from: A, to: B, commodity: m, minimum: 200}\n")
    p = cli("run", f, "--no-store", "--out", tmp_path / "o")
    assert p.returncode == 1, p.stdout
    err = " ".join(p.stderr.split())
    assert "cannot be satisfied" in err
    # HiGHS's relaxation bends the cheaper side, the plant's capacity: 100 t/yr → 200 t/yr
    assert err.count("conflicts with the rest") == 1  # once, not once per month
    assert ("The maximum of activity (facility fa, region A, process make) = 100 t/yr conflicts "
            "with the rest in periods 2025-01–2025-12; the closest feasible value is 200 t/yr") in err
    assert "Fix: raise fa's capacity to 200 t/yr or more." in err
    assert "16.6667" not in err and "8.33333" not in err  # no monthly amounts nobody typed


HEAVY = ("plotly", "fastapi", "uvicorn", "starlette", "duckdb", "dask", "distributed",
         "rareflow.analyze.backtest", "rareflow.analyze.observations", "rareflow.web",
         "rareflow.report", "rareflow.sweep")


def _imported_by(code: str) -> list[str]:
    """The heavy modules a fresh interpreter holds after running `code` (issue 17: start-up
    pays only for what the command uses)."""
    probe = (f"{code}\nimport sys\n"
             f"print('HEAVY:' + ','.join(m for m in {HEAVY!r} if m in sys.modules))")
    p = subprocess.run([sys.executable, "-c", probe], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    line = next(x for x in p.stdout.splitlines() if x.startswith("HEAVY:"))
    return [m for m in line[len("HEAVY:"):].split(",") if m]


def test_importing_the_cli_loads_no_web_store_chart_or_analysis_stack():
    assert _imported_by("import rareflow.cli") == []
    assert _imported_by("import rareflow") == []
    # the analysis layer comes on the first Results call that needs it, the back-test apart
    assert _imported_by("import sys\nimport rareflow\nr = rareflow.load('toy').solve()\nr.metrics()\n"
                        "r.explain()\nassert 'rareflow.analyze' in sys.modules") == []


def test_run_without_the_store_loads_no_database_web_or_chart_stack(tmp_path):
    code = ("import sys\nfrom rareflow.cli import main\n"
            f"sys.argv = ['rareflow', 'run', 'toy', '--no-store', '--out', {str(tmp_path / 'o')!r}]\n"
            "try:\n    main()\nexcept SystemExit as e:\n    assert not e.code, e.code\n")
    assert _imported_by(code) == []
    assert (tmp_path / "o" / "summary.json").is_file()
