"""Sampled events are surprises: a sample's plan before the event's start is the base plan."""

import dataclasses

import pytest

import rareflow
from rareflow.sweep.kernel import Kernel
from rareflow.sweep.plan import compile_plan
from tests.sweep.helpers import stocked_ban


def ban_world() -> dict:
    """A makes up to 100 t/yr (cost 1) and ships to B (cost 1), whose demand is 60 t/yr
    (penalty 1000). B may hold stock (capacity 200, holding cost 1 per t per year, none at the
    start). A ban on A→B is certain in 2025, for the whole year (onset at the period's start).

    With foresight the LP pre-stocks: 2024 makes 100, serves 60 and stores 40, so 2025 is short
    60 − 40 = 20 t (holding 40 costs 40, far below 40 × 1000 of shortfall). Unannounced, 2024 is
    the base plan — no stock, for stock costs and buys nothing without the ban — so 2025 is
    short all 60 t. 2026: the ban is over, all served."""
    return stocked_ban("ban-surprise", [2024, 2025, 2026], 2025)


def test_a_certain_ban_is_not_pre_stocked_for_in_the_sample():
    plan = compile_plan(rareflow.from_mapping(ban_world()))
    rec = Kernel(plan).solve_sample(0, 0)
    assert rec["events"].tolist() == [1]
    assert rec["unserved"].sum() == pytest.approx(60.0, abs=1e-6)  # all of 2025, no stock
    # the same sample with foresight (nothing held): the LP stores 40 t in 2024, short 20 t
    seen = Kernel(dataclasses.replace(plan, base_x=None)).solve_sample(0, 0)
    assert seen["unserved"].sum() == pytest.approx(20.0, abs=1e-6)
    # and the deterministic run with the ban as a policy (perfect foresight) agrees with that
    w = ban_world()
    del w["uncertainty"]
    w["policies"] = [{"id": "ban", "type": "export_ban", "exporter": "A", "commodity": "m",
                      "to": ["B"], "start": 2025, "end": 2025}]
    r = rareflow.from_mapping(w).solve()
    assert r.total_unserved() == pytest.approx(20.0, abs=1e-6)


def test_the_held_past_is_released_for_the_next_sample():
    """Sample order must not matter: a kernel that solved the ban sample first gives the
    no-event answer (0 t short) on a plan without the event, bit for bit like a fresh one."""
    plan = compile_plan(rareflow.from_mapping(ban_world()))
    k = Kernel(plan)
    first = k.solve_sample(0, 0)
    again = k.solve_sample(0, 0)
    assert again["objective"] == first["objective"]
    k._hold_past(0)
    k._apply(plan.t_lb.copy(), plan.t_ub.copy(), None)
    sol = k._solve()
    assert sol.objective == pytest.approx(plan.base_objective, rel=1e-12)


def announced_world() -> dict:
    """The ban world with the 2025 ban as a *policy* announced at its start (a surprise to the
    plan), and a sampled event that can never happen (probability 0) so that the sweep has an
    uncertainty block but every sample is the base plan.

    Staged as `run` solves it: stage 0 (2024) knows no ban, so stores nothing; 2025 is short
    all 60 t. With foresight the LP would store 40 t in 2024 and be short 20 t. The sweep's
    base plan must be the staged one: 60 t short, 2024's stock empty."""
    w = ban_world()
    w["policies"] = [{"id": "ban", "type": "export_ban", "exporter": "A", "commodity": "m",
                      "to": ["B"], "start": 2025, "end": 2025, "announced": 2025}]
    w["uncertainty"]["events"][0].update(probability=0.0, start=2026, end=2026)
    return w


def test_the_base_plan_of_an_announced_measure_is_the_staged_answer():
    m = rareflow.from_mapping(announced_world())
    r = m.solve()
    assert r.total_unserved() == pytest.approx(60.0, abs=1e-6)  # staged: no pre-stocking
    plan = compile_plan(m)
    assert plan.base_objective == pytest.approx(r.objective, rel=1e-9)
    assert plan.base_unserved.sum() == pytest.approx(60.0, abs=1e-6)
    rec = Kernel(plan).solve_sample(0, 0)  # no event: the sample is the base plan
    assert rec["events"].tolist() == [0]
    assert rec["unserved"].sum() == pytest.approx(60.0, abs=1e-6)
