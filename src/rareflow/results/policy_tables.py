"""Tables for surprises, no-transit rules and subsidies (DESIGN, "What real shocks need").

* `stages`: the stage in which each policy entered and what each stage fixed;
* `transit`: every no-transit row — what a third country re-exported to the measure's
  destinations, what it was allowed to (its own output and imports from elsewhere), the dual;
* `subsidies`: what each subsidy paid per period, and what is left of its budget.

Each is empty for a scenario that does not use the mechanism, and `extra_tables` hands out only
the non-empty ones, so older scenarios write exactly the tables they always wrote.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rareflow.lp.rules import subsidy as subsidy_rule
from rareflow.lp.rules.transit import KIND as TRANSIT_KIND
from rareflow.lp.stages import decided_row_dual

STAGE_COLUMNS = ["stage", "announced", "policies", "fixed_from", "fixed_to", "fixed_columns",
                 "objective", "iterations", "seconds"]
TRANSIT_COLUMNS = ["policy", "exporter", "region", "commodity", "period", "re_exported", "allowed",
                   "slack", "dual", "binding"]
SUBSIDY_COLUMNS = ["policy", "region", "process", "period", "activity", "subsidised",
                   "amount_per_unit", "paid", "budget", "budget_left"]
TOL = 1e-6


def stages(model, sol) -> pd.DataFrame:
    """One row per stage: the period its announcements came in, the policies that entered
    (ids, comma-separated; stage 0: those known from the outset), the periods it fixed for the
    stages after it, and its own objective. Empty when nothing is announced late."""
    rep = sol.info.get("stages")
    if not rep:
        return pd.DataFrame(columns=STAGE_COLUMNS)
    df = pd.DataFrame(rep)
    df["policies"] = [", ".join(p) for p in df["policies"]]
    return df.reindex(columns=STAGE_COLUMNS)


def transit(model, sol) -> pd.DataFrame:
    """One row per no-transit row: re_exported = Σ flows from the region to the destinations,
    allowed = its own output + its imports from others than the exporter; dual per tonne
    (undiscounted, signed as HiGHS gives it); binding when the dual is nonzero."""
    m = model
    b = m.build
    spans = [sp for sp in b.lp.rows if sp.kind == TRANSIT_KIND]
    if not spans:
        return pd.DataFrame(columns=TRANSIT_COLUMNS)
    nb = m.frozen.n_balance
    rows = np.concatenate([np.arange(sp.start, sp.stop) for sp in spans]) + nb
    df = pd.concat([sp.labels for sp in spans], ignore_index=True)
    # Σ of the positive and of the negated negative entries of these rows times x, as
    # np.bincount over the matrix's entries in column order: each row's terms are added in
    # that order from 0.0, as scipy's CSR product (sorted columns) adds them, so the sums are
    # the same bit for bit, without scipy.sparse on `rareflow run`'s path (lp/matrix.py)
    a = m.frozen.csc
    at = np.full(a.shape[0], -1, dtype=np.int64)
    at[rows] = np.arange(len(rows))
    k = at[a.indices]
    mine = k >= 0
    k, cols, vals = k[mine], a.entry_cols()[mine], a.data[mine]
    x = sol.x
    pos, neg = vals > 0, vals < 0
    df["re_exported"] = np.bincount(k[pos], weights=vals[pos] * x[cols[pos]], minlength=len(rows))
    df["allowed"] = np.bincount(k[neg], weights=-vals[neg] * x[cols[neg]], minlength=len(rows))
    df["slack"] = np.maximum(df["allowed"] - df["re_exported"], 0.0)
    t = df["period"].map({lab: i for i, lab in enumerate(m.periods.labels)}).to_numpy()
    df["dual"] = decided_row_dual(sol)[rows] / b.disc[t]  # a fixed period's: its stage's
    df["binding"] = np.abs(df["dual"]) > TOL
    for col in ("re_exported", "allowed", "slack", "dual"):
        df[col] = np.where(np.abs(df[col]) < 1e-9, 0.0, df[col]) + 0.0
    return df.reindex(columns=TRANSIT_COLUMNS)


def subsidies(model, sol) -> pd.DataFrame:
    """Per subsidy and paying period: activity of the process in the region, the part paid for
    (all of it without a budget), the payment, and the budget left after that period."""
    b, x = model.build, sol.x
    parts = []
    for pol in b.policies:
        if pol.type != "subsidy":
            continue
        t, amount = subsidy_rule.window(pol, b)
        cols = subsidy_rule.activity_cols(pol, b)
        if not len(t):
            continue
        act = x[cols[:, t]].sum(axis=0) if len(cols) else np.zeros(len(t))
        paid_units = act
        if pol.budget is not None:
            z = _paid_columns(b, pol.id)
            if len(z) == len(t):
                paid_units = x[z]
        paid = amount * paid_units
        budget = np.nan if pol.budget is None else pol.budget
        parts.append(pd.DataFrame({
            "policy": pol.id, "region": pol.region, "process": pol.process,
            "period": b.labels[t], "activity": act, "subsidised": paid_units,
            "amount_per_unit": amount, "paid": paid, "budget": budget,
            "budget_left": budget - np.cumsum(paid)}))
    if not parts:
        return pd.DataFrame(columns=SUBSIDY_COLUMNS)
    df = pd.concat(parts, ignore_index=True)
    for col in ("activity", "subsidised", "paid", "budget_left"):
        df[col] = np.where(np.abs(df[col]) < 1e-9, 0.0, df[col]) + 0.0
    return df.reindex(columns=SUBSIDY_COLUMNS)


def _paid_columns(b, policy_id: str) -> np.ndarray:
    for sp in b.lp.cols:
        if sp.kind == subsidy_rule.PAID_KIND:
            sel = np.flatnonzero((sp.labels["policy"] == policy_id).to_numpy())
            if len(sel):
                return sp.start + sel
    return np.zeros(0, dtype=np.int64)


def split_subsidies(model, sol, acc: dict[str, float]) -> None:
    """Show subsidies as their own term of the cost split (`Results.costs`): a subsidy without
    a budget lowers the cost of the activity it pays for, which would otherwise hide it inside
    "operating"; one with a budget pays through its own columns ("subsidised")."""
    x = sol.x
    paid = 0.0
    for rec in model.build.applied:
        if rec.policy.type == "subsidy":
            paid += sum(float(np.dot(add, x[cols])) for cols, add in rec.costs)
    if paid:
        acc["operating"] = acc.get("operating", 0.0) - paid
    paid += acc.pop(subsidy_rule.PAID_KIND, 0.0)
    if paid:
        acc["subsidy"] = paid
