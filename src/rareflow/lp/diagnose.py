"""Why a scenario cannot be satisfied, in words.

HiGHS's feasibility relaxation finds the smallest (weighted) violation of rows and bounds
that makes the model solvable; the rows and bounds it had to bend are the conflict.
Works with HiGHS alone — no commercial IIS needed.

Told as a user wrote the file: a conflict that repeats period after period (a monthly file
whose route minimum exceeds supply every month) is one sentence with the span of periods, not
twelve; amounts are rates per year, as the scenario file gives them (200 t/yr, not the
16.6667 t a month the LP holds); and each sentence ends with the change that would resolve it.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from rareflow.lp.highs import new_solver, relax
from rareflow.scenario.periods import period_runs

EPS = 1e-6
MAX_LINES = 20


def _num(v: float) -> str:
    return f"{v:,.6g}"


def _runs(periods: Sequence[str], order: Sequence[str]) -> str:
    """'period 2025' or 'periods 2025-01–2025-12, 2026-03' (scenario/periods.period_runs)."""
    text = period_runs(periods, order)
    return f"{'period' if len(set(periods)) == 1 else 'periods'} {text}" if text else ""


def _range(values: list[float]) -> str:
    lo, hi = min(values), max(values)
    return _num(lo) if abs(hi - lo) <= EPS * max(1.0, abs(hi)) else f"{_num(lo)} to {_num(hi)}"


class _Groups:
    """Conflicts keyed by what they say apart from the period, in the order first met."""

    def __init__(self) -> None:
        self.items: dict[tuple, dict] = {}

    def add(self, key: tuple, period: str, **values: float) -> None:
        g = self.items.setdefault(key, {"periods": [], **{k: [] for k in values}})
        g["periods"].append(period)
        for k, v in values.items():
            g[k].append(v)


def _rate_of(build):
    """Amount in a period → rate per year, the unit of the scenario file."""
    labels = list(build.periods.labels)
    length = dict(zip(labels, np.asarray(build.periods.length, dtype=float), strict=True))
    return labels, lambda v, period: v / length.get(str(period), 1.0)


def _name(labels, i) -> tuple[str, str]:
    """(the entity without its period, the period) of row `i` of a span's labels."""
    row = labels.iloc[i].to_dict()
    period = str(row.get("period", ""))
    # a per-period amount in a label (a demand's `requested`) would split a repeated conflict
    return ", ".join(f"{k} {v}" for k, v in row.items()
                     if k not in ("kind", "period", "requested")), period


def _fix(kind: str, which: str, labels, j: int, closest: str) -> str:
    """The change that would resolve a bent column bound, in the file's terms."""
    row = labels.iloc[j].to_dict()
    if kind == "flow":
        route = row.get("route") or f"{row.get('origin')}→{row.get('destination')}"
        return (f"lower route {route}'s minimum to {closest} t/yr or less, or make more "
                f"{row.get('commodity', '')} available in {row.get('origin', 'the exporter')}"
                if which == "minimum" else
                f"raise route {route}'s capacity to {closest} t/yr or more")
    if kind == "activity":
        fac = row.get("facility") or row.get("candidate") or "the facility"
        return (f"lower {fac}'s minimum (must-run) to {closest} t/yr or less, or give its "
                "output a use, a route or a disposal_cost"
                if which == "minimum" else f"raise {fac}'s capacity to {closest} t/yr or more")
    if kind == "unserved" and which == "minimum":
        return (f"{row.get('region', 'the region')} receives more {row.get('commodity', '')} "
                "than its demand can use: give the commodity a disposal_cost or a stock, or lower "
                "the minimum that sends it there")
    return f"relax this {which} to {closest} t/yr"


