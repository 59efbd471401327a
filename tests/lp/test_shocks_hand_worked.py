"""What real shocks need (DESIGN, contract second part): period blocks, recipes sharing a
capacity, stock floors and final levels, demand tiers — on small networks whose optimum is
worked out by hand in the comments."""

import numpy as np
import pytest

import rareflow
from tests.conftest import chain
from tests.lp.test_hand_worked import val

MONTHS_H1 = {"start": "2025-01", "end": "2025-06", "step": "month"}


def outage(**stock):
    """Region A makes m (120 t/yr = 10 t/month, 10/t) and uses 60 t/yr (5 t/month, penalty
    1000/t); its plant is out in 2025-01 and 2025-02. A keeps a stock of m: 20 t at the start,
    capacity 30 t, holding 12/t·yr (1/t·month)."""
    return chain(
        periods=MONTHS_H1,
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 120, "cost": 10}],
        stocks=[{"region": "A", "commodity": "m", "initial": 20, "capacity": 30,
                 "holding_cost": 12, **stock}],
        demands=[{"region": "A", "commodity": "m", "sector": "s", "amount": 60,
                  "priority": 1000}],
        policies=[{"type": "capacity_change", "facility": "a", "factor": 0,
                   "start": "2025-01", "end": "2025-02"}],
    )


def test_two_month_outage_draws_the_stock_to_its_floor_and_refills_it(approx):
    # Floor 12 t, final ≥ initial (20 t). Nothing is made in Jan–Feb, so 20 − 12 = 8 t can be
    # drawn for the 10 t needed: Jan draws 5 (level 15), Feb draws 3 (level 12, the floor) and
    # 2 t go unserved. (Drawing in Jan first is cheaper: lower levels are held.) The plant
    # then refills the 8 t as late as it can, 5 t/month spare: Mar 5, Apr 5, May 8 (+3),
    # Jun 10 (+5). Levels 15, 12, 12, 12, 15, 20 → holding 86 × 1; made 28 × 10 = 280;
    # unserved 2 × 1000 = 2,000. Objective 2,366.
    r = rareflow.from_mapping(outage(minimum=12, final={"min": "initial"})).solve()
    assert r.objective == approx(2_366)
    st = r.stocks
    assert st["level"].tolist() == [approx(v) for v in (15, 12, 12, 12, 15, 20)]
    assert st["floor"].tolist() == [approx(12)] * 6
    assert st["draw"].tolist() == [approx(v) for v in (5, 3, 0, 0, -3, -5)]
    assert np.isnan(st["final"].iloc[0]) and st["final"].iloc[-1] == approx(20)
    assert r.unserved["amount"].tolist() == [approx(v) for v in (0, 2, 0, 0, 0, 0)]
    assert r.activity["amount"].tolist() == [approx(v) for v in (0, 0, 5, 5, 8, 10)]
    # the last tonne short in Feb is worth its penalty
    assert val(r.prices, period="2025-02") == approx(1000)
    said = " ".join(r.explain())
    assert "drawn down from 20 t to its floor of 12 t in 2025-02–2025-04" in said
    assert "refilled to 20 t by 2025-06" in said


def test_without_floor_or_final_level_the_stock_is_emptied_as_before(approx):
    # No floor and no final level: the stock covers Jan–Apr (levels 15, 10, 5, 0), nobody is
    # short, and the plant runs only in May–Jun. Holding 15 + 10 + 5 = 30; made 10 × 10 = 100.
    # Objective 130.
    r = rareflow.from_mapping(outage()).solve()
    assert r.objective == approx(130)
    assert r.stocks["level"].tolist() == [approx(v) for v in (15, 10, 5, 0, 0, 0)]
    assert r.unserved["amount"].sum() == approx(0)
    # a floor alone (no final level): the 2 t shortfall, then the stock stays at 12.
    # Holding 15 + 12·5 = 75; made 20 × 10 = 200; unserved 2,000. Objective 2,275.
    r = rareflow.from_mapping(outage(minimum=12)).solve()
    assert r.objective == approx(2_275)
    assert r.stocks["level"].iloc[-1] == approx(12)


