"""Each trade policy on a small network solved by hand.

Network: A makes m at 10/t (cap 100), C at 30/t (cap 100); B needs 80/yr (penalty 1000/t);
routes A→B (5/t) and C→B (8/t). Unconstrained: A→B 80 each year, cost 1,200/yr.
"""

import pytest

import rareflow
from tests.conftest import chain
from tests.lp.test_hand_worked import val


def world(policies, periods=(2024, 2025), **extra):
    return rareflow.from_mapping(chain(
        periods=list(periods),
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 100, "cost": 10},
                    {"id": "c", "region": "C", "process": "make", "capacity": 100, "cost": 30}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 5},
                {"from": "C", "to": "B", "commodity": "m", "cost": 8}],
        demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 80,
                  "priority": 1000}],
        policies=policies, **extra)).solve()


def test_export_quota_caps_the_sum_and_prices_the_rest(approx):
    # A may export 50/yr from 2025: 2025 takes 50 from A (15) and 30 from C (38).
    # Objective 1,200 + 50·15 + 30·38 = 3,090.  B's price in 2025 = 38 (C is marginal).
    r = world([{"type": "export_quota", "exporter": "A", "commodity": "m", "cap": 50,
                "start": 2025}])
    assert val(r.flows, origin="A", period="2025") == approx(50)
    assert val(r.flows, origin="C", period="2025") == approx(30)
    assert r.objective == approx(3_090)
    assert val(r.prices, region="B", period="2025") == approx(38)


def test_tariff_above_the_cost_gap_switches_supplier(approx):
    # A 24/t tariff on A→B makes A's landed cost 39 > C's 38: all of B's 80 come from C in 2025.
    r = world([{"type": "tariff", "exporter": "A", "importer": "B", "commodity": "m",
                "rate": 24, "start": 2025}])
    assert val(r.flows, origin="C", period="2025") == approx(80)
    assert r.objective == approx(1_200 + 80 * 38)
    # A 20/t tariff keeps A cheaper (35 < 38): A still ships, and pays it.
    r = world([{"type": "tariff", "exporter": "A", "commodity": "m", "rate": 20, "start": 2025}])
    assert val(r.flows, origin="A", period="2025") == approx(80)
    assert r.objective == approx(1_200 + 80 * 35)


def test_export_licence_share_of_reference_year(approx):
    # Licences for 30 % of the 2024 flow to B: 2024 ships 80, so 2025 may ship 24 from A;
    # C supplies 56.  Objective 1,200 + 24·15 + 56·38 = 3,688.
    r = world([{"type": "export_licence", "exporter": "A", "commodity": "m", "share": 0.3,
                "start": 2025}])
    assert val(r.flows, origin="A", period="2025") == approx(24)
    assert val(r.flows, origin="C", period="2025") == approx(56)
    assert r.objective == approx(3_688)


def test_export_licence_rolling_share_compounds(approx):
    # Rolling 50 %: 2024 80 → 2025 ≤ 40 → 2026 ≤ 20 from A; C fills 40 then 60.
    r = world([{"type": "export_licence", "exporter": "A", "commodity": "m", "share": 0.5,
                "rolling": True, "start": 2025}], periods=(2024, 2025, 2026))
    assert [val(r.flows, origin="A", period=p) for p in ("2024", "2025", "2026")] == \
        [approx(80), approx(40), approx(20)]


def test_export_licence_fixed_cap_per_destination(approx):
    r = world([{"type": "export_licence", "exporter": "A", "commodity": "m", "cap": 10}])
    assert val(r.flows, origin="A", period="2024") == approx(10)
    assert val(r.flows, origin="C", period="2024") == approx(70)


def test_export_licence_reference_outside_horizon_is_an_error():
    with pytest.raises(rareflow.ScenarioError) as e:
        world([{"type": "export_licence", "exporter": "A", "commodity": "m", "share": 0.3}])
    p = e.value.problems[0]
    assert p.path == "policies[0].reference" and "use 'cap'" in p.fix


