"""`m.lp`: every column and row by name, with the last solve's values; `write_lp`/`write_mps`."""

import numpy as np
import pytest

import rareflow
from rareflow.lp import highs
from rareflow.lp.names import UnknownName
from tests.conftest import chain


def _model():
    # A makes m at 10/t (cap 100), C at 30/t (cap 50); B needs 80/yr at a 1000/t penalty.
    # A→B costs 5/t, C→B 8/t. A's capacity is cut to 30 in 2025 (a series).
    # 2024: A→B 80 at 15/t = 1,200.  2025: A→B 30 at 15 = 450, C→B 50 at 38 = 1,900,
    # none unserved (the penalty is dearer).  Objective 3,550.
    # Price of m in B: 15 in 2024 (A has room), 1000 in 2025 (both plants full: the next tonne
    # would go unserved). The row for A's plant is a bound, not a row.
    return rareflow.from_mapping(chain(
        facilities=[{"id": "a", "region": "A", "process": "make",
                     "capacity": {2024: 100, 2025: 30}, "cost": 10},
                    {"id": "c", "region": "C", "process": "make", "capacity": 50, "cost": 30}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 5},
                {"from": "C", "to": "B", "commodity": "m", "cost": 8}],
        demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 80,
                  "priority": 1000}],
    ))


def test_names_cover_every_column_and_row_once():
    m = _model()
    cols, rows = m.lp.columns, m.lp.rows
    n_rows, n_cols = m.frozen.shape
    assert len(cols) == n_cols and len(rows) == n_rows
    assert cols["index"].tolist() == list(range(n_cols))
    assert rows["index"].tolist() == list(range(n_rows))
    assert not cols["name"].duplicated().any() and not rows["name"].duplicated().any()
    assert "flow[A-B-m,2025]" in set(cols["name"])
    assert "activity[a,make,2024]" in set(cols["name"])
    assert "unserved[B-m-auto,2024]" in set(cols["name"])
    assert "balance[B,m,2025]" in set(rows["name"])
    # bounds and costs are the built model's
    a25 = m.lp.column("activity[a,make,2025]")
    assert a25["upper"] == 30 and a25["lower"] == 0 and a25["cost"] == 10
    b = m.lp.row("balance[B,m,2024]")
    assert b["sense"] == "=" and b["rhs"] == 80


def test_values_and_duals_after_a_solve(approx):
    m = _model()
    before = m.lp.column("flow[C-B-m,2025]")
    assert np.isnan(before["value"])  # nothing solved yet
    r = m.solve()
    assert r.objective == approx(3_550)
    flows = r.flows.set_index(["route", "period"])["amount"]
    for route in ("A-B-m", "C-B-m"):
        for period in ("2024", "2025"):
            got = m.lp.column(f"flow[{route},{period}]")["value"]
            assert got == approx(flows[(route, period)])
    assert m.lp.column("flow[C-B-m,2025]")["value"] == approx(50)
    assert m.lp.column("flow[A-B-m,2024]")["value"] == approx(80)
    # duals of the balance rows are the prices
    assert m.lp.row("balance[B,m,2024]")["dual"] == approx(15)
    assert m.lp.row("balance[B,m,2025]")["dual"] == approx(1000)
    assert m.lp.row("balance[B,m,2025]")["activity"] == approx(80)
    # the unused unserved column prices its penalty above the market: reduced cost 1000 − 15
    assert m.lp.column("unserved[B-m-auto,2024]")["reduced_cost"] == approx(985)
    table = m.lp.columns.set_index("name")
    assert table.loc["flow[C-B-m,2025]", "value"] == approx(50)


def test_unknown_names_say_what_is_close():
    m = _model()
    with pytest.raises(UnknownName) as e:
        m.lp.column("flow[A-B-m,2026]")
    assert "flow[A-B-m,2025]" in str(e.value) and "no column" in str(e.value)
    with pytest.raises(KeyError):  # a KeyError too, for code that expects one
        m.lp.row("balanse[B,m,2024]")


@pytest.mark.parametrize("suffix", [".lp", ".mps"])
def test_written_file_solves_to_the_same_objective(tmp_path, suffix, approx):
    m = _model()
    r = m.solve()
    path = (m.write_lp if suffix == ".lp" else m.write_mps)(tmp_path / f"hand{suffix}")
    text = path.read_text()
    assert "flow(A_B_m,2025)" in text  # rareflow's names, spelled for the format
    back = highs.solve_file(str(path))
    assert back.status == "optimal"
    assert back.objective == approx(r.objective)


def test_write_wants_the_right_suffix(tmp_path):
    with pytest.raises(rareflow.RareflowError, match=r"\.lp file name"):
        _model().write_lp(tmp_path / "model.txt")


def test_names_on_a_built_in_are_unique_across_policy_blocks():
    # india-japan-halt has agreements, stocks, tiers of demand: every name once
    m = rareflow.load("india-japan-halt")
    cols, rows = m.lp.columns, m.lp.rows
    assert not cols["name"].duplicated().any()
    assert not rows["name"].duplicated().any()
    assert not cols["name"].str.contains("#").any() and not rows["name"].str.contains("#").any()
    assert {"agreement_shortfall", "flow", "stock", "unserved"} <= set(cols["kind"])


def test_the_names_the_docstring_shows_exist():
    m = rareflow.load("toy")
    m.solve()
    assert m.lp.column("flow[IND-JPN-ndpr_oxide,2025]")["value"] >= 0
    assert m.lp.row("balance[JPN,ndfeb_magnet,2025]")["dual"] > 0
    assert len(m.lp.columns.query("kind == 'unserved' and value >= 0"))
