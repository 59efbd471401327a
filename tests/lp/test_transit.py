"""no_transit: a ban bypassed through a third country, and blocked; worked out by hand."""

import pytest

import rareflow
from tests.conftest import chain
from tests.lp.test_hand_worked import val


def bypass(policy: dict, c_demand: float = 10):
    """A makes m at 10/t (cap 100/yr); C (the third country) at 30/t (cap 20/yr).
    Routes A→B 5, A→C 2, C→B 2. B needs 50/yr, C needs `c_demand`/yr (penalty 1000/t)."""
    return chain(
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 100, "cost": 10},
                    {"id": "c", "region": "C", "process": "make", "capacity": 20, "cost": 30}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 5},
                {"from": "A", "to": "C", "commodity": "m", "cost": 2},
                {"from": "C", "to": "B", "commodity": "m", "cost": 2}],
        demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 50,
                  "priority": 1000},
                 {"region": "C", "commodity": "m", "sector": "auto", "amount": c_demand,
                  "priority": 1000}],
        policies=[{"id": "ban", "exporter": "A", "commodity": "m", "to": ["B"], **policy}])


BAN = {"type": "export_ban"}


def test_without_no_transit_the_ban_is_bypassed_through_the_third_country(approx):
    # A→C carries 60 (10 used in C, 50 re-exported to B) at 10 + 2 (+ 2 to B): per year
    # 60·12 + 50·2 = 820, C's own plant (32/t delivered) idle. Two years: 1,640.
    r = rareflow.from_mapping(bypass(BAN)).solve()
    assert r.objective == approx(1_640)
    assert val(r.flows, origin="A", destination="C", period="2024") == approx(60)
    assert val(r.flows, origin="C", destination="B", period="2024") == approx(50)
    assert r.unserved["amount"].sum() == approx(0)
    assert len(r.transit) == 0


def test_no_transit_blocks_the_bypass_and_the_third_country_still_sends_its_own(approx):
    # C may send B only what it makes (≤ 20) plus imports from others than A (none):
    # C makes 20 → B (20·32 = 640), A → C 10 for C's own demand (10·12 = 120), B short 30
    # (30,000). Per year 30,760; two years 61,520.
    r = rareflow.from_mapping(bypass({**BAN, "no_transit": True})).solve()
    assert r.objective == approx(61_520)
    assert val(r.flows, origin="C", destination="B", period="2025") == approx(20)
    assert val(r.flows, origin="A", destination="C", period="2025") == approx(10)
    assert val(r.activity, facility="c", period="2025") == approx(20)
    assert val(r.unserved, region="B", period="2025") == approx(30)
    t = r.transit
    assert list(t["region"]) == ["C", "C"] and list(t["period"]) == ["2024", "2025"]
    assert t["re_exported"].tolist() == [approx(20), approx(20)]
    assert t["allowed"].tolist() == [approx(20), approx(20)]
    # one more tonne let through serves a tonne of B (1000) for A's 10 + 2 + 2 instead: 986
    assert abs(t["dual"]).tolist() == [approx(986), approx(986)]
    assert t["binding"].all()
    text = "\n".join(r.explain())
    assert "A's m cannot be re-exported to B through C: the no-transit rule of export_ban 'ban' " \
        "binds in 2024–2025" in text


@pytest.mark.parametrize("policy", [
    {"type": "export_quota", "cap": 0},
    {"type": "export_licence", "cap": 0},
])
def test_quota_and_licence_take_no_transit_too(policy, approx):
    # A cap of 0 on A→B is the ban of the test above: the same answer with and without transit.
    free = rareflow.from_mapping(bypass(policy)).solve()
    assert free.objective == approx(1_640)
    blocked = rareflow.from_mapping(bypass({**policy, "no_transit": True})).solve()
    assert blocked.objective == approx(61_520)


def test_a_stock_cannot_launder_the_exporters_material(approx):
    # C has 40 t in stock at the start and no plant; A→B banned with no_transit. C's stock
    # draws do not count as its own output: nothing may go C→B, B is short 50/yr.
    data = bypass({**BAN, "no_transit": True}, c_demand=0)
    data["facilities"] = data["facilities"][:1]
    data["stocks"] = [{"region": "C", "commodity": "m", "initial": 40}]
    data["commodities"] = {"m": {"unit": "t", "disposal_cost": 0}}
    r = rareflow.from_mapping(data).solve()
    assert r.flows[r.flows["origin"] == "C"]["amount"].sum() == approx(0)
    assert r.unserved["amount"].sum() == approx(100)


def test_a_list_of_commodities_gets_one_row_each():
    data = bypass({**BAN, "no_transit": True, "commodity": ["m", "n"]})
    data["commodities"]["n"] = {"unit": "t"}
    data["routes"].append({"from": "C", "to": "B", "commodity": "n"})
    data["routes"].append({"from": "A", "to": "C", "commodity": "n"})
    m = rareflow.from_mapping(data)
    spans = [sp for sp in m.build.lp.rows if sp.kind == "no_transit"]
    assert sorted(set(spans[0].labels["commodity"]) | set(spans[1].labels["commodity"])) == \
        ["m", "n"]
    assert sum(len(sp) for sp in spans) == 4  # C × {m, n} × 2 periods