def test_export_licence_needs_share_or_cap():
    with pytest.raises(rareflow.ScenarioError) as e:
        world([{"type": "export_licence", "exporter": "A", "commodity": "m"}])
    assert "exactly one of 'share'" in e.value.problems[0].message


def test_capacity_change_outage_and_expansion(approx):
    # A out in 2025 (factor 0): C serves 80 at 38.  Then expansion of C to 40 only: short 40.
    r = world([{"type": "capacity_change", "facility": "a", "factor": 0, "start": 2025,
                "end": 2025}])
    assert val(r.activity, facility="a", period="2025") == approx(0)
    assert val(r.flows, origin="C", period="2025") == approx(80)
    r = world([{"type": "capacity_change", "facility": "a", "factor": 0},
               {"type": "capacity_change", "facility": "c", "capacity": 40}])
    assert val(r.unserved, period="2024") == approx(40)
    assert r.objective == approx(2 * (40 * 38 + 40 * 1000))


def test_capacity_change_unknown_facility_is_named():
    with pytest.raises(rareflow.ScenarioError) as e:
        world([{"type": "capacity_change", "facility": "zz", "factor": 0}])
    p = e.value.problems[0]
    assert p.path == "policies[0].facility" and "a, c" in p.fix


def test_tolling_converts_owner_material_at_reserved_capacity(approx):
    # I owns oxide (makes up to 100 t at 40/t) and needs 50 t magnets (penalty 1000) but has no
    # magnet plant. Partner P converts 0.33 t oxide → 1 t magnet for a fee of 100/t, up to 30 t/yr.
    # Per year: 30 t magnets tolled (9.9 t oxide at 40 = 396, fee 3,000), 20 t unserved (20,000).
    m = rareflow.from_mapping({
        "name": "toll", "periods": [2024],
        "commodities": {"ox": {}, "mag": {}}, "regions": {"I": {}, "P": {}},
        "processes": {"sep": {"outputs": {"ox": 1}},
                      "magnets": {"inputs": {"ox": 0.33}, "outputs": {"mag": 1}}},
        "facilities": [{"id": "irel", "region": "I", "process": "sep", "capacity": 100,
                        "cost": 40},
                       {"id": "p-mag", "region": "P", "process": "magnets", "capacity": 100}],
        "demands": [{"region": "I", "commodity": "mag", "sector": "auto", "amount": 50,
                     "priority": 1000},
                    {"region": "P", "commodity": "mag", "sector": "auto", "amount": 100,
                     "priority": 1000}],
        "routes": [{"from": "I", "to": "P", "commodity": "ox"}],
        "policies": [{"type": "tolling", "owner": "I", "partner": "P", "input": "ox",
                      "output": "mag", "capacity": 30, "fee": 100, "facility": "p-mag"}],
    })
    r = m.solve()
    tolled = r.model.build.lp.cols[-1]
    assert tolled.kind == "tolled"
    assert r.solution.x[tolled.start] == approx(30)
    assert val(r.unserved, region="I") == approx(20)
    # P's plant keeps 70 t/yr: it makes 70 from 23.1 t of I's oxide, 30 of P's demand unserved.
    assert val(r.activity, facility="p-mag") == approx(70)
    assert val(r.unserved, region="P") == approx(30)
    # 33 t oxide (9.9 + 23.1) at 40 = 1,320; fee 3,000; unserved (20 + 30)·1000 = 50,000
    assert r.objective == approx(54_320)
    # in words: 9.9 t of oxide sent, 30 t of magnets back, 30 of I's 50 t use = 60 %
    from rareflow.analyze import tolling_sentences

    assert tolling_sentences(r) == ["I has 9.9 t of ox made into 30 t of mag in P ('tolling-1') "
                                    "over 2024: 60% of its mag use in those years."]
