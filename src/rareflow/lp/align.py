"""Among a scenario's optimal answers, the one closest to a reference run.

Supply-chain LPs have many optima: two suppliers with the same delivered cost can swap
customers at no cost, and HiGHS picks one vertex or another depending on the data around them.
Two runs that differ by one policy then differ in hundreds of flows that the policy never
touched, and a comparison drowns the real answer ("India's 1,000 t to Japan stop; Japan buys
them from Malaysia") in equal-cost swaps ("Malaysia now ships to Japan what it shipped to
China, and Australia the reverse").

So a comparison first moves the scenario's answer to the optimum nearest the reference. The
optimal answers are exactly the feasible ones that keep complementary slackness with the first
solve's duals: every column with a nonzero reduced cost stays at its bound and every side row
with a nonzero dual stays active. A second LP pins those, keeps every other row, and minimises
the total absolute change of flows, plant activity and stocks against the reference (matched by
their labels; anything the reference lacks is compared with zero). Unserved demand is pinned
too: equal-priority sectors may share a shortfall in many ways, and the comparison must tell the
same shares as `run` and `explain` do. No cost row with a slack is
needed, so nothing is traded for a rounding of the objective. What is left is what had to
change. Prices (duals) are those of the first solve: any optimal dual pairs with any optimal
primal.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import scipy.sparse as sp

from rareflow.errors import MassBalanceError
from rareflow.lp import highs
from rareflow.lp.check import check_mass_balance
from rareflow.lp.matrix import Frozen

KINDS = ("flow", "activity", "stock")
PINNED_KINDS = ("unserved",)  # shortfalls stay as `run` and `explain` report them
DUAL_TOL = 1e-7  # below it a reduced cost or row dual counts as zero (the column may move)
COST_TOL = 1e-7  # the moved answer may cost this much more (relative) or it is not taken


def _keys(results, kinds=KINDS) -> pd.DataFrame:
    """Every column of the matched kinds: its index and a hashable label key."""
    parts = []
    for span in results.model.build.lp.cols:
        if span.kind in kinds:
            lab = span.labels.astype(str)
            key = pd.Series(span.kind, index=lab.index, dtype=object)
            for c in lab.columns:  # vectorised: no Python call per column of the LP
                key = key + "|" + lab[c].astype(object)
            parts.append(pd.DataFrame({"col": np.arange(span.start, span.stop),
                                       "key": key.to_numpy()}))
    if not parts:
        return pd.DataFrame({"col": np.zeros(0, dtype=np.int64), "key": []})
    return pd.concat(parts, ignore_index=True)


TABLES = {"flow": ("flows", "amount"), "activity": ("activity", "amount"),
          "stock": ("stocks", "level")}


def _reference_values(results, reference, mine: pd.DataFrame) -> np.ndarray:
    """The reference's value for each of `mine`'s keys (0 where it has none).

    `reference` is a live Results (values read from its solution) or anything with result
    tables — a RunView or a stored run — whose flows, activity and stocks are keyed by the
    same label columns as this model's."""
    if hasattr(reference, "solution") and hasattr(reference, "model"):
        ref = _keys(reference)
        target = mine.merge(ref.rename(columns={"col": "ref"}), on="key", how="left")
        ref_x = reference.solution.x
        return np.where(target["ref"].notna(),
                        ref_x[target["ref"].fillna(0).astype(np.int64)], 0.0)
    tables = reference.tables() if callable(getattr(reference, "tables", None)) \
        else getattr(reference, "tables", {})
    values: dict[str, float] = {}
    for span in results.model.build.lp.cols:
        if span.kind not in TABLES:
            continue
        name, col = TABLES[span.kind]
        df = tables.get(name)
        cols = list(span.labels.columns)
        if df is None or not len(df) or col not in df or not set(cols) <= set(df.columns):
            continue
        key = pd.Series(span.kind, index=df.index, dtype=object)
        for c in cols:
            key = key + "|" + df[c].astype(str).astype(object)
        values.update(zip(key.to_numpy(), df[col].to_numpy(dtype=float), strict=True))
    return np.array([values.get(k, 0.0) for k in mine["key"].to_numpy()])


def _name(reference) -> str:
    s = getattr(reference, "scenario", None)
    return s if isinstance(s, str) else str(getattr(reference, "name", ""))


def closest_optimum(results, reference):
    """`results` moved to the optimal answer nearest `reference`: another run's Results, or
    its tables (a RunView or a stored run).

    Returns `results` itself when nothing could be gained (no matched columns, a MIP, or the
    second solve fails), so a comparison never breaks on it.
    """
    from rareflow.results.result import Results

    f: Frozen = results.model.frozen
    if results.status != "optimal" or len(f.integer):
        return results
    mine = _keys(results)
    if not len(mine):
        return results
    r = _reference_values(results, reference, mine)
    cols = mine["col"].to_numpy(np.int64)
    n = f.shape[1]
    k = len(cols)
    old = results.solution
    # the optimal face: pin what the duals price
    lb, ub = f.lb.copy(), f.ub.copy()
    pinned = np.abs(old.col_dual) > DUAL_TOL
    for span in results.model.build.lp.cols:
        if span.kind in PINNED_KINDS:
            pinned[span.start:span.stop] = True
    lb[pinned] = ub[pinned] = old.x[pinned]
    row_lb, row_ub = f.row_lb.copy(), f.row_ub.copy()
    side = np.abs(old.row_dual) > DUAL_TOL
    side[: f.n_balance] = False  # balance rows are equalities already
    row_lb[side] = row_ub[side] = old.row_value[side]
    eye = sp.identity(k, format="csc")
    select = sp.csc_matrix((np.ones(k), (np.arange(k), cols)), shape=(k, n))
    a = sp.bmat([[f.a, None, None], [select, -eye, eye]], format="csc")
    lp = Frozen(a, np.concatenate([lb, np.zeros(2 * k)]),
                np.concatenate([ub, np.full(2 * k, np.inf)]),
                np.concatenate([np.zeros(n), np.ones(2 * k)]),
                np.concatenate([row_lb, r]), np.concatenate([row_ub, r]), f.n_balance)
    sol = highs.run(highs.new_solver(lp))
    if sol.status != "optimal":
        return results
    x = np.clip(sol.x[:n], f.lb, f.ub)
    cost = float(f.cost @ x)
    if cost > old.objective + COST_TOL * max(1.0, abs(old.objective)):
        return results
    try:
        worst = check_mass_balance(f, x, results.model.build.balance_labels)
    except MassBalanceError:  # the first answer stands if the second is not clean
        return results
    aligned = highs.Solution(old.status, old.objective, x, old.row_dual, old.col_dual,
                             f.a @ x, old.seconds + sol.seconds, old.iterations + sol.iterations,
                             {**old.info, "aligned_to": _name(reference),
                              "aligned_change": float(sol.objective),
                              "aligned_cost": cost})
    return Results(results.model, aligned, worst)
