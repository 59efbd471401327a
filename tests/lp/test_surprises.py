"""Surprises (`announced`): answers made in stages with the past fixed, worked out by hand."""

import numpy as np
import pytest

import rareflow
from rareflow.lp import stages
from rareflow.results.solved import _prices
from tests.conftest import chain
from tests.lp.test_hand_worked import val


def prestock(announced=None, ban_start=2025, **over):
    """A makes m at 10/t (cap 100/yr), ships to B at 5/t; B needs 50/yr (penalty 1000/t) and
    has a stock (initial 0, capacity 30 t, holding 2/t-yr). A→B is banned from 2025."""
    ban = {"type": "export_ban", "id": "ban", "exporter": "A", "commodity": "m", "to": ["B"],
           "start": ban_start}
    if announced is not None:
        ban["announced"] = announced
    return chain(
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 100, "cost": 10}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 5}],
        stocks=[{"region": "B", "commodity": "m", "initial": 0, "capacity": 30,
                 "holding_cost": 2}],
        demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 50,
                  "priority": 1000}],
        policies=[ban], **over)


def test_perfect_foresight_prestocks_for_the_ban(approx):
    # Known from the outset: 2024 ships 80 (50 used, 30 stored at 2/t), 2025 draws the 30 and
    # leaves 20 unserved. 80·15 + 30·2 + 20·1000 = 21,260.  Not stocking: 50·15 + 50·1000 =
    # 50,750 — stocking a tonne costs 17 and saves 1000, up to the stock's 30 t.
    r = rareflow.from_mapping(prestock()).solve()
    assert r.objective == approx(21_260)
    assert val(r.stocks, period="2024") == approx(30)
    assert val(r.unserved, period="2025") == approx(20)
    assert len(r.stages) == 0  # one solve, no stages


def test_announced_at_the_first_period_is_the_default(approx):
    r = rareflow.from_mapping(prestock(announced=2024)).solve()
    assert r.objective == approx(21_260)
    assert stages.for_model(r.model) is None


def test_ban_announced_at_its_start_is_not_prestocked_for(approx):
    # Stage 0 does not know of the ban: 2024 ships 50, stores nothing (holding costs 2/t).
    # 2024 is fixed. Stage 1 adds the ban: 2025 has no supply and an empty stock → 50 unserved.
    # 50·15 + 50·1000 = 50,750 (the cost of the whole trajectory).
    r = rareflow.from_mapping(prestock(announced=2025)).solve()
    assert r.objective == approx(50_750)
    assert val(r.stocks, period="2024") == approx(0)
    assert val(r.flows, period="2024") == approx(50)
    assert val(r.unserved, period="2025") == approx(50)
    st = r.stages
    assert list(st["stage"]) == [0, 1]
    assert list(st["announced"]) == ["2024", "2025"]
    assert list(st["policies"]) == ["", "ban"]
    assert list(st["fixed_from"]) == ["2024", ""] and list(st["fixed_to"]) == ["2024", ""]
    assert st["objective"].iloc[0] == approx(1_500)  # stage 0: 50·15 in each year, no ban
    assert st["objective"].iloc[1] == approx(50_750)
    assert "stages" in r.tables()
    text = "\n".join(r.explain())
    assert "export_ban 'ban' was announced in 2025: before then the plan did not know of it" \
        in text
    # perfect foresight: 21,260 and 20 t unserved → 29,490 less and 30 t less unserved
    assert "would have cost 29,490 USD less and left 30 t less demand unserved" in text


