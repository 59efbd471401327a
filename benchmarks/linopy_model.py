"""The same LP as rareflow's, written the way a modeller would write it in linopy.

Idiomatic and vectorised: one variable array per entity kind over (entity, period), one
balance constraint block per commodity over (region, period) built with `groupby(...).sum()`,
policy rows from `.loc` selections. The data come from the validated rareflow `Scenario`
(numbers only: series evaluated per period, as a pandas user would prepare them).

Covers what the benchmark scenarios use: facilities (capacity, minimum, cost, online/offline),
routes, stocks, demands, disposal surplus, discounting, export bans, agreements (min/max with
breach cost) and export licences (cap or share). Anything else raises `NotSupported`.
"""

from __future__ import annotations

import math
import warnings

import linopy
import numpy as np
import pandas as pd
import xarray as xr

from rareflow.scenario import series
from rareflow.scenario.periods import make_periods

# absent slots (from .reindex/.shift) contribute nothing: linopy's current ("legacy") semantics
if hasattr(linopy, "LinopySemanticsWarning"):
    warnings.filterwarnings("ignore", category=linopy.LinopySemanticsWarning)


class NotSupported(Exception):
    pass


def data(scn) -> dict:
    """Numpy arrays of everything the LP needs (what a modeller's data loading produces)."""
    P = make_periods(scn)
    T = P.n
    length = P.length
    disc = (1.0 + scn.discount_rate) ** (-P.years_from_first)
    if scn.candidates or getattr(scn, "targets", None):
        raise NotSupported("candidates/targets")
    F = scn.facilities
    f_cap = np.zeros((len(F), T))
    f_low = np.zeros((len(F), T))
    f_cost = np.zeros((len(F), T))
    for i, f in enumerate(F):
        on = P.mask(f.online, f.offline)
        cap = series.values(f.capacity, P)
        with np.errstate(invalid="ignore"):
            f_cap[i] = np.where(on, np.where(np.isinf(cap), np.inf, cap * length), 0.0)
        f_low[i] = np.where(on, series.values(f.minimum, P) * length, 0.0)
        f_cost[i] = series.values(f.cost, P) * disc
    Rt = scn.routes
    r_cap = np.full((len(Rt), T), np.inf)
    r_low = np.zeros((len(Rt), T))
    r_cost = np.zeros((len(Rt), T))
    for i, r in enumerate(Rt):
        if r.capacity is not None:
            c = series.values(r.capacity, P)
            r_cap[i] = np.where(np.isinf(c), np.inf, c * length)
        r_low[i] = series.values(r.minimum, P) * length
        r_cost[i] = series.values(r.cost, P) * disc
    routes = pd.DataFrame({"route": [r.id for r in Rt], "origin": [r.from_ for r in Rt],
                           "destination": [r.to for r in Rt], "commodity": [r.commodity for r in Rt]})
    D = scn.demands
    amount = np.array([series.values(d.amount, P) for d in D]).reshape(len(D), T) * length
    prio = np.array([d.priority for d in D])[:, None] * disc[None, :]
    policies = list(scn.all_policies())
    for p in policies:
        if p.type == "export_ban":
            m = routes["origin"].eq(p.exporter) & routes["commodity"].isin(p.commodities())
            if p.to is not None:
                m &= routes["destination"].isin(p.to)
            if p.except_ is not None:
                m &= ~routes["destination"].isin(p.except_)
            mask = P.mask(p.start, p.end)
            idx = np.flatnonzero(m.to_numpy())
            r_cap[np.ix_(idx, np.flatnonzero(mask))] = 0.0
            r_low[np.ix_(idx, np.flatnonzero(mask))] = 0.0
        elif p.type not in ("agreement", "export_licence"):
            raise NotSupported(f"policy type {p.type}")
    return {
        "P": P, "T": T, "length": length, "disc": disc, "labels": list(P.labels),
        "facilities": pd.DataFrame({"facility": [f.id for f in F], "region": [f.region for f in F],
                                    "process": [f.process for f in F]}),
        "f_cap": f_cap, "f_low": f_low, "f_cost": f_cost,
        "routes": routes, "r_cap": r_cap, "r_low": r_low, "r_cost": r_cost,
        "stocks": pd.DataFrame({"stock": [s.id for s in scn.stocks],
                                "region": [s.region for s in scn.stocks],
                                "commodity": [s.commodity for s in scn.stocks]}),
        "s_cap": np.array([math.inf if s.capacity is None else s.capacity for s in scn.stocks]),
        "s_init": np.array([s.initial for s in scn.stocks]),
        "s_hold": np.array([s.holding_cost for s in scn.stocks]),
        "demands": pd.DataFrame({"demand": [d.id for d in D], "region": [d.region for d in D],
                                 "commodity": [d.commodity for d in D],
                                 "sector": [d.sector for d in D]}),
        "amount": amount, "prio": prio,
        "processes": {k: ({c: -a for c, a in v.inputs.items()} | {c: a for c, a in v.outputs.items()})
                      for k, v in scn.processes.items()},
        "disposal": {c: v.disposal_cost for c, v in scn.commodities.items()
                     if v.disposal_cost is not None},
        "commodities": list(scn.commodities),
        "regions": list(scn.regions),
        "policies": [p for p in policies if p.type != "export_ban"],
    }


