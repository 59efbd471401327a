"""Sentences for the mechanisms of real shocks: demand tiers given up, stockpiles drawn.

`explain` speaks of them beside the shortfall sentences: which slice of a tiered demand was
given up first (the cheapest), and which stockpile was drawn down to its floor and refilled
to the level the horizon must end at (DESIGN, "What real shocks need").
"""

from __future__ import annotations

import numpy as np

EPS = 1e-6


def _span(pers: list[str], order: dict[str, int]) -> str:
    """'2025-05', '2025-05–2025-06', or '2025-02, 2025-05–2025-06' for gaps."""
    runs: list[list[str]] = []
    for p in sorted(pers, key=order.get):
        if runs and order[p] == order[runs[-1][-1]] + 1:
            runs[-1].append(p)
        else:
            runs.append([p])
    return ", ".join(r[0] if len(r) == 1 else f"{r[0]}–{r[-1]}" for r in runs)


def _region(results, code: str) -> str:
    reg = results.model.scenario.regions.get(code)
    return (reg.label if reg is not None and reg.label else code)


def tier_sentences(results) -> list[str]:
    """For each tiered demand that runs short: the tiers given up, cheapest first."""
    scn = results.model.scenario
    tiered = {d.id: d for d in scn.demands if d.tiers}
    if not tiered:
        return []
    tab = results.unserved_tiers
    tab = tab[tab["demand"].isin(tiered)]
    order = {p: i for i, p in enumerate(results.model.periods.labels)}
    cur = scn.currency
    out = []
    for did, g in tab.groupby("demand", sort=False):
        short = g[g["amount"] > EPS]
        if not len(short):
            continue
        d = tiered[did]
        by_prio = short.groupby("priority")["amount"].sum().sort_index()
        parts = [f"{a:,.0f} t from the slice at {p:,.0f} {cur}/t" for p, a in by_prio.items()]
        cheapest = float(g["priority"].min())
        first = "its lowest tier first" if float(by_prio.index[0]) <= cheapest + EPS else \
            "a tier"
        kept = sorted(set(g["priority"]) - set(by_prio.index))
        served = (f"; the slices worth more ({', '.join(f'{p:,.0f}' for p in kept)} {cur}/t) are "
                  "served in full") if kept and min(kept) > by_prio.index[-1] else ""
        when = _span(list(dict.fromkeys(short["period"])), order)
        out.append(f"{_region(results, d.region)}'s {d.sector} demand for {d.commodity} gives up "
                   f"{first} in {when}: " + ", ".join(parts) + served + ".")
    return out


def stock_sentences(results) -> list[str]:
    """Stockpiles drawn down to their floor, and the final level they are refilled to."""
    scn = results.model.scenario
    st = results.stocks
    if not len(st):
        return []
    order = {p: i for i, p in enumerate(results.model.periods.labels)}
    last = results.model.periods.labels[-1]
    out = []
    by_stock = dict(iter(st.groupby("stock", sort=False)))  # one pass, not a filter per stock
    for s in scn.stocks:
        g = by_stock.get(s.id, st.iloc[:0])
        level, floor = g["level"].to_numpy(), g["floor"].to_numpy()
        at_floor = (floor > EPS) & (level <= floor + EPS)
        drawn = at_floor & (np.maximum.accumulate(np.concatenate([[s.initial], level]))[:-1]
                            > floor + EPS)
        final = s.final_min() if s.final is not None else None
        ends_at_final = final is not None and final > EPS and level[-1] <= final + EPS
        if not drawn.any() and not ends_at_final:
            continue
        who = f"{_region(results, s.region)}'s stock {s.id} ({s.commodity})"
        if drawn.any():
            pers = list(g["period"].to_numpy()[at_floor])
            low = floor[at_floor]
            fl = f"{low[0]:,.0f} t" if np.ptp(low) < EPS else \
                f"{low.min():,.0f}–{low.max():,.0f} t"
            text = (f"{who} is drawn down from {s.initial:,.0f} t to its floor of {fl} in "
                    f"{_span(pers, order)}")
            if final is not None:
                which = "its initial level" if s.final.min == "initial" else "final.min"
                text += (f" and refilled to {level[-1]:,.0f} t by {last}, the level it must end "
                         f"the horizon at ({which})")
            out.append(text + ".")
        else:
            out.append(f"{who} ends the horizon at {level[-1]:,.0f} t, the final level it must "
                       "keep: without it the horizon's end would empty it.")
    return out


def mechanism_sentences(results) -> list[str]:
    return tier_sentences(results) + stock_sentences(results)


def facility_row_phrase(results, kind: str, lab, i: int) -> tuple[str, str, tuple, str] | None:
    """(name, kind, key, unit) of a row a facility with several recipes adds: its shared
    capacity (or must-run minimum) and a recipe's `max_share`. None for other rows."""
    m = results.model
    per = str(lab.get("period", ""))
    fac = lab.get("facility")
    if kind == "facility_capacity":
        t = m.periods.labels.index(per) if per in m.periods.labels else 0
        f = m.frozen
        at_lo = results.solution.row_value[i] <= f.row_lb[i] + 1e-6 * max(1.0, abs(f.row_lb[i]))
        recipes = "/".join(next(x for x in m.scenario.facilities if x.id == fac).recipes())
        if at_lo and f.row_lb[i] > 0:
            return (f"the must-run minimum of {fac} ({f.row_lb[i] / m.periods.length[t]:,.0f}/yr "
                    f"over its recipes {recipes})", "minimum", ("minimum", fac, per),
                    "unit of activity")
        cap = f.row_ub[i] / m.periods.length[t]
        what = f"{cap:,.0f} t/yr shared by {recipes}" if cap > 0 else "no capacity then"
        return (f"the capacity of {fac} in {_region(results, lab.get('region'))} ({what})",
                "capacity", ("capacity", fac, per), "unit of activity")
    if kind == "recipe_share":
        return (f"the {lab['max_share']:.0%} cap on recipe {lab['process']} at {fac} "
                "(its max_share of the plant's activity)", "recipe_share",
                ("recipe_share", fac, lab["process"], per), "unit of activity")
    return None
