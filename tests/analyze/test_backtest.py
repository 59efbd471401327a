"""The back-test on hand-made results whose model figures are worked out in the comments, the
shipped observed series, and the back-test table in docs/dataset.md."""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import rareflow
from rareflow.analyze.backtest import MIXES, backtest, markdown, run_backtest
from rareflow.analyze.observations import (
    COLUMNS,
    UNITS,
    Observation,
    ObservationError,
    load_observations,
)
from tests.conftest import chain

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "dataset.md"
START, END = "<!-- backtest:start -->", "<!-- backtest:end -->"


def obs(**kw) -> Observation:
    base = {"series": "s", "label": "A's exports of m", "measure": "exports", "commodity": "m",
            "region": "A", "partner": "all", "value": 1.0, "unit": "t", "source": "hand",
            "confidence": "EST"}
    base.update(kw)
    if base.get("relative_to"):
        base.setdefault("unit", "ratio")
    return Observation(**base)


def row(table, period, series="s"):
    t = table[(table["series"] == series) & (table["period"] == period)]
    assert len(t) == 1, f"expected one row for {series} {period}, got {len(t)}"
    return t.iloc[0]


def _two_buyers(periods, b_amount, cost=29_000.0):
    # A makes m (cost per t as given) and ships to B and C at 1,000/t; B and C must be served.
    return rareflow.from_mapping(chain(
        periods=periods,
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 10_000,
                     "cost": cost}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 1000},
                {"from": "A", "to": "C", "commodity": "m", "cost": 1000}],
        demands=[{"region": "B", "commodity": "m", "sector": "s", "amount": b_amount,
                  "priority": 1e6},
                 {"region": "C", "commodity": "m", "sector": "s", "amount": 60,
                  "priority": 1e6}])).solve()


@pytest.fixture(scope="module")
def yearly():
    # 2024 and 2025: A→B 120 t, A→C 60 t each year → exports 180 t/yr, 15 t a month.
    # Price of m in B = 29,000 + 1,000 = 30,000 USD/t = 30 USD/kg.
    return _two_buyers([2024, 2025], 120)


@pytest.fixture(scope="module")
def monthly():
    # Months 2025-01..2025-06. B asks 120 t/yr (10 t a month) but 240 t/yr in February (20 t);
    # C 60 t/yr (5 t a month). Exports of A: Jan 15, Feb 25, Mar..Jun 15 t.
    # Making costs 29,000 USD/t until March and 35,000 from April: the price in B is
    # 30 USD/kg in Jan-Mar and 36 USD/kg in Apr-Jun.
    return _two_buyers({"start": "2025-01", "end": "2025-06", "step": "month"},
                       {"2025-01": 120, "2025-02": 240, "2025-03": 120},
                       cost={"2025-01": 29_000, "2025-04": 35_000})


def test_a_month_against_a_yearly_period_is_a_twelfth_of_it(yearly, approx):
    t = backtest(yearly, [obs(period="2024-05", value=12)])
    r = row(t, "2024-05")
    assert r["model"] == approx(15)  # 180 t in 2024 / 12
    assert r["error_pct"] == approx(25)  # 15 / 12 − 1
    assert "yearly period: 1/12 of 2024" in r["how"]
    assert "from A to every other region" in r["how"]


def test_a_span_across_years_prorates_both_edges(yearly, approx):
    # 2024-07..2025-02 = 6/12 of 2024 (90 t) + 2/12 of 2025 (30 t) = 120 t
    t = backtest(yearly, [obs(period="2024-07..2025-02", value=100)])
    r = row(t, "2024-07..2025-02")
    assert r["model"] == approx(120)
    assert r["error_pct"] == approx(20)
    assert "6/12 of 2024 + 2/12 of 2025" in r["how"]


def test_monthly_periods_match_months_exactly_and_spans_sum_them(monthly, approx):
    t = backtest(monthly, [obs(period="2025-02", value=25), obs(period="2025-01..2025-03", value=50),
                           obs(period="2025-04", value=15, partner="C")])
    assert row(t, "2025-02")["model"] == approx(25)  # B 20 + C 5
    assert row(t, "2025-02")["error_pct"] == approx(0)
    r = row(t, "2025-01..2025-03")
    assert r["model"] == approx(55)  # 15 + 25 + 15
    assert r["error_pct"] == approx(10)
    assert "sum of 3 monthly periods 2025-01..2025-03" in r["how"]
    assert row(t, "2025-04")["model"] == approx(5)  # only the flow to C