def test_final_level_as_a_number_and_a_floor_that_starts_later(approx):
    # Floor 12 t only from 2025-03 (a reserve to rebuild), final ≥ 25 t. Jan–Feb draw 5 each
    # (levels 15, 10; nobody short). From March the plant has 5 t/month spare; holding is
    # cheapest with the levels as low as the floor and the final level allow: June 25, May
    # ≥ 20, April ≥ 15, March ≥ max(10, 12) = 12. Levels 15, 10, 12, 15, 20, 25 → holding 97;
    # made 7 + 8 + 10 + 10 = 35 t × 10 = 350. Objective 447.
    r = rareflow.from_mapping(outage(minimum={"2025-03": 12}, final={"min": 25})).solve()
    assert r.objective == approx(447)
    assert r.stocks["level"].tolist() == [approx(v) for v in (15, 10, 12, 15, 20, 25)]
    assert r.stocks["floor"].tolist() == [approx(v) for v in (0, 0, 12, 12, 12, 12)]


def tiered(**over):
    """B makes 90 t of m (1/t). Auto wants 100 t at 1000/t with two cheaper tiers: 10 % at
    50/t and 20 % at 200/t; wind wants 20 t at 100/t."""
    base = chain(
        periods=[2024],
        facilities=[{"id": "b", "region": "B", "process": "make", "capacity": 90, "cost": 1}],
        demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 100,
                  "priority": 1000, "tiers": [{"share": 0.1, "priority": 50},
                                              {"share": 0.2, "priority": 200}]},
                 {"region": "B", "commodity": "m", "sector": "wind", "amount": 20,
                  "priority": 100}],
    )
    base.update(over)
    return base


def test_the_cheapest_tier_is_cut_first(approx):
    # 120 t asked, 90 made: 30 t short. Cheapest first: auto's 50/t tier (10 t), then wind
    # (100/t, 20 t); auto's 200/t tier and its rest at 1000/t are served.
    # Objective 90 + 10·50 + 20·100 = 2,590. One more tonne would serve wind: price 100.
    r = rareflow.from_mapping(tiered()).solve()
    assert r.objective == approx(2_590)
    un = r.unserved  # one row per demand and period, the tiers summed
    assert len(un) == 2
    assert val(un, sector="auto") == approx(10) and val(un, sector="wind") == approx(20)
    assert val(un, sector="auto", period="2024") == approx(10)
    tiers = r.unserved_tiers[r.unserved_tiers["sector"] == "auto"].set_index("tier")
    assert tiers["amount"].to_dict() == {0: approx(0), 1: approx(10), 2: approx(0)}
    assert tiers["size"].to_dict() == {0: approx(70), 1: approx(10), 2: approx(20)}
    assert tiers["priority"].to_dict() == {0: 1000, 1: 50, 2: 200}
    assert val(r.prices, region="B") == approx(100)
    assert "gives up its lowest tier first in 2024: 10 t from the slice at 50 USD/t" in \
        " ".join(r.explain())


def test_a_deeper_shortfall_reaches_the_next_tier_and_the_dual_reads_as_its_price(approx):
    # Only 60 t made: 60 short → auto tier 1 (10 t at 50), wind (20 t at 100), auto tier 2
    # (20 t at 200), then 10 t of auto's rest at 1000. Objective 60 + 500 + 2,000 + 4,000
    # + 10,000 = 16,560; the marginal slice is the rest: price 1000. With 75 t made the last
    # tonne cut is in the 200/t tier (15 t of it short): objective 75 + 500 + 2,000 + 3,000
    # = 5,575, price 200 — the stepped demand curve.
    r = rareflow.from_mapping(tiered(facilities=[
        {"id": "b", "region": "B", "process": "make", "capacity": 60, "cost": 1}])).solve()
    assert r.objective == approx(16_560)
    assert val(r.unserved, sector="auto") == approx(40)
    assert val(r.prices, region="B") == approx(1000)
    r = rareflow.from_mapping(tiered(facilities=[
        {"id": "b", "region": "B", "process": "make", "capacity": 75, "cost": 1}])).solve()
    assert r.objective == approx(5_575)
    assert val(r.prices, region="B") == approx(200)
    t = r.unserved_tiers
    assert val(t[t["tier"] == 2], sector="auto") == approx(15)


def test_equal_priority_tier_slices_share_a_shortfall_pro_rata(approx):
    # Two demands (100 t and 50 t, 1000/t) each with a half at 50/t: slices of 50 t and 25 t
    # at 50/t. 120 t made → 30 t short, all in the 50/t slices, split 2:1 → 20 t and 10 t.
    r = rareflow.from_mapping(chain(
        periods=[2024],
        facilities=[{"id": "b", "region": "B", "process": "make", "capacity": 120}],
        demands=[{"region": "B", "commodity": "m", "sector": s, "amount": a, "priority": 1000,
                  "tiers": [{"share": 0.5, "priority": 50}]}
                 for s, a in (("auto", 100), ("wind", 50))],
    )).solve()
    assert r.objective == approx(30 * 50)
    assert val(r.unserved, sector="auto") == approx(20)
    assert val(r.unserved, sector="wind") == approx(10)


