"""What changed between two solved scenarios, region by region, in tables and sentences."""

from __future__ import annotations

from dataclasses import dataclass, field

import pandas as pd

from rareflow.analyze.metrics import balances, trade
from rareflow.lp.align import closest_optimum
from rareflow.lp.rules.routes import trade_routes
from rareflow.scenario.policies.routes_match import TradePolicy

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
    flows_all: pd.DataFrame | None = None
    periods: list[str] = field(default_factory=list)
    base_objective: float | None = None
    scenario_objective: float | None = None

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"unserved": self.unserved, "flows": self.flows, "prices": self.prices,
                "balances": self.balances}


def compare(base, scenario, align: bool = True) -> Comparison:
    """`scenario` against `base`. With `align` (the default) the scenario's answer is first
    moved to its optimum closest to the base (solve/align.py), so that equal-cost swaps between
    suppliers do not pass for effects of the scenario."""
    if align:
        scenario = closest_optimum(scenario, base)
    un_keys = ["region", "sector", "commodity", "period"]
    unserved = _diff(base.unserved, scenario.unserved, un_keys, "amount")
    unserved = unserved[unserved["change"].abs() > EPS].reset_index(drop=True)

    fl_keys = ["origin", "destination", "commodity", "period"]
    flows_all = _diff(trade(base), trade(scenario), fl_keys, "amount")
    flows = flows_all[flows_all["change"].abs() > EPS].copy()
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

    cmp = Comparison(base.scenario, scenario.scenario, unserved, flows, prices, bal,
                     flows_all=flows_all, periods=list(scenario.model.periods.labels),
                     base_objective=base.objective, scenario_objective=scenario.objective)
    cmp.sentences = _sentences(cmp, _links_of_new_trade_policies(base, scenario))
    return cmp


def _links_of_new_trade_policies(base, scenario) -> set[tuple[str, str, str]]:
    """(origin, destination, commodity) of the routes that trade policies of `scenario`, absent
    from `base` in the same form, act on — matched by the policies' own route selection.

    Those links are the direct effect of the scenario; everything else that moves is the
    market's response (or an equal-cost reshuffle), so they are told first.
    """
    def dump(p) -> str:
        return p.model_dump_json(exclude={"source", "headline", "event"})

    had = {dump(p) for p in base.model.build.policies}
    build = scenario.model.build
    routes = build.routes
    links: set[tuple[str, str, str]] = set()
    for p in build.policies:
        if isinstance(p, TradePolicy) and dump(p) not in had:
            hit = routes.iloc[trade_routes(p, build)]
            links.update(zip(hit["origin"], hit["destination"], hit["commodity"], strict=True))
    return links


def _t(v: float) -> str:
    return f"{abs(v):,.0f} t" if abs(v) >= 10 else f"{abs(v):,.1f} t"


def _span(periods: list[str]) -> str:
    return periods[0] if len(periods) == 1 else f"{periods[0]}–{periods[-1]}"