def test_two_sources_for_the_same_exports_are_two_rows_never_a_sum(monthly, approx):
    t = backtest(monthly, [obs(series="one", period="2025-02", value=25),
                           obs(series="two", period="2025-02", value=20)])
    assert sorted(t["observed"]) == [20, 25] and list(t["model"]) == [approx(25), approx(25)]


def test_relative_observation_compares_ratios(monthly, yearly, approx):
    # Monthly: Feb / Jan = 25 / 15; observed 2.0 → error 25/30 − 1.
    t = backtest(monthly, [obs(period="2025-02", relative_to="2025-01", value=2.0, unit="ratio")])
    r = row(t, "2025-02 / 2025-01")
    assert r["model"] == approx(25 / 15)
    assert r["error_pct"] == approx((25 / 30 - 1) * 100)
    assert r["kind"] == "exports ratio" and r["unit"] == "ratio"
    # Yearly: both months are 1/12 of 2025, so the model's ratio is exactly 1.
    t = backtest(yearly, [obs(period="2025-04", relative_to="2025-03", value=0.5, unit="ratio")])
    r = row(t, "2025-04 / 2025-03")
    assert r["model"] == approx(1.0) and r["error_pct"] == approx(100)
    assert "1/12 of 2025" in r["how"]


def test_prices_are_duals_per_kg_averaged_over_the_months_covered(monthly, yearly, approx):
    p = dict(measure="price", partner=None, unit="USD/kg", region="B")
    t = backtest(yearly, [obs(period="2024", value=25, **p)])
    assert row(t, "2024")["model"] == approx(30)  # (29,000 + 1,000) USD/t ÷ 1,000
    assert row(t, "2024")["error_pct"] == approx(20)
    # Months 1-3 at 30, 4-6 at 36 → mean 33.
    t = backtest(monthly, [obs(period="2025-01..2025-06", value=30, **p)])
    assert row(t, "2025-01..2025-06")["model"] == approx(33)
    assert row(t, "2025-01..2025-06")["error_pct"] == approx(10)


def test_dy_and_tb_prices_are_compared_with_the_model_dytb_mix(approx):
    # The model has one dytb_oxide, made in A at 64,000 USD/t → 64 USD/kg.
    # Observed mix = (0.811·260 + 0.104·810) / 0.915 = 295.10 / 0.915 = 322.51 USD/kg.
    r = rareflow.from_mapping(chain(
        commodities={"dytb_oxide": {}},
        processes={"make": {"outputs": {"dytb_oxide": 1}}},
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 100,
                     "cost": 64_000}],
        demands=[{"region": "A", "commodity": "dytb_oxide", "sector": "s", "amount": 10,
                  "priority": 1e6}])).solve()
    p = dict(measure="price", partner=None, unit="USD/kg", period="2024")
    w = MIXES["dytb_oxide"]
    bt = run_backtest(r, [obs(series="dy", commodity="dy_oxide", value=260, **p),
                          obs(series="tb", commodity="tb_oxide", value=810, **p),
                          obs(series="tb", commodity="tb_oxide", value=810, **{**p, "period": "2025"})])
    assert len(bt.table) == 1
    mix = bt.table.iloc[0]
    expected = (w["dy_oxide"] * 260 + w["tb_oxide"] * 810) / (w["dy_oxide"] + w["tb_oxide"])
    assert expected == pytest.approx(322.5137, abs=1e-4)
    assert mix["observed"] == approx(expected) and mix["model"] == approx(64)
    assert mix["confidence"] == "EST" and "0.886 × dy_oxide 260" in mix["how"]
    # Tb alone in 2025 has no Dy partner: left out with the reason
    assert [x["period"] for x in bt.left_out] == ["2025"]
    assert "missing" in bt.left_out[0]["reason"]


def test_import_share_counts_only_the_named_commodities(approx):
    # B needs 120 t/yr of m: A can make only 30 (cost 10), C the rest (cost 20) → A's share of
    # B's imports of m is 25 %. B also imports 1,000 t of x from A, which the share must ignore
    # (else A's share would be 1,030 / 1,120).
    r = rareflow.from_mapping(chain(
        commodities={"m": {}, "x": {}},
        processes={"make": {"outputs": {"m": 1}}, "make_x": {"outputs": {"x": 1}}},
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 30, "cost": 10},
                    {"id": "c", "region": "C", "process": "make", "capacity": 1000, "cost": 20},
                    {"id": "ax", "region": "A", "process": "make_x", "capacity": 1000, "cost": 1}],
        routes=[{"from": "A", "to": "B", "commodity": "m"}, {"from": "C", "to": "B", "commodity": "m"},
                {"from": "A", "to": "B", "commodity": "x"}],
        demands=[{"region": "B", "commodity": "m", "sector": "s", "amount": 120, "priority": 1e6},
                 {"region": "B", "commodity": "x", "sector": "s", "amount": 1000, "priority": 1e6}],
    )).solve()
    share = dict(measure="import_share", region="B", partner="A", unit="%", value=50)
    t = backtest(r, [obs(period="2024", commodity="m;absent", **share),
                     obs(period="2024-01..2024-06", commodity="m", **share)])
    assert row(t, "2024")["model"] == approx(25)
    assert row(t, "2024")["error_pct"] == approx(-50)
    assert "the model has only these" in row(t, "2024")["how"]
    assert row(t, "2024-01..2024-06")["model"] == approx(25)  # 15 / 60 t over half a year


