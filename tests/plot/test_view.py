"""Where the chain diagram opens, and why (plot/view.py), on hand-made tables."""

from __future__ import annotations

import pandas as pd

import rareflow
from rareflow.plot.view import default_view
from rareflow.results.result import Results
from tests.conftest import chain

PERIODS = ["2024", "2025", "2026"]


def _run(unserved: list[tuple[str, str, float]], flows: list[tuple[str, str, str, float]] = (),
         name: str = "x") -> Results:
    scn = rareflow.from_mapping(chain(
        name=name, periods=[2024, 2025, 2026], regions={"JPN": {"label": "Japan"},
                                                      "IND": {"label": "India"}, "AUS": {}},
        demands=[{"region": r, "commodity": "m", "sector": "auto", "amount": 100,
                  "priority": 10} for r in ("JPN", "IND")])).scenario
    un = pd.DataFrame([{"region": r, "commodity": "m", "sector": "auto", "period": p,
                        "amount": a, "requested": 100.0, "demand": f"{r}-m-auto",
                        "served": 100.0 - a} for r, p, a in unserved])
    fl = pd.DataFrame([{"origin": o, "destination": d, "commodity": "m", "period": p,
                        "amount": a, "route": f"{o}-{d}-m"} for o, d, p, a in flows])
    return Results.from_tables(scn, {"unserved": un, "flows": fl}, {"periods": PERIODS},
                               status="optimal", objective=0.0)


def test_largest_change_against_the_base():
    """By hand: Δ unserved JPN 2025 +30 (10 → 40); IND 2025 +10, 2026 +25. India changes most
    over the horizon (35 t against Japan's 30), and most in 2026."""
    base = _run([("JPN", "2025", 10.0)], name="base")
    r = _run([("JPN", "2025", 40.0), ("IND", "2025", 10.0), ("IND", "2026", 25.0)])
    reg, per, why = default_view(r, base)
    assert (reg, per) == ("IND", "2026")
    assert why.startswith("India in 2026: the largest change in unserved demand against base")
    assert "+25 t" in why
    # alone: the largest shortfall is Japan's (40 t against India's 35), in 2025
    reg, per, why = default_view(r)
    assert (reg, per) == ("JPN", "2025") and "largest shortfall, 40 t" in why


def test_trade_change_when_shortfalls_do_not_move():
    """By hand: no shortfall changes. IND → JPN falls 50 → 45 t in 2024 and 50 → 0 in 2026;
    JPN → IND 0 → 1 t in 2025; AUS → JPN 0 → 20 t in 2026 (the replacement). |Δ| touching
    each region: JPN 5 + 1 + 50 + 20 = 76, IND 56, AUS 20 → Japan; Japan's periods: 2024 5,
    2025 1, 2026 70 → 2026; its largest route change there: −50 t from India."""
    base = _run([], [("IND", "JPN", "2024", 50.0), ("IND", "JPN", "2026", 50.0)], name="base")
    r = _run([], [("IND", "JPN", "2024", 45.0), ("JPN", "IND", "2025", 1.0),
                  ("AUS", "JPN", "2026", 20.0)])
    reg, per, why = default_view(r, base)
    assert (reg, per) == ("JPN", "2026")
    assert why == "Japan in 2026: the largest change in trade against base, −50 t of m from India"


def test_no_shortfall_and_no_base():
    r = _run([("JPN", "2024", 0.0), ("JPN", "2025", 0.0)])
    reg, per, why = default_view(r)
    assert (reg, per) == ("JPN", "2024") and "all demand is served" in why