def thrift(dy: float, **magnets):
    """J mines dy (capacity `dy` t/yr) and nd (unbounded), and makes magnets with two recipes
    sharing 100 t/yr: std (0.04 t dy, 0.3 t nd per t; the plant's cost 10/t) and gbd
    (grain-boundary diffusion: 0.01 t dy; 30/t, at most half of the plant's output).
    Demand 100 t/yr at 1000/t."""
    return {
        "name": "thrift", "periods": [2024],
        "commodities": {"dy": {}, "nd": {}, "mag": {}}, "regions": {"J": {}},
        "processes": {"mine_dy": {"outputs": {"dy": 1}}, "mine_nd": {"outputs": {"nd": 1}},
                      "std": {"inputs": {"dy": 0.04, "nd": 0.3}, "outputs": {"mag": 1}},
                      "gbd": {"inputs": {"dy": 0.01, "nd": 0.3}, "outputs": {"mag": 1}}},
        "facilities": [
            {"id": "dymine", "region": "J", "process": "mine_dy", "capacity": dy},
            {"id": "ndmine", "region": "J", "process": "mine_nd", "capacity": ".inf"},
            {"id": "magnets", "region": "J", "capacity": 100, "cost": 10,
             "processes": {"std": {}, "gbd": {"cost": 30, "max_share": 0.5}}, **magnets}],
        "demands": [{"region": "J", "commodity": "mag", "sector": "auto", "amount": 100,
                     "priority": 1000}],
    }


def recipe(r, process):
    a = r.activity
    return float(a.loc[(a["facility"] == "magnets") & (a["process"] == process), "amount"].sum())


def test_a_thrifted_recipe_takes_over_under_a_dy_shortage_up_to_its_max_share(approx):
    # Plenty of dy (10 t): std only (10/t < 30/t), 100 t, 4 t of dy. Objective 100·10 = 1,000.
    r = rareflow.from_mapping(thrift(10)).solve()
    assert r.objective == approx(1_000)
    assert recipe(r, "std") == approx(100) and recipe(r, "gbd") == approx(0)
    # 2 t of dy: with total X and gbd g ≤ 0.5·X, dy 0.04(X − g) + 0.01·g ≤ 2 is loosest at
    # g = X/2: 0.025·X ≤ 2 → X = 80 (40 std + 40 gbd), 20 t short.
    # Objective 40·10 + 40·30 + 20·1000 = 21,600.
    r = rareflow.from_mapping(thrift(2)).solve()
    assert r.objective == approx(21_600)
    assert recipe(r, "std") == approx(40) and recipe(r, "gbd") == approx(40)
    assert val(r.unserved, sector="auto") == approx(20)
    said = " ".join(r.explain())
    assert "the 50% cap on recipe gbd at magnets" in said
    # without the share limit all 100 t are made, as much std as the 2 t of dy allow:
    # 0.04·s + 0.01·(100 − s) = 2 → s = 33⅓, gbd 66⅔. Objective 333⅓ + 2,000 = 2,333⅓.
    r = rareflow.from_mapping(thrift(2, processes={"std": {}, "gbd": {"cost": 30}})).solve()
    assert r.objective == approx(7_000 / 3)
    assert recipe(r, "gbd") == approx(200 / 3) and recipe(r, "std") == approx(100 / 3)


def test_recipes_share_the_capacity_must_run_and_a_capacity_change(approx):
    # Shared capacity: with plenty of dy and the std recipe dearer than gbd, gbd runs at its
    # 50 % share and std the rest; the sum never exceeds 100.
    r = rareflow.from_mapping(thrift(10, cost=40)).solve()
    assert recipe(r, "std") + recipe(r, "gbd") == approx(100)
    assert recipe(r, "gbd") == approx(50)
    # A derating to half: Σ recipes ≤ 50, so 50 t short; dy is plenty, so the cheaper std
    # recipe makes all 50. Objective 50·10 + 50·1000 = 50,500.
    half = thrift(10)
    half["policies"] = [{"type": "capacity_change", "facility": "magnets", "factor": 0.5}]
    r = rareflow.from_mapping(half).solve()
    assert r.objective == approx(50_500)
    assert recipe(r, "std") + recipe(r, "gbd") == approx(50)
    # an outage overrides a must-run minimum on the sum of the recipes
    out = thrift(10, minimum=80)
    out["policies"] = [{"type": "capacity_change", "facility": "magnets", "factor": 0}]
    r = rareflow.from_mapping(out).solve()
    assert recipe(r, "std") + recipe(r, "gbd") == approx(0)
    # the must-run minimum holds the sum up: demand 50, minimum 80 → 30 t must be discarded
    low = thrift(10, minimum=80)
    low["demands"][0]["amount"] = 50
    low["commodities"]["mag"] = {"disposal_cost": 1}
    r = rareflow.from_mapping(low).solve()
    assert recipe(r, "std") + recipe(r, "gbd") == approx(80)
    assert r.surplus["amount"].sum() == approx(30)