def test_mine_output_counts_reo_of_mining_processes_lumps_and_world(approx):
    # Mines run at their minimum: A's mine_x 100 (1 t REO each), C's mine_y 200 (0.5 t REO +
    # 0.5 t of a non-REO co-product each) → A 100, C 100, world 200 t REO. `sep` (an input) is
    # not a mine; neither is `make` (no reo_ output).
    r = rareflow.from_mapping(chain(
        commodities={"m": {}, "reo_x": {"disposal_cost": 0}, "reo_y": {"disposal_cost": 0},
                     "slag": {"disposal_cost": 0}},
        processes={"mine_x": {"outputs": {"reo_x": 1}},
                   "mine_y": {"outputs": {"reo_y": 0.5, "slag": 0.5}},
                   "sep": {"inputs": {"reo_x": 1}, "outputs": {"reo_y": 1}},
                   "make": {"outputs": {"m": 1}}},
        facilities=[{"id": "mx", "region": "A", "process": "mine_x", "capacity": 100, "minimum": 100},
                    {"id": "my", "region": "C", "process": "mine_y", "capacity": 200, "minimum": 200},
                    {"id": "s", "region": "A", "process": "sep", "capacity": 50, "minimum": 50}],
    )).solve()
    mo = dict(measure="mine_output", commodity="REO", partner=None, unit="t REO", period="2025")
    bt = run_backtest(r, [obs(series="a", label="Mine output, A", region="A", value=80, **mo),
                          obs(series="c1", label="Mine output, Cland", region="C", value=30, **mo),
                          obs(series="c2", label="Mine output, Cshire", region="C", value=20, **mo),
                          obs(series="w", label="Mine output, World", region="WORLD", value=250, **mo),
                          obs(series="z", label="Mine output, Z", region="Z", value=5, **mo),
                          obs(series="a", label="Mine output, A", region="A", value=80,
                              **{**mo, "period": "2023"})])
    t = bt.table
    assert row(t, "2025", "a")["model"] == approx(100)
    assert row(t, "2025", "a")["error_pct"] == approx(25)
    lump = row(t, "2025", "mine-output-c")
    assert lump["observed"] == approx(50) and lump["model"] == approx(100)
    assert lump["label"] == "Mine output, C (Cland + Cshire)"
    assert row(t, "2025", "w")["model"] == approx(200)
    assert "mine_x" in row(t, "2025", "a")["how"] and "sep" not in row(t, "2025", "w")["how"]
    reasons = {x["series"]: x["reason"] for x in bt.left_out}
    assert reasons == {"z": "region Z is not in the model",
                       "a": "outside the model's horizon 2024–2025"}
    # worst first by |error|: C's +100 %, then A's +25 %, then the world's −20 %
    assert list(t["series"]) == ["mine-output-c", "a", "w"]
    assert backtest(r, [obs(series="z", region="Z", **mo)]).attrs["left_out"] == [
        {"series": "z", "period": "2025", "reason": "region Z is not in the model"}]


# ---- the shipped observed series ------------------------------------------------------------
def test_shipped_observations_load_and_every_row_has_a_source():
    rows = load_observations()
    assert len(rows) >= 40
    for o in rows:
        assert o.source.strip() and o.confidence, o.where
        assert o.unit == ("ratio" if o.relative_to else UNITS[o.measure]), o.where
    kinds = {o.measure for o in rows}
    assert kinds == {"exports", "price", "mine_output", "import_share"}
    may = [o for o in rows if o.series == "chn-ndfeb-exports" and o.period == "2025-05"]
    assert [o.value for o in may] == [1238]
    half = [o for o in rows if o.relative_to == "2025-03"]
    assert [(o.period, o.value) for o in half] == [("2025-04", 0.5)]