def test_monthly_surprise_fixes_only_the_months_before_it(approx):
    # Monthly, Jan–Jun 2025; the ban covers Apr–May and is announced in Apr. Demand 600/yr =
    # 50/month, A up to 100/month. Stage 0 ships 50 each month and stores nothing; Jan–Mar are
    # fixed. Stage 1 knows the ban in April: April and May go unserved (the stock is empty at
    # the end of March and cannot be filled in April), June is served again.
    # 4 served months · 50·15 + 2 · 50·1000 = 3,000 + 100,000 = 103,000.
    data = prestock(announced="2025-04", ban_start="2025-04",
                    periods={"start": "2025-01", "end": "2025-06", "step": "month"})
    data["policies"][0]["end"] = "2025-05"
    data["facilities"][0]["capacity"] = 1200
    data["demands"][0]["amount"] = 600
    data["stocks"][0]["holding_cost"] = 24  # 2 per t-month
    r = rareflow.from_mapping(data).solve()
    assert r.objective == approx(103_000)
    for p in ("2025-04", "2025-05"):
        assert val(r.unserved, period=p) == approx(50)
    assert val(r.unserved, period="2025-06") == approx(0)
    assert list(r.stages["fixed_to"]) == ["2025-03", ""]
    # Announced in January instead, the plan stocks 30 t in March (the cheapest month to hold
    # them: 2/t) and draws them in April: 100 − 30 = 70 t unserved.
    data["policies"][0]["announced"] = "2025-01"
    r2 = rareflow.from_mapping(data).solve()
    assert r2.unserved["amount"].sum() == approx(70)


def test_an_event_announces_all_its_policies(approx):
    data = prestock()
    ban = data.pop("policies")[0]
    data["events"] = [{"id": "ev", "date": "2025-01-01", "headline": "Ban", "source": "x",
                       "announced": 2025, "policies": [ban]}]
    r = rareflow.from_mapping(data).solve()
    assert r.objective == approx(50_750)


def test_a_late_tariff_and_subsidy_change_costs_only_from_their_stage(approx):
    # A tariff of 20/t on A→B from 2025, announced 2025: stage 0 plans 2024 without it (no
    # reason to stock ahead: the 2025 tonne would cost 35, stocking it 15 + 2 = 17).
    # Known from the outset the plan stocks 30 t in 2024 and saves 30·(35 − 17) = 540.
    tariff = {"type": "tariff", "id": "t", "exporter": "A", "importer": "B", "commodity": "m",
              "rate": 20, "start": 2025}
    base = prestock()
    base["policies"] = [tariff]
    known = rareflow.from_mapping(base).solve()
    # known: 2024 ships 80 (1,200) + holds 30 (60); 2025 ships 20 at 35 (700) → 1,960
    assert known.objective == approx(1_960)
    base["policies"][0]["announced"] = 2025
    late = rareflow.from_mapping(base).solve()
    # late: 2024 ships 50 (750); 2025 ships 50 at 35 (1,750) → 2,500
    assert late.objective == approx(2_500)
    assert val(late.stocks, period="2024") == approx(0)


def test_resolving_a_staged_model_gives_the_same_answer(approx):
    m = rareflow.from_mapping(prestock(announced=2025))
    a, b = m.solve(), m.solve()
    assert a.objective == approx(b.objective)
    np.testing.assert_allclose(a.solution.x, b.solution.x, atol=1e-7)


def test_a_stage_that_cannot_be_satisfied_is_named():
    # A makes m only in 2024; an agreement announced in 2025 demands 10 t A→B in 2025 with no
    # breach allowed. Stage 0 had no reason to keep anything in A's stock, so stage 1 (with
    # 2024 fixed) cannot deliver: the error names the stage and the fixed periods.
    data = chain(
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": {2024: 100, 2025: 0},
                     "cost": 10}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 5}],
        stocks=[{"region": "A", "commodity": "m", "initial": 0, "capacity": 100}],
        demands=[{"region": "B", "commodity": "m", "sector": "s", "amount": 0, "priority": 1}],
        commodities={"m": {"unit": "t", "disposal_cost": 0}},
        policies=[{"type": "agreement", "id": "g", "exporter": "A", "importer": "B",
                   "commodity": "m", "min": 10, "breach_cost": ".inf", "start": 2025,
                   "announced": 2025}])
    with pytest.raises(rareflow.SolveError) as e:
        rareflow.from_mapping(data).solve()
    msg = str(e.value)
    assert "cannot be satisfied in stage 1 (from 2025, when 'g' became known)" in msg
    assert "with the plan for 2024 fixed as it was made before" in msg
    assert "These constraints conflict" in msg and "period 2025" in msg
    # known from the outset, the plan keeps 10 t in A's stock through 2024
    data["policies"][0].pop("announced")
    assert rareflow.from_mapping(data).solve().status == "optimal"


