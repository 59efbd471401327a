"""A what-if that changes nothing says so: each changed capacity is checked in the solution.

Hand-worked network (tests/conftest.py `chain`): B asks 150 t/yr of m in 2024 and 2025; A makes
it at 10 USD/t with capacity 100 t/yr, C at 50 USD/t with capacity 1,000 t/yr, routes free.
The optimum runs A full (100, binding) and C at 50.
- A raised to 120: A runs 120 — the new capacity binds, C falls to 30.
- C raised to 2,000: C still runs 50 — never binds, and the answer is the base's exactly.
- A raised to 200: A runs 150 — the new capacity does not bind, but A runs past its old 100,
  so the answer changed and "Nothing changes" must not be said.
Routes and stocks (a store of m in B, capacity 500, holding 1 USD/t per year, so it stays
empty):
- route A→B capped at 80 (was unbounded): A's cheap 100 no longer all reaches B, so the route
  carries 80, binding, and C makes 70;
- route C→B must carry 60 (was 0): C is the dear one, so it carries exactly 60 — binds;
- the store must hold 20 t at each period's end: 20 more in 2024, then it holds 20 — binds;
- the store's capacity lowered to 300 t: it holds 0, never binds, the answer is the base's.
"""

import os
import subprocess
import sys

import pytest
import yaml

import rareflow
from tests.conftest import chain


def _write(path, **extra):
    """The hand-worked network (module doc) as a file, with `extra` blocks (e.g. stocks)."""
    doc = chain(
        facilities=[{"id": "fa", "region": "A", "process": "make", "capacity": 100, "cost": 10},
                    {"id": "fc", "region": "C", "process": "make", "capacity": 1000, "cost": 50}],
        routes=[{"from": "A", "to": "B", "commodity": "m"},
                {"from": "C", "to": "B", "commodity": "m"}],
        demands=[{"region": "B", "commodity": "m", "sector": "s", "amount": 150,
                  "priority": 100000}], **extra)
    path.write_text(yaml.safe_dump(doc))
    return path


@pytest.fixture
def base_file(tmp_path):
    return _write(tmp_path / "base.yaml")


def _activity(r, fac):
    a = r.activity
    return a[a["facility"] == fac].set_index("period")["amount"].to_dict()


def test_a_raised_capacity_that_binds(base_file):
    r = rareflow.load(base_file, overrides={"facilities": [{"id": "fa", "capacity": 120}]}).solve()
    assert _activity(r, "fa") == pytest.approx({"2024": 120, "2025": 120})
    assert r.bound_check() == ["The capacity you raised binds: fa runs at its capacity of "
                               "120 t/yr in 2024–2025."]


def test_a_raised_capacity_that_never_binds_and_changes_nothing(base_file):
    base = rareflow.load(base_file).solve()
    r = rareflow.load(base_file, overrides={"facilities": [{"id": "fc", "capacity": 2000}]}).solve()
    assert _activity(r, "fc") == pytest.approx({"2024": 50, "2025": 50})
    assert r.objective == pytest.approx(base.objective, abs=0.005)
    lines = r.bound_check()
    assert lines[0] == ("The capacity you raised never binds: fc runs at 50 t/yr at most (its "
                        "capacity is now 2,000 t/yr).")
    assert lines[1].startswith("Nothing changes: the run costs the same as hand without this "
                               "change, to the cent")
    assert r.explain()[:2] == lines  # the Python user sees it first in explain()
    assert r.bound_check(base) == lines  # a base already solved gives the same words


def test_not_binding_but_past_the_old_capacity_is_a_change(base_file):
    base = rareflow.load(base_file).solve()
    r = rareflow.load(base_file, overrides={"facilities": [{"id": "fa", "capacity": 200}]}).solve()
    assert _activity(r, "fa") == pytest.approx({"2024": 150, "2025": 150})
    assert r.objective < base.objective - 1  # 2 × 50 t moved from C (50) to A (10)
    assert r.bound_check() == ["The capacity you raised never binds: fa runs at 150 t/yr at "
                               "most (its capacity is now 200 t/yr)."]


