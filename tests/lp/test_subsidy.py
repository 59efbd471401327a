"""subsidy: a payment per unit of activity, with and without a budget; worked out by hand."""

import rareflow
from tests.conftest import chain
from tests.lp.test_hand_worked import val


def subsidised(**policy):
    """B needs 50/yr (penalty 1000). A makes at 10 + route 5 = 15/t delivered; C at 30 + 2 =
    32/t. A subsidy of 20 per unit of C's `make` brings C down to 12/t. Discount rate 10 %."""
    return chain(
        discount_rate=0.1,
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 100, "cost": 10},
                    {"id": "c", "region": "C", "process": "make", "capacity": 100, "cost": 30}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 5},
                {"from": "C", "to": "B", "commodity": "m", "cost": 2}],
        demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 50,
                  "priority": 1000}],
        policies=[{"type": "subsidy", "id": "pli", "region": "C", "process": "make",
                   "amount": 20, **policy}])


def test_subsidy_without_budget_moves_all_supply(approx):
    # C supplies all 50/yr at 12/t: 600 in 2024, 600/1.1 in 2025 → 1,145.45…
    r = rareflow.from_mapping(subsidised()).solve()
    assert r.objective == approx(600 + 600 / 1.1)
    assert val(r.activity, facility="c", period="2025") == approx(50)
    s = r.subsidies
    assert s["paid"].tolist() == [approx(1000), approx(1000)]
    assert s["budget"].isna().all()
    costs = dict(zip(r.costs["term"], r.costs["amount"], strict=True))
    assert costs["subsidy"] == approx(-(1000 + 1000 / 1.1))
    assert costs["operating"] == approx(1500 + 1500 / 1.1)  # C's 30/t, before the subsidy


def test_a_budget_that_binds_pays_for_the_earliest_units_only(approx):
    # Budget 1,000 = 50 subsidised units over the window. A subsidised unit saves 15 − 12 = 3
    # per tonne, worth more in 2024 (undiscounted) than in 2025 (÷1.1): the budget goes to
    # 2024's 50 t; 2025 comes from A at 15. Objective 50·32 − 1,000 + 50·15/1.1 = 1,281.82.
    r = rareflow.from_mapping(subsidised(budget=1000)).solve()
    assert r.objective == approx(600 + 750 / 1.1)
    assert val(r.activity, facility="c", period="2024") == approx(50)
    assert val(r.activity, facility="c", period="2025") == approx(0)
    s = r.subsidies
    assert s["paid"].tolist() == [approx(1000), approx(0)]
    assert s["budget_left"].tolist() == [approx(0), approx(0)]
    text = "\n".join(r.explain())
    assert "The subsidy 'pli' for make in C spends its whole budget of 1,000 USD by 2024" in text
    # the subsidy's accounting rows never show as a limit
    assert not any("subsidy" in c for c in r.explain_table()["constraint"])


def test_a_budget_larger_than_needed_does_not_bind(approx):
    r = rareflow.from_mapping(subsidised(budget=1e6)).solve()
    assert r.objective == approx(600 + 600 / 1.1)
    assert not any("budget" in s for s in r.explain())


def test_subsidy_window_and_candidates(approx):
    # A candidate in C (no capex) earns the subsidy in 2025 only: 2024 from A (750),
    # 2025 from the candidate at 12/t (600/1.1).
    data = subsidised(start=2025)
    data["facilities"] = data["facilities"][:1]
    data["candidates"] = [{"id": "new-c", "region": "C", "process": "make", "cost": 30}]
    r = rareflow.from_mapping(data).solve()
    assert r.objective == approx(750 + 600 / 1.1)
    assert list(r.subsidies["period"]) == ["2025"]
