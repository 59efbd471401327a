"""The same LP as rareflow's, written the way a modeller would write it in linopy.

Idiomatic and vectorised: one variable array per entity kind over (entity, period), one
balance constraint block per commodity over (region, period) built with `groupby(...).sum()`,
policy rows from `.loc` selections. The data come from the validated rareflow `Scenario`
(numbers only: series evaluated per period, as a pandas user would prepare them).

Covers what the benchmark scenarios use: facilities (capacity, minimum, cost, online/offline)
with one process or several recipes sharing a capacity (per-recipe cost, `max_share`), routes,
stocks (floors, final level), demands with tiers, disposal surplus, discounting, export bans,
agreements (min/max with breach cost), export licences (cap, share of a reference period or
rolling) and `no_transit`. Anything else raises `NotSupported`. Staged surprises (`announced`)
are not: the peer builds the perfect-foresight LP (every measure known from the start), which
rareflow builds too before it stages it (`Model.frozen`).
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
from rareflow.scenario.policies.export_licence import reference_index

# absent slots (from .reindex/.shift) contribute nothing: linopy's current ("legacy") semantics
if hasattr(linopy, "LinopySemanticsWarning"):
    warnings.filterwarnings("ignore", category=linopy.LinopySemanticsWarning)


class NotSupported(Exception):
    pass


def _periodic(items, P, default: float) -> np.ndarray:
    """Entities × periods from a list of series (None → `default`)."""
    out = np.full((len(items), P.n), default, dtype=float)
    for i, v in enumerate(items):
        if v is not None:
            out[i] = series.values(v, P)
    return out


def _trade(routes: pd.DataFrame, p) -> np.ndarray:
    """Route positions a trade measure covers: its exporter, commodities, `to` / `except`."""
    m = routes["origin"].eq(p.exporter) & routes["commodity"].isin(p.commodities())
    if p.to is not None:
        m &= routes["destination"].isin(p.to)
    if p.except_ is not None:
        m &= ~routes["destination"].isin(p.except_)
    return np.flatnonzero(m.to_numpy())


def data(scn) -> dict:
    """Numpy arrays of everything the LP needs (what a modeller's data loading produces).

    A facility with several recipes (`processes:`) is one activity entity per recipe, with
    its capacity and must-run on their sum (`shared`) and each recipe's `max_share`; a demand
    with tiers is one unserved slice per tier plus the rest at the demand's own priority
    (every slice in the demand's balance row)."""
    P = make_periods(scn)
    T = P.n
    length = P.length
    disc = (1.0 + scn.discount_rate) ** (-P.years_from_first)
    if scn.candidates or getattr(scn, "targets", None):
        raise NotSupported("candidates/targets")
    F = scn.facilities
    rec_rows, shared = [], []
    f_cap, f_low, f_cost = [], [], []
    for f in F:
        on = P.mask(f.online, f.offline)
        cap = series.values(f.capacity, P)
        with np.errstate(invalid="ignore"):
            cap = np.where(on, np.where(np.isinf(cap), np.inf, cap * length), 0.0)
        low = np.where(on, series.values(f.minimum, P) * length, 0.0)
        recipes = f.recipes()
        first = len(rec_rows)
        for pid, rec in recipes.items():
            rec_rows.append((f.id if len(recipes) == 1 else f"{f.id}:{pid}", f.id, f.region, pid))
            f_cost.append(series.values(f.cost if rec.cost is None else rec.cost, P) * disc)
            f_cap.append(cap if len(recipes) == 1 else np.full(T, np.inf))
            f_low.append(low if len(recipes) == 1 else np.zeros(T))
        if len(recipes) > 1:
            shared.append({"facility": f.id, "members": list(range(first, len(rec_rows))),
                           "low": low, "cap": cap,
                           "max_share": [rec.max_share for rec in recipes.values()]})
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
    tiered = any(d.tiers for d in D)
    # slices: each demand's own (the rest of it, with tiers), then every tier
    sl_dem = list(range(len(D)))
    sl_id = [d.id for d in D]
    sl_share = [d.rest_share() if tiered else 1.0 for d in D]
    sl_prio = [d.priority for d in D]
    for i, d in enumerate(D):
        for k, tier in enumerate(d.tiers):
            sl_dem.append(i)
            sl_id.append(f"{d.id}#tier{k + 1}")
            sl_share.append(tier.share)
            sl_prio.append(tier.priority)
    sl_dem = np.array(sl_dem, dtype=int)
    u_cap = amount[sl_dem] * np.array(sl_share)[:, None]
    prio = np.array(sl_prio, dtype=float)[:, None] * disc[None, :]
    S = scn.stocks
    s_low = _periodic([s.minimum for s in S], P, 0.0)
    if len(S):
        s_low[:, -1] = np.maximum(s_low[:, -1], [s.final_min() for s in S])
    policies = list(scn.all_policies())
    for p in policies:
        if p.type == "export_ban":
            idx = _trade(routes, p)
            t = np.flatnonzero(P.mask(p.start, p.end))
            r_cap[np.ix_(idx, t)] = 0.0
            r_low[np.ix_(idx, t)] = 0.0
        elif p.type not in ("agreement", "export_licence"):
            raise NotSupported(f"policy type {p.type}")
    facilities = pd.DataFrame(rec_rows, columns=["recipe", "facility", "region", "process"])
    return {
        "P": P, "T": T, "length": length, "disc": disc, "labels": list(P.labels),
        "facilities": facilities, "shared": shared,
        "f_cap": np.array(f_cap).reshape(len(rec_rows), T),
        "f_low": np.array(f_low).reshape(len(rec_rows), T),
        "f_cost": np.array(f_cost).reshape(len(rec_rows), T),
        "routes": routes, "r_cap": r_cap, "r_low": r_low, "r_cost": r_cost,
        "stocks": pd.DataFrame({"stock": [s.id for s in S], "region": [s.region for s in S],
                                "commodity": [s.commodity for s in S]}),
        "s_cap": np.array([math.inf if s.capacity is None else s.capacity for s in S]),
        "s_low": s_low,
        "s_init": np.array([s.initial for s in S]),
        "s_hold": np.array([s.holding_cost for s in S]),
        "demands": pd.DataFrame({"demand": [d.id for d in D], "region": [d.region for d in D],
                                 "commodity": [d.commodity for d in D],
                                 "sector": [d.sector for d in D]}),
        "slices": pd.DataFrame({"slice": sl_id, "demand": sl_dem,
                                "region": [D[i].region for i in sl_dem],
                                "commodity": [D[i].commodity for i in sl_dem]}),
        "amount": amount, "u_cap": u_cap, "prio": prio,
        "processes": {k: ({c: -a for c, a in v.inputs.items()} | {c: a for c, a in v.outputs.items()})
                      for k, v in scn.processes.items()},
        "disposal": {c: v.disposal_cost for c, v in scn.commodities.items()
                     if v.disposal_cost is not None},
        "commodities": list(scn.commodities),
        "regions": list(scn.regions),
        "policies": policies,
    }


def _da(values, *indexes) -> xr.DataArray:
    return xr.DataArray(values, coords=list(indexes))


def build(d: dict, f_low=None, f_cap=None, r_low=None, r_cap=None, amount=None,
          u_cap=None) -> linopy.Model:
    """The linopy model; the optional arrays replace the data's bounds (a sample's changes):
    `amount` (demands × T) moves the balance right-hand sides, `u_cap` (slices × T) the
    unserved bounds (default: each slice's share of `amount`)."""
    f_low = d["f_low"] if f_low is None else f_low
    f_cap = d["f_cap"] if f_cap is None else f_cap
    r_low = d["r_low"] if r_low is None else r_low
    r_cap = d["r_cap"] if r_cap is None else r_cap
    if u_cap is None:
        u_cap = d["u_cap"] if amount is None else \
            amount[d["slices"]["demand"].to_numpy()] * (d["u_cap"] / np.where(
                d["amount"][d["slices"]["demand"].to_numpy()] == 0, 1,
                d["amount"][d["slices"]["demand"].to_numpy()]))
    amount = d["amount"] if amount is None else amount
    m = linopy.Model()
    per = pd.Index(d["labels"], name="period")
    fac, rts, sts, sl = d["facilities"], d["routes"], d["stocks"], d["slices"]
    fi = pd.Index(fac["recipe"], name="recipe")
    ri = pd.Index(rts["route"], name="route")
    si = pd.Index(sts["stock"], name="stock")
    ui = pd.Index(sl["slice"], name="slice")
    regions = pd.Index(d["regions"], name="region")
    x = m.add_variables(lower=_da(f_low, fi, per), upper=_da(f_cap, fi, per), name="activity")
    f = m.add_variables(lower=_da(r_low, ri, per), upper=_da(r_cap, ri, per), name="flow")
    u = m.add_variables(lower=0, upper=_da(u_cap, ui, per), name="unserved")
    s = None
    if len(sts):
        s = m.add_variables(lower=_da(d["s_low"], si, per),
                            upper=_da(np.repeat(d["s_cap"][:, None], d["T"], 1), si, per),
                            name="stock")
    obj = (x * _da(d["f_cost"], fi, per)).sum() + (f * _da(d["r_cost"], ri, per)).sum() \
        + (u * _da(d["prio"], ui, per)).sum()
    if s is not None:
        hold = d["s_hold"][:, None] * (d["length"] * d["disc"])[None, :]
        obj = obj + (s * _da(hold, si, per)).sum()

    # facilities with several recipes: capacity and must-run on the sum, recipe shares
    for sh in d["shared"]:
        xs = x.loc[fi[sh["members"]]]
        tot = xs.sum("recipe")
        m.add_constraints(tot <= _da(sh["cap"], per), name=f"capacity_{sh['facility']}")
        if np.any(sh["low"] > 0):
            m.add_constraints(tot >= _da(sh["low"], per), name=f"minimum_{sh['facility']}")
        for k, ms in zip(sh["members"], sh["max_share"], strict=True):
            if ms is not None:
                m.add_constraints(x.loc[fi[k]] - ms * tot <= 0, name=f"share_{fi[k]}")

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
    for r, c in zip(sl["region"], sl["commodity"], strict=True):
        present[c].add(r)

    def grouped(expr, keys, name="region"):
        return expr.groupby(xr.DataArray(np.asarray(keys), coords=[expr.indexes[expr.dims[0]]],
                                         name=name)).sum().reindex(region=regions)

    dem = d["demands"]
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
        usel = np.flatnonzero(sl["commodity"].to_numpy() == c)
        if len(usel):
            parts.append(grouped(1 * u.loc[ui[usel]], sl["region"].to_numpy()[usel]))
        for k in np.flatnonzero(dem["commodity"].to_numpy() == c):
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
            if not len(rsel) or not len(t):
                continue
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
            continue
        if getattr(p, "no_transit", False) and len(t):
            _no_transit(m, d, x, f, p, k, t)
        if p.type == "export_licence":
            rsel = _trade(rts, p)
            if not len(rsel) or not len(t):
                continue
            # one block of rows per measure over (destination, period)
            vol = f.loc[ri[rsel]].groupby(xr.DataArray(rts["destination"].to_numpy()[rsel],
                                                       coords=[ri[rsel]], name="destination")).sum()
            if p.cap is not None:
                m.add_constraints(vol.loc[:, tl] <= _da(p.cap * d["length"][t], tl),
                                  name=f"licence_{k}")
                continue
            tt = t[t > 0] if p.rolling else t
            if not len(tt):
                continue
            ref = None if p.rolling else reference_index(p, P)
            # a share of the reference's rate, scaled to this period's length
            if ref is None:
                prev = vol.shift(period=1).loc[:, per[tt]]
                scale = d["length"][tt] / d["length"][tt - 1]
            else:
                prev = vol.loc[:, per[ref]]
                scale = d["length"][tt] / d["length"][ref]
            m.add_constraints(vol.loc[:, per[tt]] - p.share * _da(scale, per[tt]) * prev <= 0,
                              name=f"licence_{k}")
    m.add_objective(obj)
    return m


def _no_transit(m, d, x, f, p, k, t) -> None:
    """No laundering through third countries: for each region Y ≠ exporter and commodity c,
    Σ f[Y→D] ≤ Y's own output of c + Σ f[Z→Y] over Z ≠ exporter, in the measure's periods;
    one block of rows per commodity over (region, period), for the regions that send c to D."""
    rts, fac, procs = d["routes"], d["facilities"], d["processes"]
    ri = pd.Index(rts["route"], name="route")
    fi = pd.Index(fac["recipe"], name="recipe")
    tl = pd.Index(d["labels"], name="period")[t]
    dests = p.destinations(d["regions"])
    origin, dest, comm = (rts[k_].to_numpy() for k_ in ("origin", "destination", "commodity"))

    def by_region(expr, keys, index):
        return expr.groupby(xr.DataArray(keys, coords=[index], name="region")).sum()

    for c in p.commodities():
        of_c = comm == c
        out = np.flatnonzero(of_c & (origin != p.exporter) & np.isin(dest, dests) & (dest != origin))
        if not len(out):
            continue  # nobody sends c to D: nothing to launder
        senders = pd.Index(sorted(set(origin[out])), name="region")
        lhs = by_region(f.loc[ri[out], tl], origin[out], ri[out]).reindex(region=senders)
        inflow = np.flatnonzero(of_c & np.isin(dest, senders) & (origin != p.exporter))
        if len(inflow):
            lhs = lhs - by_region(f.loc[ri[inflow], tl], dest[inflow], ri[inflow]).reindex(region=senders)
        coef = np.array([procs[q].get(c, 0.0) for q in fac["process"]])
        make = np.flatnonzero((coef > 0) & np.isin(fac["region"].to_numpy(), senders))
        if len(make):
            made = x.loc[fi[make], tl] * _da(coef[make], fi[make])
            lhs = lhs - by_region(made, fac["region"].to_numpy()[make], fi[make]).reindex(region=senders)
        m.add_constraints(lhs <= 0, name=f"no_transit_{k}_{c}")


def solve(m: linopy.Model, **options) -> tuple[float, float]:
    """(objective, HiGHS's own run time); in memory (io_api='direct')."""
    status, cond = m.solve(solver_name="highs", io_api="direct", **{"output_flag": False, **options})
    if status != "ok":
        raise RuntimeError(f"linopy/HiGHS: {status} {cond}")
    run = m.solver_model.getRunTime() if getattr(m, "solver_model", None) is not None else float("nan")
    return float(m.objective.value), float(run)


def column_map(lm: linopy.Model, d: dict, build) -> np.ndarray:
    """linopy's variable label of every rareflow column (`Model.frozen` order), matched by
    entity and period: the two LPs are the same, in a different column order. Used by the
    sweep benchmark to put the same bounds on both (a sample's past held at the base plan)."""
    out = np.full(build.lp.n_cols, -1, dtype=np.int64)
    pols = {p.label(): k for k, p in enumerate(build.policies)}
    multi = {sh["facility"] for sh in d["shared"]}
    for sp in build.lp.cols:
        lab = sp.labels
        if sp.kind == "activity":
            name = "activity"
            keys = np.where(lab["facility"].isin(multi), lab["facility"] + ":" + lab["process"],
                            lab["facility"])
        elif sp.kind in ("flow", "stock"):
            name, keys = sp.kind, lab[{"flow": "route", "stock": "stock"}[sp.kind]].to_numpy()
        elif sp.kind == "unserved":
            name = "unserved"
            keys = (lab["demand"] + "#tier" + lab["tier"].astype(str)).to_numpy() if "tier" in lab \
                else lab["demand"].to_numpy()
        elif sp.kind == "surplus":
            for c, part in lab.groupby("commodity", sort=False):
                labels = lm.variables[f"surplus_{c}"].labels.to_pandas()
                out[sp.start + part.index.to_numpy()] = labels.to_numpy()[
                    labels.index.get_indexer(part["region"]), labels.columns.get_indexer(part["period"])]
            continue
        elif sp.kind.startswith("agreement_"):
            side = "min" if sp.kind == "agreement_shortfall" else "max"
            k = pols[lab["policy"].iloc[0]]
            labels = lm.variables[f"breach_{k}_{side}"].labels.to_pandas()
            out[sp.start:sp.stop] = labels.reindex(lab["period"]).to_numpy()
            continue
        else:
            raise NotSupported(f"column kind {sp.kind}")
        labels = lm.variables[name].labels.to_pandas()
        out[sp.start:sp.stop] = labels.to_numpy()[labels.index.get_indexer(keys),
                                                  labels.columns.get_indexer(lab["period"])]
    if (out < 0).any():
        raise NotSupported("some rareflow columns have no linopy variable")
    return out
