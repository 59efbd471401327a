"""The result tables read off a solved LP: the labels of each column span beside its values.

A live `Results` asks for a table the first time it is used; this module turns the LP's column
spans (lp/matrix.py) and the solver's vectors into the labelled tables declared in
results/schema.py. A result read back from the store has its tables already and never comes here.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rareflow.lp import stages
from rareflow.lp.highs import Solution
from rareflow.results import policy_tables
from rareflow.results.slices import stock_levels, unserved_per_demand, unserved_tiers
from rareflow.tolerances import SHOWN_T, ZERO

# result table → (the LP column kind(s) it reads, the name of the value column)
KINDS: dict[str, tuple[tuple[str, ...], str]] = {
    "activity": (("activity",), "amount"),
    "flows": (("flow",), "amount"),
    "stocks": (("stock",), "level"),
    "unserved": (("unserved",), "amount"),
    "builds": (("build",), "amount"),
    "surplus": (("surplus",), "amount"),
    "tolling": (("tolled",), "amount"),
    "targets": (("target_shortfall",), "shortfall"),
}

COST_TERMS = {"activity": "operating", "flow": "transport and tariffs", "stock": "holding",
              "build": "capital", "unserved": "unserved-demand penalty", "surplus": "disposal",
              "agreement_shortfall": "agreement breach", "agreement_excess": "agreement breach",
              "tolled": "tolling fees", "target_shortfall": "target-shortfall penalty"}


def clean(v: np.ndarray) -> np.ndarray:
    """Solver noise below `ZERO` as exact zeros, and no negative zeros in output."""
    v = np.where(np.abs(v) < ZERO, 0.0, v)
    return v + 0.0


def columns_of(model, kind: str, x: np.ndarray, value: str = "amount") -> pd.DataFrame:
    """Every column of one LP kind: its labels and its value."""
    parts = []
    for span in model.build.lp.cols:
        if span.kind == kind:
            df = span.labels.copy()
            df[value] = clean(x[span.start:span.stop])
            parts.append(df)
    if not parts:
        return pd.DataFrame(columns=[value])
    return pd.concat(parts, ignore_index=True)


def table(model, sol: Solution, name: str) -> pd.DataFrame:
    """One result table of a solved model (before it is conformed to the schema)."""
    if name == "prices":
        return _prices(model, sol)
    if name in ("stages", "transit", "subsidies"):
        return getattr(policy_tables, name)(model, sol)
    if name == "unserved_tiers":
        return unserved_tiers(model, columns_of(model, "unserved", sol.x))
    if name == "breaches":
        short = columns_of(model, "agreement_shortfall", sol.x).assign(side="min")
        excess = columns_of(model, "agreement_excess", sol.x).assign(side="max")
        return pd.concat([short, excess], ignore_index=True)
    (kind,), value = KINDS[name]
    df = columns_of(model, kind, sol.x, value)
    if name == "stocks":
        df = stock_levels(model, df)
    if name == "unserved":
        df = unserved_per_demand(df)  # a tiered demand's slices in its own row
    if name == "unserved" and "requested" in df:
        df["served"] = clean(df["requested"] - df["amount"])
    elif name == "builds" and len(df):
        df["online"] = _online(model, df)
    elif name == "tolling" and len(df):
        pols = {p.id: p for p in model.build.policies if p.type == "tolling"}
        df["input"] = [pols[p].input for p in df["policy"]]
        df["output"] = [pols[p].output for p in df["policy"]]
        ratio = [pols[p].per_output(model.scenario)[0] for p in df["policy"]]
        df["input_amount"] = df["amount"] * ratio
    elif name == "targets" and len(df):
        df["met"] = df["shortfall"] <= SHOWN_T
    return df


def _online(model, df: pd.DataFrame) -> list[str]:
    """The first period in which capacity built in each row serves (lead time in years)."""
    cands = {c.id: c for c in model.scenario.candidates}
    P = model.periods
    index = {p: t for t, p in enumerate(P.labels)}
    # every row at once (a search per row was 0.05 s of china-controls-2025's run; issue 17):
    # the same month arithmetic and the same left search, as arrays
    t = np.array([index[per] for per in df["period"]], dtype=np.int64)
    lead = np.array([round(cands[cid].lead_time * 12) for cid in df["candidate"]], dtype=np.int64)
    k = np.searchsorted(P.start, P.start[t] + lead)
    return [P.labels[i] if i < P.n else "after horizon" for i in k.tolist()]


def _prices(model, sol: Solution) -> pd.DataFrame:
    """Duals of the balance rows, undiscounted to money of the period, per tonne. In a staged
    answer a fixed period's price is the one of the stage that decided it (lp/stages.py)."""
    b = model.build
    df = b.balance_labels()
    dual = stages.decided_row_dual(sol)[: len(df)]
    t = np.tile(np.arange(b.T), len(b.pairs))
    df["price"] = clean(dual / b.disc[t]) if len(df) else []
    return df


def costs(model, sol: Solution) -> pd.DataFrame:
    """The objective split by kind of term (discounted), so penalties show apart from costs."""
    x, c = sol.x, model.frozen.cost
    acc: dict[str, float] = {}
    for span in model.build.lp.cols:
        v = float(np.dot(x[span.start:span.stop], c[span.start:span.stop]))
        key = COST_TERMS.get(span.kind, span.kind)
        acc[key] = acc.get(key, 0.0) + v
    policy_tables.split_subsidies(model, sol, acc)
    return pd.DataFrame({"term": list(acc), "amount": list(acc.values())})