def test_every_shipped_observation_is_compared_on_the_builtin_scenario():
    r = rareflow.load("china-controls-2025").solve()
    bt = run_backtest(r)
    assert not bt.left_out
    assert len(bt.table) >= 40
    errs = bt.table["error_pct"].abs().fillna(-1).tolist()
    assert errs == sorted(errs, reverse=True)
    # 2024's exports are China's magnet flows to the other regions in 2024's periods, summed
    f = r.flows
    sel = (f["origin"] == "CHN") & (f["destination"] != "CHN") & (f["commodity"] == "ndfeb_magnet")
    in_2024 = f["period"].astype(str).str.startswith("2024")
    row24 = row(bt.table, "2024", "chn-ndfeb-exports")
    assert row24["model"] == pytest.approx(f.loc[sel & in_2024, "amount"].sum(), rel=1e-12)
    assert row24["error_pct"] == pytest.approx((row24["model"] / 58_152 - 1) * 100)


def _write(tmp_path, *lines, header=",".join(COLUMNS)):
    p = tmp_path / "obs.csv"
    p.write_text("\n".join([header, *lines]) + "\n")
    return p


GOOD = "s,S,exports,m,A,all,2025-05,,10,t,hand,,,Med,"


def test_a_bad_observation_file_names_file_row_and_fix(tmp_path):
    p = _write(tmp_path, GOOD,
               "s,S,exports,m,A,all,2025-13,,10,t,hand,,,Med,",
               "s,S,exports,m,A,all,2025-06,,10,t,,,,Med,",
               "s,S,price,m,A,,2025,,1,t,hand,,,Med,",
               "s,S,exports,m,A,all,2025-07,,58 152,t,hand,,,Med,",
               "s,S,exports,m,A,all,2025-05,,11,t,hand,,,Med,")
    with pytest.raises(ObservationError) as e:
        load_observations(p)
    text = str(e.value)
    assert text.startswith("5 problems in the observed series:")
    assert f"{p}: row 3, column 'period': '2025-13' is not a period" in text
    assert "row 4, column 'source': is missing" in text and "every observation needs one" in text
    assert "row 5, column 'unit': 't' is not the unit of price; expected 'USD/kg'" in text
    assert "row 6, column 'value': '58 152' is not a number" in text
    assert "row 7: repeats the observation of" in text and "row 2" in text


def test_observation_files_with_wrong_columns_or_paths_are_clear_errors(tmp_path):
    with pytest.raises(ObservationError, match="lacks the column"):
        load_observations(_write(tmp_path, GOOD, header="series,label"))
    with pytest.raises(ObservationError, match="more cells"):
        load_observations(_write(tmp_path, GOOD + ",extra"))
    with pytest.raises(ObservationError, match="does not exist"):
        load_observations(tmp_path / "nope.csv")
    assert [o.row for o in load_observations(_write(tmp_path, GOOD))] == [2]


# ---- the table in docs/dataset.md -----------------------------------------------------------
def test_doc_backtest_table_matches_the_generated_one():
    # the markers count only on lines of their own: the prose around them may quote them
    text = DOC.read_text()
    found = re.search(r"^" + re.escape(START) + r"$\n(.*?)^" + re.escape(END) + r"$", text,
                      re.S | re.M)
    assert found, (f"docs/dataset.md has lost its generated back-test block ({START} … {END}); "
                   "run `python scripts/backtest_table.py --write`")
    named = re.match(r"Back-test of `([^`]+)`", found.group(1))
    scenario = named.group(1) if named else "china-controls-2025"
    bt = run_backtest(rareflow.load(scenario).solve())
    assert found.group(1) == markdown(bt, scenario), \
        f"docs/dataset.md's back-test table is stale: run scripts/backtest_table.py {scenario} --write"


def test_results_backtest_is_the_analyze_table_and_says_what_it_left_out(yearly):
    # r.backtest() is registered by analyze (no upward import): the same table as backtest(r).
    mine = [obs(period="2025", value=200.0), obs(series="t", period="2025-03", value=10.0)]
    t = yearly.backtest(mine)
    assert t.equals(backtest(yearly, mine))
    # 2025: 180 t against 200 → −10 %; March: 180/12 = 15 t against 10 → +50 %, so it comes first
    assert list(t["series"]) == ["t", "s"]
    assert t["error_pct"].tolist() == pytest.approx([50.0, -10.0])
    # the shipped series speak of CHN, JPN, …: none is in this A-B-C network, and each says why
    shipped = yearly.backtest()
    assert len(shipped) == 0
    assert shipped.attrs["left_out"] and all(x["reason"] for x in shipped.attrs["left_out"])