def _da(values, *indexes) -> xr.DataArray:
    return xr.DataArray(values, coords=list(indexes))


def build(d: dict, f_low=None, f_cap=None, r_low=None, r_cap=None, amount=None) -> linopy.Model:
    """The linopy model; the optional arrays replace the data's bounds (a sample's changes)."""
    f_low = d["f_low"] if f_low is None else f_low
    f_cap = d["f_cap"] if f_cap is None else f_cap
    r_low = d["r_low"] if r_low is None else r_low
    r_cap = d["r_cap"] if r_cap is None else r_cap
    amount = d["amount"] if amount is None else amount
    m = linopy.Model()
    per = pd.Index(d["labels"], name="period")
    fac, rts, sts, dem = d["facilities"], d["routes"], d["stocks"], d["demands"]
    fi = pd.Index(fac["facility"], name="facility")
    ri = pd.Index(rts["route"], name="route")
    si = pd.Index(sts["stock"], name="stock")
    di = pd.Index(dem["demand"], name="demand")
    regions = pd.Index(d["regions"], name="region")
    x = m.add_variables(lower=_da(f_low, fi, per), upper=_da(f_cap, fi, per), name="activity")
    f = m.add_variables(lower=_da(r_low, ri, per), upper=_da(r_cap, ri, per), name="flow")
    u = m.add_variables(lower=0, upper=_da(amount, di, per), name="unserved")
    s = None
    if len(sts):
        s = m.add_variables(lower=0, upper=_da(np.repeat(d["s_cap"][:, None], d["T"], 1), si, per),
                            name="stock")
    obj = (x * _da(d["f_cost"], fi, per)).sum() + (f * _da(d["r_cost"], ri, per)).sum() \
        + (u * _da(d["prio"], di, per)).sum()
    if s is not None:
        hold = d["s_hold"][:, None] * (d["length"] * d["disc"])[None, :]
        obj = obj + (s * _da(hold, si, per)).sum()

    # which regions each commodity appears in (balances exist only there, as in rareflow)
    procs = d["processes"]
    present: dict[str, set] = {c: set() for c in d["commodities"]}
    for r, p in zip(fac["region"], fac["process"], strict=True):
        for c in procs[p]:
            present[c].add(r)
    for a, b, c in zip(rts["origin"], rts["destination"], rts["commodity"], strict=True):
        present[c] |= {a, b}
    for r, c in zip(sts["region"], sts["commodity"], strict=True):
        present[c].add(r)
    for r, c in zip(dem["region"], dem["commodity"], strict=True):
        present[c].add(r)

    def grouped(expr, keys, name="region"):
        return expr.groupby(xr.DataArray(np.asarray(keys), coords=[expr.indexes[expr.dims[0]]],
                                         name=name)).sum().reindex(region=regions)

    for c in d["commodities"]:
        if not present[c]:
            continue
        parts = []
        coef = np.array([procs[p].get(c, 0.0) for p in fac["process"]])
        use = np.flatnonzero(coef)
        if len(use):
            sel = fi[use]
            parts.append(grouped(x.loc[sel] * _da(coef[use], sel), fac["region"].to_numpy()[use]))
        rsel = np.flatnonzero(rts["commodity"].to_numpy() == c)
        if len(rsel):
            fl = f.loc[ri[rsel]]
            parts.append(grouped(1 * fl, rts["destination"].to_numpy()[rsel]))
            parts.append(grouped(-1 * fl, rts["origin"].to_numpy()[rsel]))
        ssel = np.flatnonzero(sts["commodity"].to_numpy() == c)
        rhs = np.zeros((len(regions), d["T"]))
        if len(ssel):
            sv = s.loc[si[ssel]]
            parts.append(grouped(sv.shift(period=1) - sv, sts["region"].to_numpy()[ssel]))
            for k in ssel:
                rhs[regions.get_loc(sts["region"][k]), 0] -= d["s_init"][k]
        dsel = np.flatnonzero(dem["commodity"].to_numpy() == c)
        if len(dsel):
            parts.append(grouped(1 * u.loc[di[dsel]], dem["region"].to_numpy()[dsel]))
            for k in dsel:
                rhs[regions.get_loc(dem["region"][k])] += amount[k]
        if c in d["disposal"]:
            here = pd.Index(sorted(present[c]), name="region")
            sur = m.add_variables(lower=0, coords=[here, per], name=f"surplus_{c}")
            obj = obj + (sur * (d["disposal"][c] * _da(np.tile(d["disc"], (len(here), 1)), here,
                                                        per))).sum()
            parts.append((-1 * sur).reindex(region=regions))
        lhs = sum(parts[1:], parts[0])
        keep = _da(np.isin(regions, sorted(present[c]))[:, None].repeat(d["T"], 1), regions, per)
        m.add_constraints(lhs == _da(rhs, regions, per), name=f"balance_{c}", mask=keep)

    P = d["P"]
    for k, p in enumerate(d["policies"]):
        t = np.flatnonzero(P.mask(p.start, p.end))
        tl = per[t]
        if p.type == "agreement":
            rsel = np.flatnonzero((rts["origin"] == p.exporter).to_numpy()
                                  & (rts["destination"] == p.importer).to_numpy()
                                  & (rts["commodity"] == p.commodity).to_numpy())
            vol = f.loc[ri[rsel], tl].sum("route")
            for side, v, sign in (("min", p.min, 1.0), ("max", p.max, -1.0)):
                if v is None or (side == "min" and v == 0):
                    continue
                lhs = sign * vol
                if not math.isinf(p.breach_cost):
                    slack = m.add_variables(lower=0, coords=[tl], name=f"breach_{k}_{side}")
                    obj = obj + (slack * _da(p.breach_cost * d["disc"][t], tl)).sum()
                    lhs = lhs + slack
                m.add_constraints(lhs >= _da(sign * v * d["length"][t], tl), name=f"agreement_{k}_{side}")
        elif p.type == "export_licence":
            m_ = rts["origin"].eq(p.exporter) & rts["commodity"].isin(p.commodities())
            if p.to is not None:
                m_ &= rts["destination"].isin(p.to)
            if p.except_ is not None:
                m_ &= ~rts["destination"].isin(p.except_)
            rsel = np.flatnonzero(m_.to_numpy())
            if not len(rsel) or not len(t):
                continue
            if p.share is not None or p.rolling:
                raise NotSupported("export_licence share")
            for dest in sorted(set(rts["destination"].to_numpy()[rsel])):
                rs = rsel[rts["destination"].to_numpy()[rsel] == dest]
                m.add_constraints(f.loc[ri[rs], tl].sum("route") <= _da(p.cap * d["length"][t], tl),
                                  name=f"licence_{k}_{dest}")
    m.add_objective(obj)
    return m


def solve(m: linopy.Model, **options) -> tuple[float, float]:
    """(objective, HiGHS's own run time); in memory (io_api='direct')."""
    status, cond = m.solve(solver_name="highs", io_api="direct", **{"output_flag": False, **options})
    if status != "ok":
        raise RuntimeError(f"linopy/HiGHS: {status} {cond}")
    run = m.solver_model.getRunTime() if getattr(m, "solver_model", None) is not None else float("nan")
    return float(m.objective.value), float(run)
