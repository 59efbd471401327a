"""What changed between two solved scenarios, region by region, in tables and sentences.

Also the result-level half of alignment (lp/align.py does the LP half): which columns to match,
the reference's values for them (a live run's vectors or a stored run's tables), and a new
`Results` for the moved answer.
"""

from __future__ import annotations

import weakref
from dataclasses import dataclass, field

import numpy as np
import pandas as pd

from rareflow.analyze.common_periods import Common, common_periods, regroup, same_axis
from rareflow.analyze.metrics import balances, trade
from rareflow.analyze.words import span, tonnes
from rareflow.lp import align as lp_align
from rareflow.results.result import Results, analysis
from rareflow.results.solved import KINDS as TABLE_KINDS
from rareflow.scenario.policies.routes_match import TradePolicy, match_routes
from rareflow.tolerances import SHOWN_T as EPS
from rareflow.tolerances import ZERO

KINDS = ("flow", "activity", "stock")  # the columns an aligned answer keeps close to the reference
PINNED_KINDS = ("unserved",)  # shortfalls stay as `run` and `explain` report them
# LP kind → (result table, value column) of the matched kinds, to read a stored reference
TABLES = {kinds[0]: (name, value) for name, (kinds, value) in TABLE_KINDS.items()
          if kinds[0] in KINDS}

# answers already moved towards a reference (or found not to move): asked again (a report
# aligns, then compares), the same answer is returned instead of solving the second LP again
_ALIGNED: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _keys(results, kinds=KINDS) -> pd.DataFrame:
    """Every column of the matched kinds: its index and a hashable label key."""
    parts = []
    for sp in results.model.build.lp.cols:
        if sp.kind in kinds:
            lab = sp.labels.astype(str)
            key = pd.Series(sp.kind, index=lab.index, dtype=object)
            for c in lab.columns:  # vectorised: no Python call per column of the LP
                key = key + "|" + lab[c].astype(object)
            parts.append(pd.DataFrame({"col": np.arange(sp.start, sp.stop),
                                       "key": key.to_numpy()}))
    if not parts:
        return pd.DataFrame({"col": np.zeros(0, dtype=np.int64), "key": []})
    return pd.concat(parts, ignore_index=True)


def _reference_values(results, reference: Results, mine: pd.DataFrame) -> np.ndarray:
    """The reference's value for each of `mine`'s keys (0 where it has none).

    A live reference gives its solver's values; one read back from the store its flows,
    activity and stocks tables, keyed by the same label columns as this model's."""
    if reference.live:
        ref = _keys(reference)
        target = mine.merge(ref.rename(columns={"col": "ref"}), on="key", how="left")
        ref_x = reference.solution.x
        return np.where(target["ref"].notna(),
                        ref_x[target["ref"].fillna(0).astype(np.int64)], 0.0)
    values: dict[str, float] = {}
    for sp in results.model.build.lp.cols:
        if sp.kind not in TABLES:
            continue
        name, col = TABLES[sp.kind]
        df = reference.table(name)
        cols = list(sp.labels.columns)
        if not len(df) or not set(cols) <= set(df.columns):
            continue
        key = pd.Series(sp.kind, index=df.index, dtype=object)
        for c in cols:
            key = key + "|" + df[c].astype(str).astype(object)
        values.update(zip(key.to_numpy(), df[col].to_numpy(dtype=float), strict=True))
    return np.array([values.get(k, 0.0) for k in mine["key"].to_numpy()])


def closest_optimum(results: Results, reference: Results) -> Results:
    """`results` moved to the optimal answer nearest `reference` (lp/align.py): another run,
    live or read back from the store.

    Returns `results` itself when nothing could be gained (no matched columns, a MIP, the
    second solve fails) or when it has no LP to move (read back from the store: the web stores
    runs already moved towards what they are compared with), so a comparison never breaks on it.
    """
    if not results.live:
        return results
    if _ALIGNED.get(results) is reference:
        return results
    mine = _keys(results)
    f = results.model.frozen
    pinned = np.zeros(f.shape[1], dtype=bool)
    for sp in results.model.build.lp.cols:
        if sp.kind in PINNED_KINDS:
            pinned[sp.start:sp.stop] = True
    moved = lp_align.closest_optimum(
        f, results.solution, mine["col"].to_numpy(np.int64),
        _reference_values(results, reference, mine) if len(mine) else np.zeros(0), pinned,
        results.model.build.balance_labels, {"aligned_to": reference.name})
    out = results if moved is None else Results.from_solve(results.model, *moved)
    _ALIGNED[out] = reference
    return out


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
    production: pd.DataFrame | None = None  # plant activity by region × process × period
    note: str = ""  # how the periods were matched, when the two runs are cut differently

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"unserved": self.unserved, "flows": self.flows, "prices": self.prices,
                "balances": self.balances}


