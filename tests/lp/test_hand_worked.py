"""Small networks whose optimum is worked out by hand in the comments."""

import pytest

import rareflow
from tests.conftest import chain


def val(df, **match):
    for k, v in match.items():
        df = df[df[k] == v]
    col = "level" if "level" in df else ("price" if "price" in df else "amount")
    assert len(df) == 1, f"expected one row for {match}, got {len(df)}"
    return float(df[col].iloc[0])


def test_export_ban_shifts_supply_and_leaves_a_shortfall(approx):
    # A makes m at 10/t (cap 100), C at 30/t (cap 50); B needs 80/yr, penalty 1000/t.
    # 2024: A→B 80, cost 80·(10+5) = 1,200.  2025 (A→B banned): C→B 50 at 30+8 = 1,900,
    # unserved 30·1000 = 30,000.  Objective 33,100.  Price of m in B: 15 in 2024, 1000 in 2025.
    m = rareflow.from_mapping(chain(
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 100, "cost": 10},
                    {"id": "c", "region": "C", "process": "make", "capacity": 50, "cost": 30}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 5},
                {"from": "C", "to": "B", "commodity": "m", "cost": 8}],
        demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 80,
                  "priority": 1000}],
        policies=[{"type": "export_ban", "exporter": "A", "commodity": "m", "to": ["B"],
                   "start": 2025}],
    ))
    r = m.solve()
    assert r.objective == approx(33_100)
    assert val(r.flows, origin="A", period="2024") == approx(80)
    assert val(r.flows, origin="A", period="2025") == approx(0)
    assert val(r.flows, origin="C", period="2025") == approx(50)
    assert val(r.unserved, period="2025") == approx(30)
    assert val(r.unserved, period="2024") == approx(0)
    assert val(r.prices, region="B", commodity="m", period="2024") == approx(15)
    assert val(r.prices, region="B", commodity="m", period="2025") == approx(1000)
    assert val(r.prices, region="A", commodity="m", period="2024") == approx(10)


def test_export_ban_except_list_spares_the_named_destination(approx):
    # Ban from A to everyone except B: A→B still flows, A→C is shut.
    m = rareflow.from_mapping(chain(
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 100, "cost": 10}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 5},
                {"from": "A", "to": "C", "commodity": "m", "cost": 5}],
        demands=[{"region": "B", "commodity": "m", "sector": "s", "amount": 10, "priority": 99},
                 {"region": "C", "commodity": "m", "sector": "s", "amount": 10, "priority": 99}],
        policies=[{"type": "export_ban", "exporter": "A", "commodity": "m", "except": ["B"]}],
    ))
    r = m.solve()
    assert val(r.flows, destination="B", period="2025") == approx(10)
    assert val(r.flows, destination="C", period="2025") == approx(0)
    assert val(r.unserved, region="C", period="2024") == approx(10)
    # objective: 2 yrs × (10·15 served in B + 10·99 unserved in C) = 2·1,140
    assert r.objective == approx(2_280)


