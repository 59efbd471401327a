"""What changed between two solved scenarios, region by region, in tables and sentences."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from .metrics import balances, trade

EPS = 1e-6


def _diff(a: pd.DataFrame, b: pd.DataFrame, keys: list[str], value: str) -> pd.DataFrame:
    a = a.groupby(keys, as_index=False)[value].sum().rename(columns={value: "base"})
    b = b.groupby(keys, as_index=False)[value].sum().rename(columns={value: "scenario"})
    df = a.merge(b, on=keys, how="outer").fillna({"base": 0.0, "scenario": 0.0})
    df["change"] = df["scenario"] - df["base"]
    return df


@dataclass
class Comparison:
    """`scenario` measured against `base`: every table has base, scenario and change columns."""

    base_name: str
    scenario_name: str
    unserved: pd.DataFrame
    flows: pd.DataFrame
    prices: pd.DataFrame
    balances: pd.DataFrame
    sentences: list[str] = field(default_factory=list)

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"unserved": self.unserved, "flows": self.flows, "prices": self.prices,
                "balances": self.balances}


def compare(base, scenario) -> Comparison:
    un_keys = ["region", "sector", "commodity", "period"]
    unserved = _diff(base.unserved, scenario.unserved, un_keys, "amount")
    unserved = unserved[unserved["change"].abs() > EPS].reset_index(drop=True)

    fl_keys = ["origin", "destination", "commodity", "period"]
    flows = _diff(trade(base), trade(scenario), fl_keys, "amount")
    flows = flows[flows["change"].abs() > EPS].copy()
    flows["status"] = "changed"
    flows.loc[flows["base"] <= EPS, "status"] = "appeared"
    flows.loc[flows["scenario"] <= EPS, "status"] = "vanished"
    flows = flows.reset_index(drop=True)

    pr_keys = ["region", "commodity", "period"]
    prices = _diff(base.prices, scenario.prices, pr_keys, "price")
    prices = prices[prices["change"].abs() > EPS].reset_index(drop=True)

    cols = ["produced", "imports", "exports", "consumption", "self_sufficiency",
            "import_dependence"]
    ba, bb = balances(base), balances(scenario)
    bal = ba[pr_keys + cols].merge(bb[pr_keys + cols], on=pr_keys, how="outer",
                                   suffixes=("_base", "_scenario"))
    for c in cols:
        bal[f"{c}_change"] = bal[f"{c}_scenario"].fillna(0) - bal[f"{c}_base"].fillna(0)
    changed = bal[[f"{c}_change" for c in cols[:4]]].abs().max(axis=1) > EPS
    bal = bal[changed].reset_index(drop=True)

    cmp = Comparison(base.scenario, scenario.scenario, unserved, flows, prices, bal)
    cmp.sentences = _sentences(cmp)
    return cmp


def _t(v: float) -> str:
    return f"{abs(v):,.0f} t" if abs(v) >= 10 else f"{abs(v):,.1f} t"


def _sentences(c: Comparison, limit: int = 12) -> list[str]:
    out: list[str] = []
    un = c.unserved.copy()
    if len(un):
        un["mag"] = un["change"].abs()
        for r in un.sort_values("mag", ascending=False).head(limit // 2).itertuples():
            verb = "runs short of" if r.change > 0 else "is spared a shortfall of"
            out.append(f"{r.region} {r.sector} {verb} {_t(r.change)} more {r.commodity} in "
                       f"{r.period} ({_t(r.base)} → {_t(r.scenario)} unserved)."
                       if r.change > 0 else
                       f"{r.region} {r.sector} {verb} {_t(r.change)} of {r.commodity} in "
                       f"{r.period} ({_t(r.base)} → {_t(r.scenario)} unserved).")
    fl = c.flows
    if len(fl):
        lost = fl[fl["change"] < 0].groupby(["destination", "commodity", "period"])
        gained = fl[fl["change"] > 0]
        ranked = sorted(lost, key=lambda kv: kv[1]["change"].sum())
        for (dest, comm, per), g in ranked[: limit // 2]:
            src = ", ".join(f"{_t(x.change)} from {x.origin}" for x in g.itertuples())
            rep = gained[(gained["destination"] == dest) & (gained["commodity"] == comm)
                         & (gained["period"] == per)].sort_values("change", ascending=False)
            if len(rep):
                repl = ", ".join(f"{_t(x.change)} from {x.origin}" for x in rep.itertuples())
                out.append(f"{dest} loses {src} of {comm} in {per}; it is replaced by {repl}.")
            else:
                out.append(f"{dest} loses {src} of {comm} in {per}, with no replacement imports.")
    return out
