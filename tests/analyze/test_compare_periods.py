"""Comparing runs cut into different periods (a monthly run against a yearly one), by hand."""

import subprocess
import sys

import pytest

import rareflow
from rareflow.analyze.compare import compare
from rareflow.errors import RareflowError
from tests.conftest import chain


def world(name, periods, ban=False):
    """A makes m at 10/t (cap 100/yr) and ships it to B at 5/t; B needs 60/yr (penalty
    1000/t). With `ban`, A→B is banned from July to December 2025."""
    pol = [{"type": "export_ban", "id": "ban", "exporter": "A", "commodity": "m", "to": ["B"],
            "start": "2025-07", "end": "2025-12"}] if ban else []
    return rareflow.from_mapping(chain(
        name=name, periods=periods,
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 100, "cost": 10}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 5}],
        demands=[{"region": "B", "commodity": "m", "sector": "auto", "amount": 60,
                  "priority": 1000}],
        policies=pol)).solve()


MONTHS = {"start": "2024-01", "end": "2025-12", "step": "month"}


def test_a_monthly_run_is_compared_with_a_yearly_one_per_year(approx):
    # Yearly base: 60 t A→B in 2024 and 2025, price of m in B 15/t. Monthly scenario: 5 t a
    # month, but nothing from July 2025 → in 2025 30 t shipped (Jan–Jun) and 30 t unserved
    # (Jul–Dec). Per year: flows 2025 60 → 30, unserved 0 → 30; 2024 is unchanged. B's price in
    # 2025 is the months' average weighted by length: (6·15 + 6·1000) / 12 = 507.5.
    base, scen = world("yearly", [2024, 2025]), world("monthly", MONTHS, ban=True)
    c = compare(base, scen)
    assert c.periods == ["2024", "2025"]
    un = c.unserved
    assert list(un["period"]) == ["2025"] and un["change"].sum() == approx(30)
    fl = c.flows
    assert list(fl["period"]) == ["2025"]
    assert fl["base"].iloc[0] == approx(60) and fl["scenario"].iloc[0] == approx(30)
    pr = c.prices[(c.prices["region"] == "B")].set_index("period")
    assert list(pr.index) == ["2025"] and pr.loc["2025", "scenario"] == approx(507.5)
    assert pr.loc["2025", "base"] == approx(15)
    prod = c.production.set_index("period")
    assert prod.loc["2025", "change"] == approx(-30)
    assert c.sentences[0].startswith("Compared per year: monthly has months for 2024–2025")
    assert "closest" in c.sentences[0]  # not aligned: the LPs differ in structure


def test_a_yearly_run_against_a_monthly_base_is_compared_the_same_way(approx):
    c = compare(world("monthly", MONTHS, ban=True),
                                        world("yearly", [2024, 2025]))
    assert c.unserved["change"].sum() == approx(-30)
    assert "monthly has months" in c.note


@pytest.mark.parametrize("periods, why", [
    ({"start": "2024-07", "end": "2025-06", "step": "month"}, "share no common boundaries"),
    ({"start": "2030-01", "end": "2030-12", "step": "month"}, "do not overlap"),
])
def test_horizons_that_cannot_be_lined_up_give_a_clear_error(periods, why):
    with pytest.raises(RareflowError, match=why):
        compare(world("yearly", [2024, 2025]), world("other", periods))


def test_cli_compares_the_monthly_controls_with_the_yearly_baseline():
    p = subprocess.run([sys.executable, "-m", "rareflow.cli", "compare", "baseline-2024",
                        "china-controls-2025"], capture_output=True, text=True)
    assert p.returncode == 0, p.stderr
    assert "Compared per year: china-controls-2025 has months for 2024–2026" in p.stdout
    assert "ndfeb_magnet" in p.stdout
