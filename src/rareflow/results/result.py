"""Results as labelled tables (one DataFrame per variable kind), built on demand."""

from __future__ import annotations

import json
from functools import cached_property

import numpy as np
import pandas as pd

from rareflow.lp.highs import Solution
from rareflow.results import policy_tables
from rareflow.results.slices import stock_levels, unserved_per_demand, unserved_tiers

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
        self._metrics: dict[str, pd.DataFrame] | None = None

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
        """stock, region, commodity, period, level (t at the period's end), floor, draw, final."""
        return stock_levels(self.model, self._table("stock", "level"))

    @cached_property
    def unserved(self) -> pd.DataFrame:
        """demand, region, commodity, sector, period, requested, amount (t not served; a tiered
        demand's slices summed — `unserved_tiers` has the split)."""
        df = unserved_per_demand(self._table("unserved"))
        if "requested" in df:
            df["served"] = _clean(df["requested"] - df["amount"])
        return df

    @cached_property
    def unserved_tiers(self) -> pd.DataFrame:
        """The unserved table split by demand tier (tier 0: the rest, at the demand's priority)."""
        return unserved_tiers(self.model, self._table("unserved"))

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
        ratio = [pols[p].per_output(self.model.scenario)[0] for p in df["policy"]]
        df["input_amount"] = df["amount"] * ratio
        return df

    @cached_property
    def stages(self) -> pd.DataFrame:
        """stage, announced, policies, fixed_from, fixed_to, …: the stages of an answer made
        without foreknowledge of late-announced measures (empty when there are none)."""
        return policy_tables.stages(self)

    @cached_property
    def transit(self) -> pd.DataFrame:
        """policy, exporter, region, commodity, period, re_exported, allowed, slack, dual,
        binding: the no-transit rows (empty without `no_transit`)."""
        return policy_tables.transit(self)

    @cached_property
    def subsidies(self) -> pd.DataFrame:
        """policy, region, process, period, activity, subsidised, paid, budget_left: what each
        subsidy paid per period (empty without subsidies)."""
        return policy_tables.subsidies(self)

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

    @cached_property
    def costs(self) -> pd.DataFrame:
        """The objective split by kind of term (discounted), so penalties show apart from costs."""
        names = {"activity": "operating", "flow": "transport and tariffs", "stock": "holding",
                 "build": "capital", "unserved": "unserved-demand penalty",
                 "surplus": "disposal", "agreement_shortfall": "agreement breach",
                 "agreement_excess": "agreement breach", "tolled": "tolling fees",
                 "target_shortfall": "target-shortfall penalty"}
        x, c = self.solution.x, self.model.frozen.cost
        acc: dict[str, float] = {}
        for span in self.model.build.lp.cols:
            v = float(np.dot(x[span.start:span.stop], c[span.start:span.stop]))
            key = names.get(span.kind, span.kind)
            acc[key] = acc.get(key, 0.0) + v
        policy_tables.split_subsidies(self, acc)
        return pd.DataFrame({"term": list(acc), "amount": list(acc.values())})

    def summary(self) -> dict:
        un = self.unserved
        return {
            "scenario": self.scenario,
            "status": self.status,
            "objective": self.objective,
            "currency": self.model.scenario.currency,
            "periods": list(self.model.periods.labels),
            "unserved_total_t": float(un["amount"].sum()) if len(un) else 0.0,
            "costs": dict(zip(self.costs["term"], self.costs["amount"], strict=True)),
            "max_balance_residual_t": self.max_balance_residual,
            "variables": int(self.model.frozen.shape[1]),
            "constraints": int(self.model.frozen.shape[0]),
            "solve_seconds": self.solution.seconds,
            "build_seconds": self.model.build_seconds,
            "iterations": self.solution.iterations,
            "files": self.model.files,
        }

    @cached_property
    def _explainer(self):
        from rareflow.analyze.explain import Explainer

        return Explainer(self)

    def explain(self, region: str | None = None, period: str | None = None) -> list[str]:
        """Sentences: each shortfall and the binding constraints behind it, ranked by dual."""
        out = self._explainer.sentences()
        if region:
            names = {region, self.model.scenario.regions.get(region).label
                     if region in self.model.scenario.regions else region}
            out = [s for s in out if any(s.startswith(f"{n}'s") for n in names if n)]
        if period:
            out = [s for s in out if str(period) in s]
        return out

    def explain_table(self) -> pd.DataFrame:
        """constraint, kind, period, dual, slack, affected — every binding constraint."""
        return self._explainer.table()

    def shortfall_causes(self) -> pd.DataFrame:
        """One row per (shortfall, binding constraint upstream of it), ranked by dual."""
        return self._explainer.shortfalls()

    def build_plan(self) -> list[str]:
        """What to build, where, when, online when, at what capital cost — in sentences."""
        b = self.builds
        if not len(b):
            return []
        b = b[b["amount"] > 1e-6]
        cands = {c.id: c for c in self.model.scenario.candidates}
        procs = self.model.scenario.processes
        cur = self.model.scenario.currency
        regions = self.model.scenario.regions
        out = []
        for cid, g in b.groupby("candidate", sort=False):
            c = cands[cid]
            outputs = "makes " + next(iter(procs[c.process].outputs), "nothing")
            reg = regions[c.region].label or c.region
            total = g["amount"].sum()
            capex = f"capital cost {total * c.capex:,.0f} {cur}."
            if len(g) == 1:
                row = next(g.itertuples())
                out.append(f"Build {row.amount:,.0f} t/yr of {c.process} capacity ({outputs}) in "
                           f"{reg} in {row.period} ('{c.id}'), online {row.online}; {capex}")
                continue
            steps = ", ".join(f"{r.amount:,.0f} t/yr in {r.period} (online {r.online})"
                              for r in g.itertuples())
            out.append(f"Build {total:,.0f} t/yr of {c.process} capacity ({outputs}) in {reg} "
                       f"('{c.id}') in {len(g)} steps: {steps}; {capex}")
        return out

    @cached_property
    def targets(self) -> pd.DataFrame:
        """target, period, required (t), shortfall (t), met — per target and period."""
        df = self._table("target_shortfall", "shortfall")
        if not len(df):
            return pd.DataFrame(columns=["target", "period", "shortfall", "met"])
        df["met"] = df["shortfall"] <= 1e-6
        return df

    def target_report(self) -> list[str]:
        """For each target: met throughout, or the earliest period from which it can be met and
        what limits it before then (the binding constraints upstream of its rows)."""
        out = []
        tab = self.targets
        b = self.model.build
        for tg in b.targets:
            rows = tab[tab["target"] == tg.id]
            if not len(rows):
                continue
            unmet = rows[~rows["met"]]
            if not len(unmet):
                out.append(f"Target '{tg.id}' ({tg.describe()}) is met in every period "
                           f"{rows['period'].iloc[0]}–{rows['period'].iloc[-1]}.")
                continue
            labels = list(rows["period"])
            last_bad = labels.index(unmet["period"].iloc[-1])
            when = (f"can be met from {labels[last_bad + 1]}" if last_bad + 1 < len(labels)
                    else "cannot be met within the horizon")
            gap = ", ".join(f"{r.period}: {r.shortfall:,.0f} t" for r in unmet.itertuples())
            spans = [sp for sp in b.lp.rows if sp.kind == "target"]
            start_rows = []
            for sp in spans:
                sel = (sp.labels["target"] == tg.id) & sp.labels["period"].isin(unmet["period"])
                start_rows += [self.model.frozen.n_balance + sp.start + int(j)
                               for j in np.flatnonzero(sel.to_numpy())]
            found = self._explainer.trace(start_rows)
            limits = []
            for c, _ in sorted(found.items(), key=lambda kv: -kv[1]):
                if c.key[:2] != ("policy", tg.id) and c.name not in limits:
                    limits.append(c.name)
            limits = limits[:4]
            why = ("; limited by " + "; ".join(limits)) if limits else ""
            out.append(f"Target '{tg.id}' ({tg.describe()}) {when}; it falls short in {gap}{why}.")
        return out

    def metrics(self) -> dict[str, pd.DataFrame]:
        """Self-sufficiency, import dependence, HHI, shortfall by sector, days of cover.

        Computed once per result (the CSV writer and the run store both ask); copies are
        handed out so that a caller's edits do not leak into the next one's."""
        if self._metrics is None:
            from rareflow.analyze import metrics

            self._metrics = metrics(self)
        return {k: v.copy() for k, v in self._metrics.items()}

    def compare(self, base: Results):
        """What changed in this run against `base` (tables with base, scenario, change)."""
        from rareflow.analyze import compare

        return compare(base, self)

    def to_json(self) -> str:
        return json.dumps(self.summary(), indent=2)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"activity": self.activity, "flows": self.flows, "stocks": self.stocks,
                "unserved": self.unserved, "prices": self.prices, "builds": self.builds,
                "surplus": self.surplus, "breaches": self.breaches, "tolling": self.tolling,
                **policy_tables.extra_tables(self)}