def test_nothing_laid_over_a_base_and_stored_runs_say_nothing(base_file):
    r = rareflow.load(base_file).solve()
    assert r.bound_check() == []
    assert r.detached().bound_check() == []


def test_cli_run_of_an_overlay_file_says_the_capacity_never_binds(base_file, tmp_path):
    over = tmp_path / "more-c.yaml"
    over.write_text(f"name: more-c\nextends: {base_file}\nfacilities:\n"
                    "  - {id: fc, capacity: 2000}\n")
    p = subprocess.run([sys.executable, "-m", "rareflow.cli", "run", str(over), "--no-store",
                        "--out", str(tmp_path / "o")], capture_output=True, text=True,
                       env={**os.environ, "COLUMNS": "200"})
    assert p.returncode == 0, p.stderr
    assert "◇ The capacity you raised never binds: fc runs at 50 t/yr at most" in p.stdout
    assert "◇ Nothing changes: the run costs the same as hand without this change" in p.stdout


def test_cli_run_set_changes_a_field_and_says_whether_it_binds(base_file, tmp_path):
    env = {**os.environ, "COLUMNS": "200", "RAREFLOW_STORE": str(tmp_path / "runs.duckdb")}

    def run(*args):
        return subprocess.run([sys.executable, "-m", "rareflow.cli", "run", str(base_file), *args],
                              capture_output=True, text=True, env=env)

    p = run("--set", "facilities.fa.capacity=120", "--out", str(tmp_path / "a"))
    assert p.returncode == 0, p.stderr
    assert "◇ The capacity you raised binds: fa runs at its capacity of 120 t/yr in 2024–2025." \
        in p.stdout
    p = run("--set", "facilities.fc.capacity=2000", "--out", str(tmp_path / "b"))
    assert "◇ The capacity you raised never binds: fc runs at 50 t/yr at most" in p.stdout
    assert "◇ Nothing changes" in p.stdout
    listed = subprocess.run([sys.executable, "-m", "rareflow.cli", "runs"], capture_output=True,
                            text=True, env=env).stdout
    assert "hand with --set facilities.fc.capacity=2000" in " ".join(
        listed.replace("│", " ").split())
    bad = run("--set", "facilities.fa=1", "--no-store")
    assert bad.returncode == 1 and "is not BLOCK.ID.FIELD=VALUE" in bad.stderr


def test_set_pairs_become_one_overlay():
    from rareflow.cli.options import set_overrides

    assert set_overrides(["facilities.fa.capacity=120", "facilities.fa.cost=5",
                          "commodities.m.disposal_cost=0", "facilities.fb.capacity={2024: 1}"]) == {
        "facilities": [{"id": "fa", "capacity": 120, "cost": 5}, {"id": "fb", "capacity": {2024: 1}}],
        "commodities": {"m": {"disposal_cost": 0}}}


@pytest.fixture
def stock_file(tmp_path):
    return _write(tmp_path / "stock.yaml", stocks=[{"region": "B", "commodity": "m",
                                                    "capacity": 500, "holding_cost": 1}])


def _flow(r, route):
    f = r.flows
    return f[f["route"] == route].set_index("period")["amount"].to_dict()


def test_route_bounds_that_bind(stock_file):
    r = rareflow.load(stock_file, overrides={"routes": [{"id": "A-B-m", "capacity": 80}]}).solve()
    assert _flow(r, "A-B-m") == pytest.approx({"2024": 80, "2025": 80})
    assert _activity(r, "fc") == pytest.approx({"2024": 70, "2025": 70})
    assert r.bound_check() == ["The capacity you set binds: A-B-m carries its capacity of 80 t/yr "
                               "in 2024–2025."]
    r = rareflow.load(stock_file, overrides={"routes": [{"id": "C-B-m", "minimum": 60}]}).solve()
    assert _flow(r, "C-B-m") == pytest.approx({"2024": 60, "2025": 60})
    assert r.bound_check() == ["The minimum you raised binds: C-B-m carries its minimum of 60 t/yr "
                               "in 2024–2025."]


