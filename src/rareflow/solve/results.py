"""Results as labelled tables (one DataFrame per variable kind), built on demand."""

from __future__ import annotations

import json
from functools import cached_property

import numpy as np
import pandas as pd

from .highs import Solution

ZERO = 1e-9


def _clean(v: np.ndarray) -> np.ndarray:
    v = np.where(np.abs(v) < ZERO, 0.0, v)
    return v + 0.0  # no negative zeros in output


class Results:
    """The answer to one scenario: tables, objective, status, and the model they came from."""

    def __init__(self, model, solution: Solution, balance_residual: float) -> None:
        self.model = model
        self.solution = solution
        self.status = solution.status
        self.objective = solution.objective
        self.max_balance_residual = balance_residual
        self.scenario = model.scenario.name

    def __repr__(self) -> str:
        return (f"<Results {self.scenario}: {self.status}, objective {self.objective:,.2f} "
                f"{self.model.scenario.currency}, unserved {self.unserved['amount'].sum():,.1f} t>")

    def _table(self, kind: str, value: str = "amount") -> pd.DataFrame:
        parts = []
        for span in self.model.build.lp.cols:
            if span.kind == kind:
                df = span.labels.copy()
                df[value] = _clean(self.solution.x[span.start:span.stop])
                parts.append(df)
        if not parts:
            return pd.DataFrame(columns=[value])
        return pd.concat(parts, ignore_index=True)

    @cached_property
    def activity(self) -> pd.DataFrame:
        """facility, region, process, period, amount (units of activity), kind."""
        return self._table("activity")

    @cached_property
    def flows(self) -> pd.DataFrame:
        """route, origin, destination, commodity, period, amount (t)."""
        return self._table("flow")

    @cached_property
    def stocks(self) -> pd.DataFrame:
        """stock, region, commodity, period, level (t at the period's end)."""
        return self._table("stock", "level")

    @cached_property
    def unserved(self) -> pd.DataFrame:
        """demand, region, commodity, sector, period, requested, amount (t not served)."""
        df = self._table("unserved")
        if "requested" in df:
            df["served"] = _clean(df["requested"] - df["amount"])
        return df

    @cached_property
    def builds(self) -> pd.DataFrame:
        """candidate, region, process, period, amount (t/yr of capacity built), online."""
        df = self._table("build")
        if len(df):
            cands = {c.id: c for c in self.model.scenario.candidates}
            P = self.model.periods
            online = []
            for cid, per in zip(df["candidate"], df["period"], strict=True):
                t = P.labels.index(per)
                due = P.start[t] + round(cands[cid].lead_time * 12)
                k = int(np.searchsorted(P.start, due))
                online.append(P.labels[k] if k < P.n else "after horizon")
            df["online"] = online
        return df

    @cached_property
    def surplus(self) -> pd.DataFrame:
        """region, commodity, period, amount discarded (only commodities with disposal_cost)."""
        return self._table("surplus")

    @cached_property
    def breaches(self) -> pd.DataFrame:
        """policy, period, side, amount: agreement volumes missed (or exceeded) at breach cost."""
        short = self._table("agreement_shortfall").assign(side="min")
        excess = self._table("agreement_excess").assign(side="max")
        return pd.concat([short, excess], ignore_index=True)

    @cached_property
    def tolling(self) -> pd.DataFrame:
        """policy, owner, partner, input, output, period, amount (t output), input_amount (t)."""
        df = self._table("tolled")
        if not len(df):
            return pd.DataFrame(columns=["policy", "owner", "partner", "input", "output", "period",
                                         "amount", "input_amount"])
        pols = {p.id: p for p in self.model.build.policies if p.type == "tolling"}
        df["input"] = [pols[p].input for p in df["policy"]]
        df["output"] = [pols[p].output for p in df["policy"]]
        ratio = [pols[p]._per_output(self.model.build)[0] for p in df["policy"]]
        df["input_amount"] = df["amount"] * ratio
        return df

    @cached_property
    def prices(self) -> pd.DataFrame:
        """region, commodity, period, price: the value of one more tonne there and then.

        Duals of the balance rows, undiscounted to money of the period, per tonne.
        """
        b = self.model.build
        df = b.balance_labels()
        dual = self.solution.row_dual[: len(df)]
        t = np.tile(np.arange(b.T), len(b.pairs))
        df["price"] = _clean(dual / b.disc[t]) if len(df) else []
        return df

    def summary(self) -> dict:
        un = self.unserved
        return {
            "scenario": self.scenario,
            "status": self.status,
            "objective": self.objective,
            "currency": self.model.scenario.currency,
            "periods": list(self.model.periods.labels),
            "unserved_total_t": float(un["amount"].sum()) if len(un) else 0.0,
            "max_balance_residual_t": self.max_balance_residual,
            "variables": int(self.model.frozen.shape[1]),
            "constraints": int(self.model.frozen.shape[0]),
            "solve_seconds": self.solution.seconds,
            "build_seconds": self.model.build_seconds,
            "iterations": self.solution.iterations,
            "files": self.model.files,
        }

    def metrics(self) -> dict[str, pd.DataFrame]:
        """Self-sufficiency, import dependence, HHI, shortfall by sector, days of cover."""
        from ..analyze import metrics

        return metrics(self)

    def compare(self, base: Results):
        """What changed in this run against `base` (tables with base, scenario, change)."""
        from ..analyze import compare

        return compare(base, self)

    def to_json(self) -> str:
        return json.dumps(self.summary(), indent=2)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"activity": self.activity, "flows": self.flows, "stocks": self.stocks,
                "unserved": self.unserved, "prices": self.prices, "builds": self.builds,
                "surplus": self.surplus, "breaches": self.breaches, "tolling": self.tolling}