def test_agreement_breach_is_paid_when_cheaper_than_delivering(approx):
    # IND makes ox at 50/t (cap 150), needs 100 at home (penalty 200). JPN wants 40 (penalty 70).
    # Agreement: ≥ 60/yr IND→JPN, breach 30/t. Route cost 10.
    # Shipping a tonne costs 60 and saves 70 (JPN penalty) + 30 (breach) → ship JPN's 40;
    # JPN cannot absorb more (exact balance), so 20 t/yr are breached.
    # Per year: make 140·50 = 7,000, ship 40·10 = 400, breach 20·30 = 600 → 8,000; two years 16,000.
    # One more tonne of JPN demand: ship 1 more (+60) and breach 1 less (−30) → price 30.
    m = rareflow.from_mapping({
        "name": "agree", "periods": [2024, 2025],
        "commodities": {"ox": {}}, "regions": {"IND": {}, "JPN": {}},
        "processes": {"sep": {"outputs": {"ox": 1}}},
        "facilities": [{"id": "irel", "region": "IND", "process": "sep", "capacity": 150,
                        "cost": 50}],
        "routes": [{"from": "IND", "to": "JPN", "commodity": "ox", "cost": 10}],
        "demands": [{"region": "IND", "commodity": "ox", "sector": "home", "amount": 100,
                     "priority": 200},
                    {"region": "JPN", "commodity": "ox", "sector": "magnets", "amount": 40,
                     "priority": 70}],
        "policies": [{"type": "agreement", "id": "g2g", "exporter": "IND", "importer": "JPN",
                      "commodity": "ox", "min": 60, "breach_cost": 30}],
    })
    r = m.solve()
    assert r.objective == approx(16_000)
    assert val(r.flows, period="2024") == approx(40)
    b = r.breaches
    assert val(b[b.side == "min"], period="2024") == approx(20)
    assert val(r.prices, region="JPN", commodity="ox", period="2024") == approx(30)
    assert val(r.prices, region="IND", commodity="ox", period="2024") == approx(50)


def test_agreement_with_infinite_breach_cost_binds(approx):
    # Same but breach impossible and JPN may store the excess: 60 must go, 20 of it into stock.
    m = rareflow.from_mapping({
        "name": "agree-hard", "periods": [2024],
        "commodities": {"ox": {}}, "regions": {"IND": {}, "JPN": {}},
        "processes": {"sep": {"outputs": {"ox": 1}}},
        "facilities": [{"id": "irel", "region": "IND", "process": "sep", "capacity": 150,
                        "cost": 50}],
        "routes": [{"from": "IND", "to": "JPN", "commodity": "ox", "cost": 10}],
        "stocks": [{"region": "JPN", "commodity": "ox", "holding_cost": 1}],
        "demands": [{"region": "IND", "commodity": "ox", "sector": "home", "amount": 100,
                     "priority": 200},
                    {"region": "JPN", "commodity": "ox", "sector": "magnets", "amount": 40,
                     "priority": 70}],
        "policies": [{"type": "agreement", "exporter": "IND", "importer": "JPN",
                      "commodity": "ox", "min": 60, "breach_cost": ".inf"}],
    })
    r = m.solve()
    assert val(r.flows, period="2024") == approx(60)
    assert val(r.stocks, period="2024") == approx(20)
    # 150·50 production... no: 160 needed but cap 150 → IND short 10 (200/t).
    # make 150·50 = 7,500; ship 60·10 = 600; hold 20·1 = 20; IND unserved 10·200 = 2,000.
    assert r.objective == approx(10_120)
    assert val(r.unserved, region="IND") == approx(10)


def test_stock_drawdown_then_shortfall_then_new_capacity(approx):
    # J holds 100 t (holding 1/t·yr); needs 60/yr (penalty 1000); its plant (10/t) opens in 2026.
    # 2024: draw 60 → 40 left (holding 40).  2025: draw 40 → 0, unserved 20.  2026: make 60.
    # Objective 40 + 20,000 + 600 = 20,640.
    # Price 2024: one more tonne then means one fewer in 2025 (1000) but 1 less holding → 999.
    m = rareflow.from_mapping({
        "name": "stock", "periods": {"start": 2024, "end": 2026},
        "commodities": {"m": {}}, "regions": {"J": {}},
        "processes": {"make": {"outputs": {"m": 1}}},
        "facilities": [{"id": "p", "region": "J", "process": "make",
                        "capacity": {2026: 100}, "cost": 10}],
        "stocks": [{"region": "J", "commodity": "m", "initial": 100, "capacity": 200,
                    "holding_cost": 1}],
        "demands": [{"region": "J", "commodity": "m", "sector": "s", "amount": 60,
                     "priority": 1000}],
    })
    r = m.solve()
    assert r.objective == approx(20_640)
    assert val(r.stocks, period="2024") == approx(40)
    assert val(r.stocks, period="2025") == approx(0)
    assert val(r.unserved, period="2025") == approx(20)
    assert val(r.activity, period="2026") == approx(60)
    assert val(r.prices, period="2024") == approx(999)
    assert val(r.prices, period="2025") == approx(1000)
    assert val(r.prices, period="2026") == approx(10)


