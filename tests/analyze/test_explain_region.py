"""`explain(region)` works out only the region's sentences (issue 17); they must be exactly
the full explanation's sentences that the region filter keeps, in the same order."""

from __future__ import annotations

import pytest

import rareflow
from rareflow.analyze.explain import Explainer, select


def fresh(model):
    return model.solve()


@pytest.fixture(scope="module")
def cc():
    m = rareflow.load("china-controls-2025")
    full = m.solve()
    return m, full.explain(), full


def test_each_regions_sentences_are_the_full_list_filtered(cc):
    m, every, full = cc
    regions = full.scenario.regions
    shown = 0
    for code, reg in regions.items():
        for name in (code, reg.label):
            want = select(full, every, name)
            got = fresh(m).explain(name)
            assert got == want, (name, got, want)
            shown += len(want)
    assert shown > 20  # the test compares sentences, not empty lists


def test_with_a_period_too(cc):
    m, every, full = cc
    for code, per in (("JPN", "2025-05"), ("USA", "2025-04"), ("CHN", "2030")):
        assert fresh(m).explain(code, per) == select(full, every, code, per)


def test_the_region_path_traces_only_the_regions_shortfalls(cc):
    m, _, _ = cc
    r = fresh(m)
    r.explain("JPN")
    ranked = r.cache["explainer"]._ranked_rows
    assert ranked and {k[1] for k in ranked} == {"JPN"}
    assert "explain" not in r._sentences  # the whole explanation was not written


def test_a_name_that_could_open_another_sentence_falls_back_to_the_full_list(cc):
    m, every, full = cc
    odd = "Source of"  # harmless; and one whose "'s" form does begin a fixed opening:
    r = fresh(m)
    assert Explainer(r).region_sentences(odd) is not None
    weird = "All demand is served in every period."
    assert Explainer(fresh(m)).region_sentences(weird) is None
    assert fresh(m).explain(weird) == select(full, every, weird) == []


def test_the_probe_budget_guard_falls_back_to_the_full_list(cc, monkeypatch):
    """When the whole explanation would spend the probe budget, a figure of it depends on
    which sentences came first: the region's sentences are then the full list filtered."""
    from rareflow.analyze import explain as E

    m, every, full = cc
    monkeypatch.setattr(E, "MAX_PROBES", 40)
    r = fresh(m)
    assert Explainer(r).region_sentences("JPN") is None
    assert r.explain("JPN") == select(r, r.explain(), "JPN")


def test_a_result_without_shortfalls_and_a_read_back_one():
    m = rareflow.load("baseline-2024")
    full = m.solve()
    every = full.explain()
    for code in full.scenario.regions:
        assert fresh(m).explain(code) == select(full, every, code)


def shown(tab, top):
    """What `rareflow explain` prints of a table: ranked by saves (else |dual|), first `top`."""
    tab = tab.assign(rank_value=tab["saves"].fillna(tab["dual"].abs())) \
        .sort_values("rank_value", ascending=False, kind="stable")
    return tab.head(top).reset_index(drop=True)


@pytest.mark.parametrize("region", [None, "JPN", "USA", "EU", "IND"])
def test_the_table_measured_for_the_rows_shown_shows_the_same_rows(cc, region):
    m, _, _ = cc
    full = fresh(m).explain_table(region)
    assert full["saves"].notna().sum() > 10
    for top in (1, 3, 15, 40):
        r = fresh(m)
        part = r.explain_table(region, top=top)
        assert shown(part, top).equals(shown(full, top)), (region, top)
        assert part["saves"].notna().sum() <= full["saves"].notna().sum()
        if top == 15 and region in ("JPN", "EU"):  # what `explain --region` shows: fewer probes
            assert part["saves"].notna().sum() < full["saves"].notna().sum() / 2
