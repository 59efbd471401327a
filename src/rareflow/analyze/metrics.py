"""Metrics from a solved model, all as labelled tables (region × commodity × period).

Apparent consumption = production + imports − exports − stock build; self-sufficiency is
production over it, import dependence net imports over it. Tolled material counts as
trade with the partner (the product is made abroad). HHI is Σ (share in %)², 0–10,000.
"""

from __future__ import annotations

import numpy as np
import pandas as pd

from rareflow.results.result import analysis
from rareflow.tolerances import ZERO

KEYS = ["region", "commodity", "period"]


def _process_terms(results) -> pd.DataFrame:
    rows = []
    for pid, p in results.scenario.processes.items():
        rows += [(pid, c, a) for c, a in p.outputs.items()]
        rows += [(pid, c, -a) for c, a in p.inputs.items()]
    return pd.DataFrame(rows, columns=["process", "commodity", "coef"])


def production(results) -> pd.DataFrame:
    """Gross output and process use by region × commodity × period (t)."""
    act = results.activity
    if not len(act):
        return pd.DataFrame(columns=[*KEYS, "produced", "used_in_processes"])
    terms = act.merge(_process_terms(results), on="process")
    terms["t"] = terms["amount"] * terms["coef"]
    terms["produced"] = terms["t"].clip(lower=0)
    terms["used_in_processes"] = (-terms["t"]).clip(lower=0)
    return terms.groupby(KEYS, as_index=False)[["produced", "used_in_processes"]].sum()


def trade(results) -> pd.DataFrame:
    """origin, destination, commodity, period, amount — routes plus tolling legs."""
    fl = results.flows[["origin", "destination", "commodity", "period", "amount"]]
    tl = results.tolling
    parts = [fl]
    if len(tl):
        parts.append(pd.DataFrame({"origin": tl["owner"], "destination": tl["partner"],
                                   "commodity": tl["input"], "period": tl["period"],
                                   "amount": tl["input_amount"]}))
        parts.append(pd.DataFrame({"origin": tl["partner"], "destination": tl["owner"],
                                   "commodity": tl["output"], "period": tl["period"],
                                   "amount": tl["amount"]}))
    return pd.concat(parts, ignore_index=True)


def balances(results, prod: pd.DataFrame | None = None, tr: pd.DataFrame | None = None
             ) -> pd.DataFrame:
    """Every term of each region's balance, and the derived shares, per commodity and period
    (`prod`, `tr`: the result's `production` and `trade`, when the caller has them already)."""
    tr = trade(results) if tr is None else tr
    imports = tr.groupby(["destination", "commodity", "period"], as_index=False)["amount"].sum() \
        .rename(columns={"destination": "region", "amount": "imports"})
    exports = tr.groupby(["origin", "commodity", "period"], as_index=False)["amount"].sum() \
        .rename(columns={"origin": "region", "amount": "exports"})
    un = results.unserved
    served = un.groupby(KEYS, as_index=False)[["requested", "served", "amount"]].sum() \
        .rename(columns={"amount": "unserved", "requested": "demand"}) if len(un) else \
        pd.DataFrame(columns=[*KEYS, "demand", "served", "unserved"])
    st = results.stocks
    if len(st):
        st = st.copy()
        init = {s.id: s.initial for s in results.scenario.stocks}
        st["prev"] = st.groupby("stock")["level"].shift(1)
        st["prev"] = st["prev"].fillna(st["stock"].map(init))
        st["stock_build"] = st["level"] - st["prev"]
        stock = st.groupby(KEYS, as_index=False)[["stock_build", "level"]].sum() \
            .rename(columns={"level": "stock_level"})
    else:
        stock = pd.DataFrame(columns=[*KEYS, "stock_build", "stock_level"])
    sur = results.surplus.rename(columns={"amount": "discarded"}) if len(results.surplus) else \
        pd.DataFrame(columns=[*KEYS, "discarded"])
    # keys as objects throughout: a part with no rows has float64 key columns, which pandas
    # will not merge with text keys (a scenario with no regions crashed `rareflow run`)
    keys = dict.fromkeys(KEYS, object)
    df = (production(results) if prod is None else prod).astype(keys)
    for part in (imports, exports, served, stock, sur[[*KEYS, "discarded"]]):
        df = df.merge(part.astype(keys), on=KEYS, how="outer")
    df = df.fillna(0.0)
    df["consumption"] = df["produced"] + df["imports"] - df["exports"] - df["stock_build"] \
        - df["discarded"]
    with np.errstate(divide="ignore", invalid="ignore"):
        cons = df["consumption"].where(df["consumption"] > ZERO)
        df["self_sufficiency"] = (df["produced"] / cons).clip(upper=1.0)
        df["import_dependence"] = ((df["imports"] - df["exports"]) / cons).clip(lower=0.0)
    order = {p: i for i, p in enumerate(results.horizon.labels)}
    return df.sort_values(["region", "commodity", "period"], key=lambda s: s.map(order)
                          if s.name == "period" else s).reset_index(drop=True)