def diagnose(build, frozen) -> list[str]:
    """Sentences naming the rows and bounds that conflict (empty if none are found), each
    conflict once with the periods it spans, in rates per year, with a suggested fix."""
    relaxed = relax(new_solver(frozen))
    if relaxed is None:
        return []
    x, rv = relaxed
    order, rate = _rate_of(build)
    nb = frozen.n_balance
    bal = build.balance_labels()

    balances = _Groups()
    for i in np.flatnonzero(np.abs(rv[:nb] - frozen.row_lb[:nb]) > EPS):
        r = bal.iloc[i]
        gap = rv[i] - frozen.row_lb[i]
        balances.add((str(r["commodity"]), str(r["region"]), gap > 0), str(r["period"]),
                     gap=rate(abs(gap), r["period"]))
    out: list[str] = []
    for (com, reg, surplus), g in balances.items.items():
        what = ("more is produced or delivered than can be used, stored or discarded" if surplus
                else "less is available than the fixed uses require")
        fix = (" (give the commodity a disposal_cost, add a route or a use)" if surplus
               else " (lower the minimums that take it, or add supply)")
        when = _runs(g["periods"], order)
        head = (f"The balance of {com} in {reg} in {g['periods'][0]} cannot hold"
                if len(g["periods"]) == 1 else f"The balance of {com} in {reg} cannot hold in {when}")
        out.append(f"{head}: {what}, by {_range(g['gap'])} t/yr{fix}.")

    rows = _Groups()
    for span in build.lp.rows:
        for j in range(len(span)):
            i = nb + span.start + j
            lo, hi = frozen.row_lb[i], frozen.row_ub[i]
            if rv[i] < lo - EPS or rv[i] > hi + EPS:
                bound = lo if rv[i] < lo - EPS else hi
                name, period = _name(span.labels, j)
                rows.add((span.kind, name), period, need=rate(bound, period),
                         allows=rate(rv[i], period))
    for (kind, name), g in rows.items.items():
        out.append(f"Constraint {kind} ({name}) must be bent in {_runs(g['periods'], order)}: "
                   f"it needs {_range(g['need'])} t/yr but the rest of the model allows "
                   f"{_range(g['allows'])} t/yr; relax it or free what it holds.")

    cols = _Groups()
    for span in build.lp.cols:
        xs = x[span.start:span.stop]
        lo = frozen.lb[span.start:span.stop]
        hi = frozen.ub[span.start:span.stop]
        for j in np.flatnonzero((xs < lo - EPS) | (xs > hi + EPS)):
            which = "minimum" if xs[j] < lo[j] - EPS else "maximum"
            bound = lo[j] if which == "minimum" else hi[j]
            name, period = _name(span.labels, j)
            where = tuple(_balance_hint(build, frozen, bal, i)
                          for i in _balance_rows_of(frozen, span.start + j))
            g_key = (span.kind, which, name, where)
            if g_key not in cols.items:
                cols.items[g_key] = {"periods": [], "bound": [], "closest": [],
                                     "labels": span.labels, "j": j}
            g = cols.items[g_key]
            g["periods"].append(period)
            g["bound"].append(rate(bound, period))
            g["closest"].append(rate(xs[j] + 0.0, period))
    for (kind, which, name, where), g in cols.items.items():
        closest = g["closest"]
        # the fix must hold in every period: the least the rest can give for a minimum
        limit = _num(min(closest) if which == "minimum" else max(closest))
        text = (f"The {which} of {kind} ({name}) = {_range(g['bound'])} t/yr conflicts with the "
                f"rest in {_runs(g['periods'], order)}; the closest feasible value is "
                f"{_range(closest)} t/yr")
        if where:  # one period: named with each balance, as before grouping
            one = f" in {g['periods'][0]}" if len(g["periods"]) == 1 else ""
            text += f". It enters {'; '.join(head + one + tail for head, tail in where)}"
        out.append(f"{text}. Fix: {_fix(kind, which, g['labels'], g['j'], limit)}.")
    if len(out) > MAX_LINES:
        out = [*out[:MAX_LINES], f"… and {len(out) - MAX_LINES} more conflicts like these."]
    return out


def _balance_rows_of(frozen, col: int) -> np.ndarray:
    a = frozen.a
    rows = a.indices[a.indptr[col]:a.indptr[col + 1]]
    return rows[rows < frozen.n_balance]


def _balance_hint(build, frozen, bal, i: int) -> tuple[str, str]:
    """Name a balance row (without its period: the sentence gives the span) and say whether
    anything could take a surplus or fill a gap there: (name, what it lacks)."""
    r = bal.iloc[i]
    row = frozen.a[i]
    vals, cols = row.data, row.indices
    can_take = np.any((vals < 0) & (frozen.ub[cols] > 0))
    can_give = np.any((vals > 0) & (frozen.ub[cols] > 0))
    tail = ""
    if not can_take:
        tail = (" where nothing can consume, ship, store or discard it (add a use or a route, "
                "or give the commodity a disposal_cost)")
    elif not can_give:
        tail = " where nothing can supply it"
    return f"the balance of {r['commodity']} in {r['region']}", tail
