"""Small scenarios for the sweep tests (mappings shaped like scenario files)."""

from __future__ import annotations


def hand(p: float = 0.5, severity: float = 0.5, n_years: int = 2, **event) -> dict:
    """A (maker) ships to B, whose automotive (60 t/yr, penalty 1000) and wind (40 t/yr,
    penalty 500) demand use all of A's 100 t/yr. An outage of `severity` 0.5 for exactly one
    year leaves 50 t: automotive is short 10 t and wind 40 t in that year."""
    ev = {"id": "out", "type": "outage", "facility": "fa", "severity": severity,
          "probability": p, "duration": 12, "onset": "start", **event}
    return {
        "name": "hand-sweep",
        "periods": list(range(2024, 2024 + n_years)),
        "commodities": {"m": {"unit": "t"}},
        "regions": {"A": {}, "B": {}},
        "processes": {"make": {"outputs": {"m": 1}}},
        "facilities": [{"id": "fa", "region": "A", "process": "make", "capacity": 100, "cost": 1}],
        "routes": [{"from": "A", "to": "B", "commodity": "m", "cost": 1}],
        "demands": [
            {"region": "B", "commodity": "m", "sector": "auto", "amount": 60, "priority": 1000},
            {"region": "B", "commodity": "m", "sector": "wind", "amount": 40, "priority": 500},
        ],
        "uncertainty": {"events": [ev]},
    }


def small_world(periods=None) -> dict:
    """Three producers, three buyers, stocks, capacities and a handful of uncertain events."""
    periods = periods or {"start": "2025Q1", "end": "2026Q4", "step": "quarter"}
    regs = ["P1", "P2", "P3", "B1", "B2", "B3"]
    facilities, routes, demands = [], [], []
    for i, r in enumerate(regs[:3]):
        facilities.append({"id": f"{r}-mine", "region": r, "process": "mine",
                           "capacity": {"2025Q1": 300 - 60 * i, "2026Q1": 340 - 60 * i},
                           "cost": 10 + 5 * i})
        facilities.append({"id": f"{r}-mag", "region": r, "process": "magnets",
                           "capacity": 200 - 40 * i, "cost": 50 + 10 * i,
                           "minimum": {"2025Q1": 20, "2025Q2": 0}})
        for j, b in enumerate(regs[3:]):
            routes.append({"from": r, "to": b, "commodity": "mag", "cost": 3 + abs(i - j),
                           **({"capacity": 120} if (i + j) % 2 else {})})
        routes.append({"from": r, "to": regs[(i + 1) % 3], "commodity": "ore", "cost": 2})
    for j, b in enumerate(regs[3:]):
        for s, prio in (("auto", 900), ("wind", 700), ("electronics", 1200)):
            demands.append({"region": b, "commodity": "mag", "sector": s,
                            "amount": {"2025Q1": 40 + 10 * j, "2026Q1": 55 + 10 * j},
                            "priority": prio})
    return {
        "name": "small-world",
        "periods": periods,
        "commodities": {"ore": {"unit": "t", "disposal_cost": 0}, "mag": {"unit": "t"}},
        "regions": {r: {} for r in regs},
        "processes": {"mine": {"outputs": {"ore": 1}},
                      "magnets": {"inputs": {"ore": 1.5}, "outputs": {"mag": 1}}},
        "facilities": facilities,
        "routes": routes,
        "stocks": [{"region": b, "commodity": "mag", "initial": 20, "capacity": 60,
                    "holding_cost": 4} for b in regs[3:]],
        "demands": demands,
        "uncertainty": {"seed": 7, "events": [
            {"id": "embargo", "type": "export_ban", "exporter": "P1", "commodity": "mag",
             "to": ["B1", "B2"], "annual_probability": 0.3,
             "duration": {"distribution": "lognormal", "median": 1.6, "sigma": 0.8, "max": 12},
             "start": "2025Q2"},
            {"id": "squeeze", "type": "export_licence", "exporter": "P2", "commodity": "mag",
             "share": {"distribution": "uniform", "low": 0.2, "high": 0.6},
             "probability": 0.1, "duration": {"distribution": "uniform", "low": 2, "high": 5},
             "start": "2025Q2"},
            {"id": "mine-out", "type": "outage", "facility": ["P1-mine", "P3-mine"],
             "severity": {"distribution": "triangular", "low": 0.2, "mode": 0.5, "high": 1},
             "probability": 0.15, "duration": {"distribution": "exponential", "mean": 3},
             "start": "2025Q2"},
            {"id": "strait", "type": "route_block", "route": ["P3-B3-mag", "P2-B3-mag"],
             "probability": 0.1, "duration": {"distribution": "choice", "values": [1, 2, 6],
                                              "weights": [3, 2, 1]}},
            {"id": "surge", "type": "demand_shock", "sector": "wind", "region": ["B1", "B3"],
             "factor": {"distribution": "uniform", "low": 1.1, "high": 1.5},
             "probability": 0.2, "duration": 6},
        ]},
    }


def pinned(*extra_events: dict) -> dict:
    """A's plant must run 50 t in 2024 and its only ore comes from A's mine: a full mine
    outage that can reach 2024 ("too-early", events[1]) leaves the minimum unreachable; one
    from 2025 on ("fine", events[0]) is harmless. `extra_events` follow those two."""
    return {
        "name": "pinned", "periods": [2024, 2025],
        "commodities": {"ore": {}, "m": {}}, "regions": {"A": {}, "B": {}},
        "processes": {"mine": {"outputs": {"ore": 1}},
                      "make": {"inputs": {"ore": 1}, "outputs": {"m": 1}}},
        "facilities": [{"id": "mine", "region": "A", "process": "mine", "capacity": 100},
                       {"id": "plant", "region": "A", "process": "make", "capacity": 100,
                        "minimum": {2024: 50, 2025: 0}}],
        "routes": [{"from": "A", "to": "B", "commodity": "m"}],
        "demands": [{"region": "B", "commodity": "m", "sector": "s", "amount": 80,
                     "priority": 100}],
        "uncertainty": {"events": [
            {"id": "fine", "type": "outage", "facility": "mine", "probability": 0.2,
             "duration": 6, "start": 2025},
            {"id": "too-early", "type": "outage", "facility": "mine", "probability": 0.2,
             "duration": 6},
            *extra_events]},
    }


def stocked_ban(name: str, periods: list[int], start: int, **event) -> dict:
    """A makes up to 100 t/yr (cost 1) and ships to B (cost 1); B needs 60 t/yr (penalty
    1000) and may stock up to 200 t (holding cost 1 per t per year, none at the start). A ban
    on A→B is certain in `start` (onset at the period's start) for a year; `event` overrides
    any of its fields."""
    ev = {"id": "ban", "type": "export_ban", "exporter": "A", "commodity": "m", "to": ["B"],
          "probability": 1.0, "start": start, "end": start, "duration": 12, "onset": "start",
          **event}
    return {
        "name": name,
        "periods": periods,
        "commodities": {"m": {"unit": "t"}},
        "regions": {"A": {}, "B": {}},
        "processes": {"make": {"outputs": {"m": 1}}},
        "facilities": [{"id": "fa", "region": "A", "process": "make", "capacity": 100, "cost": 1}],
        "routes": [{"from": "A", "to": "B", "commodity": "m", "cost": 1}],
        "stocks": [{"region": "B", "commodity": "m", "capacity": 200, "holding_cost": 1}],
        "demands": [{"region": "B", "commodity": "m", "sector": "auto", "amount": 60,
                     "priority": 1000}],
        "uncertainty": {"events": [ev]},
    }