def test_tolling_reserves_the_shared_capacity_of_a_plant_with_recipes(approx):
    # B tolls 30 t/yr of m-making at A's plant (two recipes, 100 t/yr shared, ratio from the
    # plant's `tomag` recipe: 2 t ore per t m). A's own use may then take only 70 t.
    data = {
        "name": "toll", "periods": [2024],
        "commodities": {"ore": {}, "m": {}}, "regions": {"A": {}, "B": {}},
        "processes": {"tomag": {"inputs": {"ore": 2}, "outputs": {"m": 1}},
                      "tomag2": {"inputs": {"ore": 3}, "outputs": {"m": 1}},
                      "mine": {"outputs": {"ore": 1}}},
        "facilities": [{"id": "plant", "region": "A", "capacity": 100,
                        "processes": {"tomag": {}, "tomag2": {}}},
                       {"id": "mineA", "region": "A", "process": "mine", "capacity": ".inf"},
                       {"id": "mineB", "region": "B", "process": "mine", "capacity": ".inf"}],
        "demands": [{"region": "A", "commodity": "m", "sector": "s", "amount": 100,
                     "priority": 1000},
                    {"region": "B", "commodity": "m", "sector": "s", "amount": 30,
                     "priority": 1000}],
        "policies": [{"type": "tolling", "owner": "B", "partner": "A", "input": "ore",
                      "output": "m", "capacity": 30, "facility": "plant"}],
    }
    r = rareflow.from_mapping(data).solve()
    assert recipe_total(r, "plant") == approx(70)
    assert val(r.unserved, region="A") == approx(30)
    assert val(r.unserved, region="B") == approx(0)
    assert float(r.tolling["input_amount"].sum()) == approx(60)


def recipe_total(r, fac):
    a = r.activity
    return float(a.loc[a["facility"] == fac, "amount"].sum())


BLOCKS = [{"start": "2024-01", "end": "2024-12", "step": "month"},
          {"start": 2025, "end": 2026, "step": "year"}]


def blocks_scn(periods, earliest):
    """A makes m without limit (10/t); the route A→B carries 60 t/yr; B wants 120 t/yr at
    1000/t; B may build a plant (50 per t/yr, lead time 1 year, from `earliest`)."""
    return chain(
        periods=periods,
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": ".inf",
                     "cost": 10}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "capacity": 60}],
        demands=[{"region": "B", "commodity": "m", "sector": "s", "amount": 120,
                  "priority": 1000}],
        candidates=[{"id": "c", "region": "B", "process": "make", "capex": 50, "lead_time": 1,
                     "earliest": earliest}])


def test_a_block_horizon_scales_rates_by_length_and_builds_serve_across_the_boundary(approx):
    # Months of 2024, then 2025 and 2026. Per month: 5 t shipped (60/12), 10 t asked, 5 short;
    # per year: 60 shipped, 120 asked. A plant ordered in 2024-02 or later serves from
    # 2024-02 + 12 months = 2025-02, i.e. from the first period starting then or later: 2026.
    # So 2025 stays 60 t short; 60 t/yr are built once (capex 3,000) for 2026.
    # Objective: made 60·3 = 180 t × 10 = 1,800; capex 3,000; short 60 + 60 = 120 t × 1000
    # = 120,000. Total 124,800.
    r = rareflow.from_mapping(blocks_scn(BLOCKS, "2024-02")).solve()
    P = r.model.periods
    assert P.labels[:2] == ("2024-01", "2024-02") and P.labels[-2:] == ("2025", "2026")
    assert P.n == 14 and P.length.tolist() == [approx(1 / 12)] * 12 + [1.0, 1.0]
    assert r.objective == approx(124_800)
    un = r.unserved.set_index("period")
    assert un.loc["2024-05", "requested"] == approx(10) and un.loc["2025", "requested"] == \
        approx(120)
    assert un.loc["2024-05", "amount"] == approx(5)
    assert un.loc["2025", "amount"] == approx(60) and un.loc["2026", "amount"] == approx(0)
    fl = r.flows.set_index("period")["amount"]
    assert fl["2024-07"] == approx(5) and fl["2025"] == approx(60)
    b = r.builds[r.builds["amount"] > 1e-6]
    assert b["amount"].sum() == approx(60) and set(b["online"]) == {"2026"}
    # ordered in 2024-01, the plant is online in 2025: 2025 is served too (60,000 less)
    r = rareflow.from_mapping(blocks_scn(BLOCKS, "2024-01")).solve()
    assert r.objective == approx(64_800)
    assert r.builds.loc[r.builds["amount"] > 1e-6, "online"].tolist() == ["2025"]