@analysis("compare")
def compare(base: Results, scenario: Results, align: bool = True) -> Comparison:
    """`scenario` against `base`. With `align` (the default) the scenario's answer is first
    moved to its optimum closest to the base (lp/align.py), so that equal-cost swaps between
    suppliers do not pass for effects of the scenario. Either may be read back from the store
    (then it is compared as stored)."""
    common = None
    if not same_axis(base.horizon, scenario.horizon):
        common = common_periods(base.name, base.horizon, scenario.name, scenario.horizon)
    if align and common is None:  # alignment matches columns period by period
        scenario = closest_optimum(scenario, base)
    tb, ts = _tables(base, common, "base"), _tables(scenario, common, "scenario")
    un_keys = ["region", "sector", "commodity", "period"]
    unserved = _diff(tb["unserved"], ts["unserved"], un_keys, "amount")
    unserved = unserved[unserved["change"].abs() > EPS].reset_index(drop=True)

    fl_keys = ["origin", "destination", "commodity", "period"]
    flows_all = _diff(tb["trade"], ts["trade"], fl_keys, "amount")
    flows = flows_all[flows_all["change"].abs() > EPS].copy()
    flows["status"] = "changed"
    flows.loc[flows["base"] <= EPS, "status"] = "appeared"
    flows.loc[flows["scenario"] <= EPS, "status"] = "vanished"
    flows = flows.reset_index(drop=True)

    pr_keys = ["region", "commodity", "period"]
    prices = _diff(tb["prices"], ts["prices"], pr_keys, "price")
    prices = prices[prices["change"].abs() > EPS].reset_index(drop=True)

    cols = BALANCE_COLS
    ba, bb = tb["balances"], ts["balances"]
    bal = ba[pr_keys + cols].merge(bb[pr_keys + cols], on=pr_keys, how="outer",
                                   suffixes=("_base", "_scenario"))
    for c in cols:
        bal[f"{c}_change"] = bal[f"{c}_scenario"].fillna(0) - bal[f"{c}_base"].fillna(0)
    changed = bal[[f"{c}_change" for c in cols[:4]]].abs().max(axis=1) > EPS
    bal = bal[changed].reset_index(drop=True)

    prod = _diff(tb["activity"], ts["activity"], ["region", "process", "period"], "amount")
    prod = prod[prod["change"].abs() > EPS].reset_index(drop=True)

    cmp = Comparison(base.name, scenario.name, unserved, flows, prices, bal,
                     flows_all=flows_all,
                     periods=scenario.periods if common is None else common.labels,
                     base_objective=base.objective, scenario_objective=scenario.objective,
                     production=prod)
    cmp.sentences = _sentences(cmp, _links_of_new_trade_policies(base, scenario))
    if common is not None:
        cmp.note = common.note + (" The answers are compared as solved: moving one to its "
                                  "optimum closest to the other needs the same periods in both."
                                  if align else "")
        cmp.sentences.insert(0, cmp.note)
    return cmp


BALANCE_COLS = ["produced", "imports", "exports", "consumption", "self_sufficiency",
                "import_dependence"]


def _tables(r: Results, common: Common | None, side: str) -> dict[str, pd.DataFrame]:
    """The tables compared, on `r`'s own periods or moved to the common ones: amounts summed,
    prices weighted by period length, the balance shares computed again from the sums."""
    un, tr, pr, bal, act = r.unserved, trade(r), r.prices, balances(r), r.activity
    if common is None:
        return {"unserved": un, "trade": tr, "prices": pr, "balances": bal, "activity": act}
    m = common.of_base if side == "base" else common.of_scenario
    lengths = dict(zip(r.horizon.labels, (int(k) for k in r.horizon.months), strict=True))
    keys = ["region", "commodity", "period"]
    bal = regroup(bal, keys, m, BALANCE_COLS[:4])
    with np.errstate(divide="ignore", invalid="ignore"):
        cons = bal["consumption"].where(bal["consumption"] > ZERO)
        bal["self_sufficiency"] = (bal["produced"] / cons).clip(upper=1.0)
        bal["import_dependence"] = ((bal["imports"] - bal["exports"]) / cons).clip(lower=0.0)
    return {
        "unserved": regroup(un, ["region", "sector", "commodity", "period"], m, ["amount"]),
        "trade": regroup(tr, ["origin", "destination", "commodity", "period"], m, ["amount"]),
        "prices": regroup(pr, keys, m, ["price"], lengths),
        "balances": bal,
        "activity": regroup(act, ["region", "process", "period"], m, ["amount"]),
    }


def _links_of_new_trade_policies(base: Results, scenario: Results) -> set[tuple[str, str, str]]:
    """(origin, destination, commodity) of the routes that trade policies of `scenario`, absent
    from `base` in the same form, act on — matched by the policies' own route selection
    (`match_routes`, as the LP's rules do) on the scenario's routes.

    Those links are the direct effect of the scenario; everything else that moves is the
    market's response (or an equal-cost reshuffle), so they are told first.
    """
    def dump(p) -> str:
        return p.model_dump_json(exclude={"source", "headline", "event"})

    had = {dump(p) for p in base.scenario.all_policies()}
    rs = scenario.scenario.routes
    routes = pd.DataFrame({"origin": [r.from_ for r in rs], "destination": [r.to for r in rs],
                           "commodity": [r.commodity for r in rs]})
    links: set[tuple[str, str, str]] = set()
    for p in scenario.scenario.all_policies():
        if isinstance(p, TradePolicy) and dump(p) not in had:
            hit = routes.iloc[match_routes(routes, p.exporter, p.commodities(), p.to, p.except_)]
            links.update(zip(hit["origin"], hit["destination"], hit["commodity"], strict=True))
    return links


def _t(v: float) -> str:
    return tonnes(abs(v))


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
            when = span(pers)
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
        pers = sorted(set(d["period"]), key=lambda p: order.get(p, len(order)))
        zero_from = _zero_from(c, rec.origin, rec.destination, rec.commodity)
        tail = f", and none at all from {zero_from} on" if zero_from and len(pers) > 1 else ""
        text = (f"{rec.destination}'s imports of {rec.commodity} from {rec.origin} fall by "
                f"{_t(rec.change)} over {span(pers)}{tail}")
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