def test_capacity_series_holds_from_each_key_on(approx):
    # Capacity 50/yr from 2024, 120/yr from 2026; demand 100/yr (penalty 500); cost 7.
    # Made 50, 50, 100, 100 → 2,100; unserved 50 + 50 → 50,000.  Objective 52,100.
    m = rareflow.from_mapping({
        "name": "cap", "periods": {"start": 2024, "end": 2027},
        "commodities": {"m": {}}, "regions": {"J": {}},
        "processes": {"make": {"outputs": {"m": 1}}},
        "facilities": [{"id": "p", "region": "J", "process": "make",
                        "capacity": {2024: 50, 2026: 120}, "cost": 7}],
        "demands": [{"region": "J", "commodity": "m", "sector": "s", "amount": 100,
                     "priority": 500}],
    })
    r = m.solve()
    assert r.objective == approx(52_100)
    assert [val(r.activity, period=p) for p in ("2024", "2025", "2026", "2027")] == \
        [approx(50), approx(50), approx(100), approx(100)]
    assert val(r.prices, period="2025") == approx(500)
    assert val(r.prices, period="2027") == approx(7)


def test_quarterly_periods_scale_yearly_rates(approx):
    # Same plant at quarterly resolution in 2024: capacity 50/yr = 12.5 per quarter,
    # demand 100/yr = 25 per quarter → 12.5 unserved each quarter; objective = yearly 2024 part
    # 50·7 + 50·500 = 25,350.
    m = rareflow.from_mapping({
        "name": "cap-q", "periods": {"start": 2024, "end": 2024, "step": "quarter"},
        "commodities": {"m": {}}, "regions": {"J": {}},
        "processes": {"make": {"outputs": {"m": 1}}},
        "facilities": [{"id": "p", "region": "J", "process": "make", "capacity": 50,
                        "cost": 7}],
        "demands": [{"region": "J", "commodity": "m", "sector": "s", "amount": 100,
                     "priority": 500}],
    })
    r = m.solve()
    assert list(r.activity["period"]) == ["2024Q1", "2024Q2", "2024Q3", "2024Q4"]
    assert r.activity["amount"].tolist() == [approx(12.5)] * 4
    assert r.unserved["amount"].tolist() == [approx(12.5)] * 4
    assert r.objective == approx(25_350)


def test_candidate_built_once_with_lead_time(approx):
    # I needs 100/yr 2024–2029 (penalty 1000); imports cost 800/t; a plant may be built from 2025
    # (capex 2000 per t/yr, lead 2 yrs, max 80, run cost 5). Built in 2025 it serves 2027–29:
    # saving 3·(800−5) = 2,385 > 2,000 per t/yr → build 80 in 2025 (2026 would save only 1,590).
    # Imports 300 + 60 t at 800 = 288,000; made 240·5 = 1,200; capex 160,000 → 449,200.
    m = rareflow.from_mapping({
        "name": "build", "periods": {"start": 2024, "end": 2029},
        "commodities": {"m": {}}, "regions": {"I": {}, "X": {}},
        "processes": {"make": {"outputs": {"m": 1}}},
        "facilities": [{"id": "x", "region": "X", "process": "make", "capacity": ".inf"}],
        "routes": [{"from": "X", "to": "I", "commodity": "m", "cost": 800}],
        "demands": [{"region": "I", "commodity": "m", "sector": "s", "amount": 100,
                     "priority": 1000}],
        "candidates": [{"id": "plant", "region": "I", "process": "make", "capex": 2000,
                        "lead_time": 2, "max_capacity": 80, "earliest": 2025, "cost": 5}],
    })
    r = m.solve()
    assert r.objective == approx(449_200)
    b = r.builds[r.builds.amount > 0]
    assert b[["period", "amount", "online"]].values.tolist() == [["2025", approx(80), "2027"]]
    act = r.activity[r.activity.facility == "plant"]
    assert act["amount"].tolist() == [0, 0, 0, approx(80), approx(80), approx(80)]
    assert val(r.prices, region="I", period="2028") == approx(800)