def test_blocks_are_the_same_horizon_as_the_explicit_list_of_their_labels(approx):
    labels = [f"2024-{i:02d}" for i in range(1, 13)] + [2025, 2026]
    a = rareflow.from_mapping(blocks_scn(BLOCKS, "2024-02"))
    b = rareflow.from_mapping(blocks_scn(labels, "2024-02"))
    assert a.periods.labels == b.periods.labels
    fa, fb = a.frozen, b.frozen
    assert (fa.a != fb.a).nnz == 0
    for k in ("lb", "ub", "cost", "row_lb", "row_ub"):
        assert np.array_equal(getattr(fa, k), getattr(fb, k))
    assert a.solve().objective == approx(b.solve().objective)


def test_stocks_carry_across_the_block_boundary_and_holding_scales_by_length(approx):
    # B holds 30 t (holding 12/t·yr) and needs 24 t/yr (2 t/month) with no other supply, over
    # 2024-11, 2024-12 (months) then 2025 (a year). Months draw 2 each (levels 28, 26), 2025
    # draws 24 (level 2). Holding: (28 + 26)·12/12 + 2·12 = 78. Nobody short.
    r = rareflow.from_mapping(chain(
        periods=[{"start": "2024-11", "end": "2024-12", "step": "month"}, {"start": 2025,
                                                                          "end": 2025}],
        stocks=[{"region": "B", "commodity": "m", "initial": 30, "holding_cost": 12}],
        demands=[{"region": "B", "commodity": "m", "sector": "s", "amount": 24,
                  "priority": 1000}])).solve()
    assert r.stocks["level"].tolist() == [approx(28), approx(26), approx(2)]
    assert r.objective == approx(78)


def test_a_licence_share_of_a_month_reads_as_a_rate_in_the_following_year(approx):
    # A→B flows 5 t in 2024-12 (60 t/yr route); from 2025 (a year) a licence allows 50 % of
    # the previous period's flow: 50 % of 5 t/month is 30 t/yr, not 2.5 t.
    r = rareflow.from_mapping(chain(
        periods=[{"start": "2024-12", "end": "2024-12", "step": "month"}, {"start": 2025,
                                                                          "end": 2025}],
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": ".inf"}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "capacity": 60}],
        demands=[{"region": "B", "commodity": "m", "sector": "s", "amount": 60,
                  "priority": 1000}],
        policies=[{"type": "export_licence", "exporter": "A", "commodity": "m", "to": ["B"],
                   "share": 0.5, "rolling": True, "start": 2025}])).solve()
    fl = r.flows.set_index("period")["amount"]
    assert fl["2024-12"] == approx(5) and fl["2025"] == approx(30)


@pytest.mark.parametrize("form", ["process", "one-recipe"])
def test_a_single_recipe_builds_the_same_lp_as_a_process(form):
    fac = {"id": "magnets", "region": "J", "capacity": 100, "cost": 10, "minimum": 5}
    fac |= {"process": "std"} if form == "process" else {"processes": {"std": {}}}
    data = thrift(2)
    data["facilities"][2] = fac
    m = rareflow.from_mapping(data)
    ref = rareflow.from_mapping({**thrift(2), "facilities": [*thrift(2)["facilities"][:2], {
        "id": "magnets", "region": "J", "process": "std", "capacity": 100, "cost": 10,
        "minimum": 5}]})
    assert m.frozen.shape == ref.frozen.shape
    assert (m.frozen.a != ref.frozen.a).nnz == 0
    assert np.array_equal(m.frozen.lb, ref.frozen.lb) and np.array_equal(m.frozen.ub, ref.frozen.ub)