def self_sufficiency(results) -> pd.DataFrame:
    """region, commodity, period, self_sufficiency, import_dependence (NaN where nothing is used)."""
    b = balances(results)
    return b[[*KEYS, "produced", "consumption", "self_sufficiency", "import_dependence"]]


def _hhi(df: pd.DataFrame, group: list[str], who: str, value: str) -> pd.DataFrame:
    df = df[df[value] > ZERO]
    if not len(df):
        return pd.DataFrame(columns=[*group, "hhi", "top", "top_share", "suppliers"])
    tot = df.groupby(group)[value].transform("sum")
    share = 100.0 * df[value] / tot
    df = df.assign(share=share, sq=share * share)
    g = df.groupby(group)  # vectorised: no Python call per group (0.8 s → ms on the world)
    # one reduction per column rather than a named `agg` (the same sums, maxima and counts,
    # without its dispatch: half the time of this table; issue 17)
    out = pd.DataFrame({"hhi": g["sq"].sum(), "top_share": g["share"].max()})
    out["top"] = df.loc[g["share"].idxmax().to_numpy(), who].to_numpy()
    out["suppliers"] = g.size().astype(int)
    return out[["hhi", "top", "top_share", "suppliers"]].reset_index()


def hhi_imports(results, tr: pd.DataFrame | None = None) -> pd.DataFrame:
    """Concentration of each region's imports by supplier: region, commodity, period, hhi, top."""
    tr = (trade(results) if tr is None else tr).groupby(["destination", "origin", "commodity", "period"],
                                as_index=False)["amount"].sum()
    return _hhi(tr, ["destination", "commodity", "period"], "origin", "amount") \
        .rename(columns={"destination": "region"})


def hhi_output(results, prod: pd.DataFrame | None = None) -> pd.DataFrame:
    """Concentration of world output of each commodity: commodity, period, hhi, top producer."""
    prod = production(results) if prod is None else prod
    return _hhi(prod, ["commodity", "period"], "region", "produced")


def shortfall_by_sector(results) -> pd.DataFrame:
    """region, sector, commodity, period, demand, unserved, share_unserved (only where short)."""
    un = results.unserved
    if not len(un):
        return pd.DataFrame(columns=["region", "sector", "commodity", "period", "demand",
                                     "unserved", "share_unserved"])
    g = un.groupby(["region", "sector", "commodity", "period"], as_index=False, sort=False)[
        ["requested", "amount"]].sum().rename(columns={"requested": "demand", "amount": "unserved"})
    g["share_unserved"] = np.where(g["demand"] > 0, g["unserved"] / g["demand"].where(
        g["demand"] > 0, 1.0), 0.0)
    return g[g["unserved"] > ZERO].reset_index(drop=True)


def days_of_cover(results, bal: pd.DataFrame | None = None) -> pd.DataFrame:
    """How many days each stock could cover the region's use of its commodity, at period end
    (`bal`: the result's balances, when the caller has them already)."""
    st = results.stocks
    if not len(st):
        return pd.DataFrame(columns=["stock", "region", "commodity", "period", "level",
                                     "daily_use", "days"])
    b = (balances(results) if bal is None else bal)[[*KEYS, "consumption"]]
    lengths = dict(zip(results.horizon.labels, results.horizon.length, strict=True))
    df = st.merge(b, on=KEYS, how="left").fillna({"consumption": 0.0})
    df["daily_use"] = df["consumption"] / (365.0 * df["period"].map(lengths))
    df["days"] = np.where(df["daily_use"] > 1e-12, df["level"] / df["daily_use"].where(
        df["daily_use"] > 1e-12, 1.0), np.inf)
    return df[["stock", "region", "commodity", "period", "level", "daily_use", "days"]]


@analysis("metrics")
def metrics(results) -> dict[str, pd.DataFrame]:
    """Every metric table, keyed by name (what `rareflow run` writes as metrics_*.csv)."""
    # production and trade once (balances and the two HHIs read them), balances once (days of
    # cover reads it too); nothing here changes them
    prod, tr = production(results), trade(results)
    bal = balances(results, prod, tr)
    return {
        "balances": bal,
        "hhi_imports": hhi_imports(results, tr),
        "hhi_output": hhi_output(results, prod),
        "shortfall_by_sector": shortfall_by_sector(results),
        "days_of_cover": days_of_cover(results, bal),
        "prices": results.prices,
    }