def test_stock_floor_that_binds_and_capacity_that_does_nothing(stock_file):
    r = rareflow.load(stock_file, overrides={"stocks": [{"id": "B-m", "minimum": 20}]}).solve()
    s = r.table("stocks")
    assert s.set_index("period")["level"].to_dict() == pytest.approx({"2024": 20, "2025": 20})
    assert _activity(r, "fc") == pytest.approx({"2024": 70, "2025": 50})
    assert r.bound_check() == ["The minimum you raised binds: B-m holds its minimum of 20 t in "
                               "2024–2025."]
    r = rareflow.load(stock_file, overrides={"stocks": [{"id": "B-m", "capacity": 300}]}).solve()
    lines = r.bound_check()
    assert lines[0] == ("The capacity you lowered never binds: B-m holds 0 t at most (its "
                        "capacity is now 300 t).")
    assert lines[1].startswith("Nothing changes")


def test_a_capacity_change_policy_is_checked_like_a_changed_field(base_file):
    """The dashboard's "IREL output" lever adds capacity_change policies, not new capacities:
    the check reads the capacity the LP holds once policies are laid. A at 120 % = 120 t/yr
    binds (as the raised field above); C at 200 % never binds and changes nothing."""
    more = {"policies": [{"id": "more-a", "type": "capacity_change", "facility": "fa",
                          "factor": 1.2}]}
    r = rareflow.load(base_file, overrides=more).solve()
    assert _activity(r, "fa") == pytest.approx({"2024": 120, "2025": 120})
    assert r.bound_check() == ["The capacity you raised binds: fa runs at its capacity of "
                               "120 t/yr in 2024–2025."]
    more = {"policies": [{"id": "more-c", "type": "capacity_change", "facility": "fc",
                          "factor": 2.0}]}
    lines = rareflow.load(base_file, overrides=more).solve().bound_check()
    assert lines[0] == ("The capacity you raised never binds: fc runs at 50 t/yr at most (its "
                        "capacity is now 2,000 t/yr).")
    assert lines[1].startswith("Nothing changes")


def test_only_the_periods_a_change_touches_can_bind(base_file):
    """A raised to 120 from 2025 only: A runs full (100) in 2024 as in the base, but that is
    the base's bound, not the change's; the change binds in 2025 alone."""
    r = rareflow.load(base_file, overrides={
        "facilities": [{"id": "fa", "capacity": {2024: 100, 2025: 120}}]}).solve()
    assert _activity(r, "fa") == pytest.approx({"2024": 100, "2025": 120})
    assert r.bound_check() == ["The capacity you raised binds: fa runs at its capacity of "
                               "120 t/yr in 2025."]


def test_many_changes_of_one_kind_are_told_in_one_sentence():
    from rareflow.analyze.overrides import BoundCheck, sentences

    periods = ["2024", "2025", "2026"]

    def stock(i, binding):
        return BoundCheck(f"s{i}", "", "minimum", "lowered", 5.0, (5.0, 5.0), 5.0, binding,
                          True, "stock")

    few = [stock(0, ("2025",)), stock(1, ())]
    assert sentences(few, periods) == [c.sentence(periods) for c in few]
    many = [stock(i, ("2025",) if i < 5 else ("2026",) if i == 5 else ()) for i in range(8)]
    assert sentences(many, periods) == [
        "The minimum you lowered binds for 6 of the 8 stocks you changed (s0, s1, s2 and 3 "
        "more), in 2025–2026."]
    idle = [stock(i, ()) for i in range(4)]
    assert sentences(idle, periods) == ["The minimum you lowered never binds for any of the 4 "
                                        "stocks you changed."]