def _sentences(c: Comparison, hit_links: set | None = None, limit: int = 12) -> list[str]:
    """Shortfalls first; then lost import sources and what replaced them, netted over the
    horizon so that equal-cost reshuffles between suppliers (alternative optima) cancel out.
    Links that a new trade policy covers come first among the lost ones, then links that stop
    altogether, then the largest falls."""
    out: list[str] = []
    un = c.unserved
    if len(un):
        order = {p: k for k, p in enumerate(c.periods)}
        g = un.groupby(["region", "commodity"], sort=False)
        ranked = sorted(g, key=lambda kv: -abs(kv[1]["change"].sum()))
        for (reg, com), d in ranked[: limit // 2]:
            tot = d["change"].sum()
            pers = sorted(set(d["period"]), key=lambda p: order.get(p, 0))
            when = _span(pers)
            secs = d.groupby("sector", sort=False)["change"].sum()
            secs = secs[secs.abs() > EPS].sort_values(key=abs, ascending=False)
            if len(secs) == 1:
                who = f"{reg} {secs.index[0]}"
                split = ""
            else:  # sectors sharing one shortfall (equal priority: pro rata) in one sentence
                who = reg
                split = "; " + ", ".join(f"{sec} {'+' if v > 0 else '−'}{_t(v)}"
                                          for sec, v in secs.items())
            if tot > 0:
                out.append(f"{who} runs short of {_t(tot)} more {com} over {when} "
                           f"({_t(d['base'].sum())} → {_t(d['scenario'].sum())} unserved{split}).")
            else:
                out.append(f"{who} is spared {_t(tot)} of {com} shortfall over {when}"
                           f"{f' ({split[2:]})' if split else ''}.")
    fl = c.flows
    if not len(fl):
        return out
    order = {p: k for k, p in enumerate(c.periods)}
    pair = fl.groupby(["destination", "origin", "commodity"], as_index=False)["change"].sum()
    threshold = max(1.0, 1e-3 * fl["base"].abs().max())
    lost = pair[pair["change"] < -threshold].copy()
    lost["gone"] = [_zero_from(c, r.origin, r.destination, r.commodity) is not None
                    for r in lost.itertuples()]
    lost["hit"] = [(r.origin, r.destination, r.commodity) in (hit_links or set())
                   for r in lost.itertuples()]
    lost = lost.sort_values(["hit", "gone", "change"], ascending=[False, False, True])
    exporters_told: set[str] = set()
    told = 0
    for rec in lost.itertuples():
        if told >= limit // 2:
            break
        told += 1
        d = fl[(fl["destination"] == rec.destination) & (fl["origin"] == rec.origin)
               & (fl["commodity"] == rec.commodity)]
        pers = sorted(set(d["period"]), key=order.get)
        zero_from = _zero_from(c, rec.origin, rec.destination, rec.commodity)
        tail = f", and none at all from {zero_from} on" if zero_from and len(pers) > 1 else ""
        text = (f"{rec.destination}'s imports of {rec.commodity} from {rec.origin} fall by "
                f"{_t(rec.change)} over {_span(pers)}{tail}")
        mine = fl[(fl["destination"] == rec.destination) & fl["period"].isin(pers)]
        same = mine[(mine["commodity"] == rec.commodity) & (mine["origin"] != rec.origin)]
        by = same.groupby("origin")["change"].sum()
        by = by[by > threshold].sort_values(ascending=False)
        if len(by):
            text += "; replaced by " + ", ".join(f"{_t(v)} from {o}" for o, v in by.items())
        others = mine[mine["commodity"] != rec.commodity].groupby("commodity")["change"].sum()
        others = others[others > threshold].sort_values(ascending=False)
        if len(others):
            parts = []
            for com, tot in others.items():
                o = mine[mine["commodity"] == com].groupby("origin")["change"].sum()
                o = o[o.abs() > threshold].sort_values(ascending=False)
                parts.append(f"{_t(tot)} more {com} (" + ", ".join(
                    f"{k} {'+' if v > 0 else '−'}{_t(v)}" for k, v in o.items()) + ")")
            text += ("; and by " if len(by) else "; made up by ") + ", ".join(parts)
        if not len(by) and not len(others):
            text += "; nothing replaces it"
        b = c.balances
        own = b[(b["region"] == rec.destination) & b["period"].isin(pers)] \
            .groupby("commodity")["produced_change"].sum()
        own = own[own.abs() > threshold]
        if len(own):
            text += f"; {rec.destination}'s own output changes: " + ", ".join(
                f"{com} {'+' if v > 0 else '−'}{_t(v)}" for com, v in own.items())
        if rec.hit and rec.origin not in exporters_told:  # once per exporter
            exporters_told.add(rec.origin)
            text += _exporter_side(c, fl, rec, pers, threshold)
        out.append(text + ".")
    return out


def _exporter_side(c: Comparison, fl: pd.DataFrame, rec, pers: list[str], threshold: float) -> str:
    """Where the stopped material goes at the exporter's end: other buyers, or less output."""
    text = ""
    mine = fl[(fl["origin"] == rec.origin) & (fl["commodity"] == rec.commodity)
              & (fl["destination"] != rec.destination) & fl["period"].isin(pers)]
    by = mine.groupby("destination")["change"].sum()
    by = by[by > threshold].sort_values(ascending=False)
    if len(by):
        text += f"; {rec.origin} sends " + ", ".join(f"{_t(v)} more to {d}" for d, v in by.items())
    b = c.balances
    own = b[(b["region"] == rec.origin) & b["period"].isin(pers)].groupby("commodity")[
        ["produced_change", "consumption_change"]].sum()
    made = own["produced_change"][own["produced_change"].abs() > threshold]
    if len(made):
        text += f"; {rec.origin}'s own output changes: " + ", ".join(
            f"{com} {'+' if v > 0 else '−'}{_t(v)}" for com, v in made.items())
    used = own["consumption_change"][own["consumption_change"] > threshold]
    if len(used):
        text += f"; {rec.origin} uses more at home: " + ", ".join(
            f"{com} +{_t(v)}" for com, v in used.items())
    elif not len(by) and len(made) and (made < 0).any():
        text += " (nothing at home takes it up, so less is made)"
    return text


def _zero_from(c: Comparison, origin: str, dest: str, com: str) -> str | None:
    """The period from which the scenario ships nothing on this link to the end, if any."""
    d = c.flows_all
    d = d[(d["origin"] == origin) & (d["destination"] == dest) & (d["commodity"] == com)]
    ordered = [p for p in c.periods if p in set(d["period"])] if len(d) else []
    vals = dict(zip(d["period"], d["scenario"], strict=True))
    start = None
    for p in c.periods:
        if vals.get(p, 0.0) <= EPS:
            start = start or p
        else:
            start = None
    return start if ordered and start != c.periods[0] else None
