"""One result type: a stored run reads back as the same `Results`, with the same tables, summary,
sentences and metrics as the live one; what only a live solve has raises a clear error."""

from __future__ import annotations

import pandas as pd
import pytest

import rareflow
from rareflow.results import schema
from rareflow.results.result import SECTIONS, NotLive, Results
from rareflow.results.tables import CSV_COLUMNS
from rareflow.store import RunStore
from rareflow.store.db import TABLE_COLUMNS


@pytest.fixture(scope="module")
def live():
    # candidates, a target and a home-supply story: every section of the explanation has words
    return rareflow.load("irel-nd-2030").solve()


@pytest.fixture(scope="module")
def stored(live, tmp_path_factory):
    st = RunStore(tmp_path_factory.mktemp("store") / "runs.duckdb")
    return st.get(st.record(live))


def test_a_stored_run_is_the_same_type_with_the_same_content(live, stored):
    assert type(stored) is type(live) is Results is rareflow.Result
    assert live.live and not stored.live
    assert stored.run_id == 1 and live.run_id is None
    assert stored.name == live.name and stored.hash == live.hash
    assert stored.periods == live.periods and stored.currency == live.currency
    assert stored.objective == pytest.approx(live.objective) and stored.status == live.status
    assert stored.summary() == live.summary()  # JSON keeps every float exactly
    assert set(stored.tables()) == set(live.tables()) == set(schema.TABLES)
    for name, df in live.tables().items():
        got = stored.table(name)
        assert list(got.columns) == list(df.columns), name
        pd.testing.assert_frame_equal(df, got, check_dtype=False, obj=name)
    pd.testing.assert_frame_equal(live.costs, stored.costs, check_dtype=False)
    for name, df in live.metrics().items():
        pd.testing.assert_frame_equal(df, stored.metrics()[name], check_dtype=False, obj=name)


def test_every_section_of_the_explanation_comes_back(live, stored):
    for s in SECTIONS:
        assert stored.section(s) == live.section(s), s
    assert all(live.section(s) for s in ("explain", "build_plan", "target_report", "home_supply"))
    assert stored.explanation() == live.explanation()
    assert stored.build_plan() == live.build_plan() and stored.target_report() == live.target_report()
    assert stored.explain("IND") == live.explain("IND")
    assert stored.explain(period="2030") == live.explain(period="2030")


def test_what_only_a_live_solve_has_raises_a_clear_error(live, stored):
    for ask in (lambda r: r.model, lambda r: r.solution, lambda r: r.explain_table(),
                lambda r: r.shortfall_causes()):
        with pytest.raises(NotLive, match=r"run #1 of scenario 'irel-nd-2030' .*solve the "
                                          r"scenario again"):
            ask(stored)
        ask(live)  # the live one has it
    assert isinstance(NotLive("x"), rareflow.RareflowError)  # the CLI prints it, no traceback


def test_detached_is_the_stored_form_without_the_store(live):
    d = live.detached()
    assert not d.live and d.explanation() == live.explanation()
    pd.testing.assert_frame_equal(d.flows, live.flows)
    with pytest.raises(NotLive):
        _ = d.model


def test_a_stored_comparison_equals_the_live_one_when_both_are_stored(live, tmp_path):
    """compare() takes stored runs too (the web compares two stored runs); the policies' own
    route selection finds the links a new policy acts on without the LP."""
    base = rareflow.load("baseline-2024").solve()
    st = RunStore(tmp_path / "runs.duckdb")
    b, s = st.get(st.record(base, metrics=False)), st.get(st.record(live, metrics=False))
    stored = s.compare(b)
    raw = rareflow.analyze.compare(base, live, align=False)  # stored runs are compared as stored
    assert stored.sentences == raw.sentences
    for name, df in raw.tables().items():
        pd.testing.assert_frame_equal(df, stored.tables()[name], check_dtype=False, obj=name)


def test_one_table_schema_for_frames_csv_store_and_docs():
    r = rareflow.load("toy").solve()
    for name, table in schema.TABLES.items():
        assert CSV_COLUMNS[name] == table.names
        assert list(TABLE_COLUMNS[name]) == table.names
        assert list(r.table(name).columns[: len(table.names)]) == table.names, name
        doc = getattr(Results, name).__doc__
        assert all(f"`{c}`" in doc for c in table.names), name
    # the drift of before: the CSV had no `served`, the store no `tolling`
    assert "served" in CSV_COLUMNS["unserved"] and "tolling" in TABLE_COLUMNS
    assert TABLE_COLUMNS["targets"]["met"] == "BOOLEAN"
