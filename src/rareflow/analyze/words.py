"""How numbers and periods are written in sentences: one home for each habit.

Every sentence rareflow writes (explain, compare, build plans, home supply, report and web
text) formats tonnes and spans of periods through these few functions, so that "1,200 t" and
"2025–2027" read the same everywhere.
"""

from __future__ import annotations

from collections.abc import Sequence

from rareflow.scenario.periods import period_runs  # noqa: F401  (one home: the LP's messages use it too)


def tonnes(v: float, small: int = 1, plain_zero: bool = False) -> str:
    """'3,596 t' from 10 t up; below that with `small` decimals ('2.5 t'); zero as '0 t' when
    `plain_zero` (a count of nothing) rather than '0.0 t' (an amount that happens to be 0)."""
    if abs(v) >= 10 or (plain_zero and v == 0):
        return f"{v:,.0f} t"
    return f"{v:,.{small}f} t"


def span(periods: Sequence[str]) -> str:
    """'2026' for one period, '2026–2030' from the first to the last of several."""
    return periods[0] if len(periods) == 1 else f"{periods[0]}–{periods[-1]}"


def money(v: float, currency: str = "USD") -> str:
    """'224 M USD', '1.9 bn USD', '35,000 USD': sums of money a reader takes in at a glance (to
    the cent only below a thousand); the sign is kept for changes ('-3.1 M USD')."""
    a = abs(v)
    if a >= 1e9:
        return f"{v / 1e9:,.1f} bn {currency}"
    if a >= 1e6:
        return f"{v / 1e6:,.1f} M {currency}"
    return f"{v:,.0f} {currency}"


def share(part: float, whole: float) -> str:
    """'32%', or one decimal where the whole-number percent would read as '0%' for a share that
    is not nothing ('0.4%'); '<0.1%' below that; '' when there is no whole to share."""
    if whole <= 0:
        return ""
    x = 100 * part / whole
    if x >= 0.5 or part <= 0:
        return f"{x:.0f}%"
    return f"{x:.1f}%" if x >= 0.05 else "<0.1%"


# terms of `Results.costs` that are valuations the LP puts on tonnes not delivered, not money
# anyone pays: shown apart from costs, in tonnes first
VALUATIONS = ("unserved-demand penalty", "target-shortfall penalty")


def split_costs(terms: dict[str, float]) -> tuple[dict[str, float], dict[str, float]]:
    """(costs, valuations): the objective's terms split into money that would be paid
    (operating, transport and tariffs, capital, breaches, fees, minus subsidies) and penalty
    valuations of unserved demand and missed targets."""
    paid = {k: v for k, v in terms.items() if k not in VALUATIONS}
    vals = {k: v for k, v in terms.items() if k in VALUATIONS}
    return paid, vals
