"""Why a scenario cannot be satisfied, in words.

HiGHS's feasibility relaxation finds the smallest (weighted) violation of rows and bounds
that makes the model solvable; the rows and bounds it had to bend are the conflict.
Works with HiGHS alone — no commercial IIS needed.
"""

from __future__ import annotations

import numpy as np

from rareflow.lp.highs import new_solver, relax

EPS = 1e-6


def _name(labels, i) -> str:
    row = labels.iloc[i].to_dict()
    return ", ".join(f"{k} {v}" for k, v in row.items() if k not in ("kind",))


def diagnose(build, frozen) -> list[str]:
    """Sentences naming the rows and bounds that conflict (empty if none are found)."""
    relaxed = relax(new_solver(frozen))
    if relaxed is None:
        return []
    x, rv = relaxed
    out: list[str] = []
    nb = frozen.n_balance
    bal = build.balance_labels()
    for i in np.flatnonzero(np.abs(rv[:nb] - frozen.row_lb[:nb]) > EPS)[:20]:
        r = bal.iloc[i]
        gap = rv[i] - frozen.row_lb[i]
        what = "more is produced or delivered than can be used, stored or discarded" if gap > 0 \
            else "less is available than the fixed uses require"
        fix = " (give the commodity a disposal_cost, add a route or a use)" if gap > 0 else ""
        out.append(f"The balance of {r['commodity']} in {r['region']} in {r['period']} cannot "
                   f"hold: {what}, by {abs(gap):,.6g} t{fix}.")
    for span in build.lp.rows:
        for j in range(len(span)):
            i = nb + span.start + j
            lo, hi = frozen.row_lb[i], frozen.row_ub[i]
            if rv[i] < lo - EPS or rv[i] > hi + EPS:
                bound = lo if rv[i] < lo - EPS else hi
                out.append(f"Constraint {span.kind} ({_name(span.labels, j)}) must be bent: "
                           f"it needs {bound:,.6g} but the rest of the model allows "
                           f"{rv[i]:,.6g}.")
    for span in build.lp.cols:
        xs = x[span.start:span.stop]
        lo = frozen.lb[span.start:span.stop]
        hi = frozen.ub[span.start:span.stop]
        for j in np.flatnonzero((xs < lo - EPS) | (xs > hi + EPS))[:20]:
            which = "minimum" if xs[j] < lo[j] - EPS else "maximum"
            bound = lo[j] if which == "minimum" else hi[j]
            rows = _balance_rows_of(frozen, span.start + j)
            where = "; ".join(_balance_hint(build, frozen, bal, i, x) for i in rows)
            out.append(f"The {which} of {span.kind} ({_name(span.labels, j)}) = {bound:,.6g} "
                       f"conflicts with the rest; the closest feasible value is {xs[j] + 0:,.6g}"
                       + (f". It enters {where}." if where else "."))
    return out


def _balance_rows_of(frozen, col: int) -> np.ndarray:
    a = frozen.a
    rows = a.indices[a.indptr[col]:a.indptr[col + 1]]
    return rows[rows < frozen.n_balance]


def _balance_hint(build, frozen, bal, i: int, x) -> str:
    """Name a balance row and say whether anything could take a surplus or fill a gap there."""
    r = bal.iloc[i]
    row = frozen.a[i]
    vals, cols = row.data, row.indices
    can_take = np.any((vals < 0) & (frozen.ub[cols] > 0))
    can_give = np.any((vals > 0) & (frozen.ub[cols] > 0))
    text = f"the balance of {r['commodity']} in {r['region']} in {r['period']}"
    if not can_take:
        text += (" where nothing can consume, ship, store or discard it (add a use or a route, "
                 "or give the commodity a disposal_cost)")
    elif not can_give:
        text += " where nothing can supply it"
    return text