def test_a_late_outage_of_a_plant_with_recipes_restores_its_shared_capacity(approx):
    """A facility with two recipes holds its capacity on a shared row; an outage announced late
    must leave that row as it was in the stages before it (the row bounds it replaced are
    restored, not only column bounds).

    A makes m with recipe `make` (10/t) or `make2` (12/t, max 50 %), capacity 200/yr; B needs
    60/yr at 1000/t unserved, via A→B at 5/t, and may stock up to 60 t (holding 2/t-yr). The
    outage (factor 0) hits 2025, announced 2025.
    Stage 0 (no outage known): 2024 makes 60 with `make` and stores nothing: 60·15 = 900.
    2024 is fixed; stage 1 adds the outage: 2025 makes nothing, 60 unserved = 60,000.
    Whole trajectory: 900 + 60,000 = 60,900. Had stage 0 seen the outage's zero capacity on
    the shared row (the row bound not restored), it would have pre-stocked 60 t in 2024 and
    served 2025 from the stock: 120·15 + 60·2 = 1,920."""
    data = chain(
        facilities=[{"id": "a", "region": "A", "capacity": 200, "cost": 10,
                     "processes": {"make": {}, "make2": {"cost": 12, "max_share": 0.5}}}],
        stocks=[{"region": "B", "commodity": "m", "initial": 0, "capacity": 60,
                 "holding_cost": 2}],
        processes={"make": {"outputs": {"m": 1}}, "make2": {"outputs": {"m": 1}}},
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 5}],
        demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 60,
                  "priority": 1000}],
        policies=[{"type": "capacity_change", "id": "out", "facility": "a", "factor": 0,
                   "start": 2025, "end": 2025, "announced": 2025}])
    r = rareflow.from_mapping(data).solve()
    assert r.objective == approx(60_900)
    assert val(r.unserved, period="2024") == approx(0)
    assert val(r.stocks, period="2024") == approx(0)
    assert val(r.unserved, period="2025") == approx(60)


def test_a_fixed_period_has_the_price_of_the_stage_that_decided_it(approx):
    # Ban announced in 2025. Stage 0 (no ban) decides 2024: B is served from A at 10 + 5 = 15/t,
    # A's own price is its making cost 10/t. In the last stage every column of 2024 is fixed,
    # so its balance duals there could be anything; the prices shown for 2024 are stage 0's.
    # 2025 is decided by the last stage: no supply reaches B, so a tonne at B is worth the
    # unserved penalty, 1000/t.
    r = rareflow.from_mapping(prestock(announced=2025)).solve()
    assert val(r.prices, region="B", commodity="m", period="2024") == approx(15)
    assert val(r.prices, region="A", commodity="m", period="2024") == approx(10)
    assert val(r.prices, region="B", commodity="m", period="2025") == approx(1000)
    # However the last stage was started: solved cold, its own dual of B's 2024 balance is
    # whatever HiGHS's vertex gives (0 here), yet the price shown is still stage 0's 15.
    m = r.model
    cold = stages.for_model(m).solve(m.solver(), m.name, warm=False)
    prices = _prices(m, cold)
    assert val(prices, region="B", commodity="m", period="2024") == approx(15)
    assert val(prices, region="B", commodity="m", period="2025") == approx(1000)
    raw = m.build.balance_labels().assign(price=cold.row_dual[: m.frozen.n_balance])
    assert val(raw, region="B", commodity="m", period="2024") != approx(15)  # the defect fixed