def test_discounting_and_undiscounted_prices(approx):
    # One period in 2025 after a first period 2024, r = 10 %: a cost of 100 in 2025 counts 100/1.1.
    m = rareflow.from_mapping({
        "name": "disc", "periods": [2024, 2025], "discount_rate": 0.1,
        "commodities": {"m": {}}, "regions": {"J": {}},
        "processes": {"make": {"outputs": {"m": 1}}},
        "facilities": [{"id": "p", "region": "J", "process": "make", "capacity": 10,
                        "cost": 100}],
        "demands": [{"region": "J", "commodity": "m", "sector": "s", "amount": {2025: 1},
                     "priority": 1000}],
    })
    r = m.solve()
    assert r.objective == approx(100 / 1.1)
    assert val(r.prices, period="2025") == approx(100)


def test_design_example_toy_numbers(approx):
    # DESIGN's example: India mines but has no separation or magnet plant, Japan none either,
    # so Japan's 800 t/yr go unserved (penalty 100,000) for 7 years; the agreement's 150 t/yr
    # cannot be met (breach 5,000); Japan's 500 t of oxide sit in stock (holding 5/t·yr).
    # 7·800·100,000 + 7·150·5,000 + 7·500·5 = 560,000,000 + 5,250,000 + 17,500.
    r = rareflow.load("toy").solve()
    assert r.objective == approx(565_267_500)
    assert r.unserved["amount"].sum() == approx(5_600)
    assert r.stocks["level"].tolist() == [approx(500)] * 7


def test_disposal_lets_a_coproduct_be_discarded(approx):
    # Separation of 100 ore gives 20 ndpr and 80 lace; lace has no buyer but disposal_cost 1.
    m = rareflow.from_mapping({
        "name": "disp", "periods": [2024],
        "commodities": {"ore": {}, "ndpr": {}, "lace": {"disposal_cost": 1}},
        "regions": {"J": {}},
        "processes": {"mine": {"outputs": {"ore": 1}},
                      "sep": {"inputs": {"ore": 1}, "outputs": {"ndpr": 0.2, "lace": 0.8}}},
        "facilities": [{"id": "mine", "region": "J", "process": "mine", "capacity": 1000,
                        "cost": 2},
                       {"id": "sep", "region": "J", "process": "sep", "capacity": 1000,
                        "cost": 3}],
        "demands": [{"region": "J", "commodity": "ndpr", "sector": "s", "amount": 20,
                     "priority": 10_000}],
    })
    r = m.solve()
    # 100 ore (200) + separation 100·3 (300) + 80 lace discarded (80) = 580; ndpr price 29 = (2+3+0.8)/0.2
    assert r.objective == approx(580)
    assert val(r.surplus, commodity="lace") == approx(80)
    assert val(r.prices, commodity="ndpr") == approx(29)


def test_unsatisfiable_scenario_names_the_conflict():
    # A must-run mine whose ore has nowhere to go: no consumer, no stock, no disposal_cost.
    m = rareflow.from_mapping({
        "name": "stuck", "periods": [2024],
        "commodities": {"ore": {}}, "regions": {"J": {}},
        "processes": {"mine": {"outputs": {"ore": 1}}},
        "facilities": [{"id": "mine", "region": "J", "process": "mine", "capacity": 10,
                        "minimum": 10}],
    })
    with pytest.raises(rareflow.SolveError) as e:
        m.solve()
    text = str(e.value)
    assert "cannot be satisfied" in text
    assert "ore in J in 2024" in text
    assert "disposal_cost" in text
