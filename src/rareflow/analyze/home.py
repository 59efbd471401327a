"""What new plants change at home: how much of a region's use it makes itself, over time.

The question behind every build plan ("can IREL's neodymium replace India's magnet imports, and
by when?") is answered by the region's balance of each commodity the built plants make: output
at home, imports, and the share of its own use it covers, at the start, at the best period and
at the end of the horizon.
"""

from __future__ import annotations

import pandas as pd

from rareflow.analyze.metrics import balances
from rareflow.analyze.words import span, tonnes
from rareflow.tolerances import SHOWN_T as EPS


def _t(v: float) -> str:
    return tonnes(v, plain_zero=True)


def _label(regions, code: str) -> str:
    return (regions[code].label or code) if code in regions else code


def home_supply(results) -> pd.DataFrame:
    """region, commodity, period, produced, imports, consumption, self_sufficiency for every
    (region, commodity) that a built candidate makes."""
    b = results.builds
    if not len(b) or not (b["amount"] > EPS).any():
        return pd.DataFrame(columns=["region", "commodity", "period", "produced", "imports",
                                     "demand", "consumption", "self_sufficiency"])
    scn = results.scenario
    cands = {c.id: c for c in scn.candidates}
    pairs = []
    for cid in dict.fromkeys(b.loc[b["amount"] > EPS, "candidate"]):
        c = cands[cid]
        for com in scn.processes[c.process].outputs:
            if (c.region, com) not in pairs:
                pairs.append((c.region, com))
    bal = balances(results)
    keep = pd.Series(list(zip(bal["region"], bal["commodity"], strict=True))).isin(pairs).to_numpy()
    cols = ["region", "commodity", "period", "produced", "imports", "demand", "consumption",
            "self_sufficiency"]
    return bal.loc[keep, cols].reset_index(drop=True)


def home_supply_sentences(results) -> list[str]:
    """One sentence per (region, commodity) that new plants make and the region has final demand
    for, e.g. "India's ndfeb_magnet:
    made at home 0 t in 2024 (0 % of its use) → 3,596 t in 2030 (100 %) → …; imports …"."""
    tab = home_supply(results)
    if not len(tab):
        return []
    order = {p: k for k, p in enumerate(results.periods)}
    regions = results.scenario.regions
    out = []
    for (reg, com), g in tab.groupby(["region", "commodity"], sort=False):
        g = g.sort_values("period", key=lambda s: s.map(order)).reset_index(drop=True)
        if g["demand"].max() <= EPS:
            continue  # an intermediate the region only feeds into its own plants
        ss = g["self_sufficiency"].fillna(0.0)
        picks = list(dict.fromkeys([0, int(ss.idxmax()), len(g) - 1]))
        made = " → ".join(f"{_t(g.at[i, 'produced'])} in {g.at[i, 'period']} "
                          f"({ss.iat[i]:.0%} of its use)" for i in picks)
        imports = " → ".join(_t(g.at[i, "imports"]) for i in picks)
        first = g.index[ss >= 0.999]
        full = (f"; it covers all its own use from {g.at[first[0], 'period']}"
                if len(first) else "")
        out.append(f"{_label(regions, reg)}'s {com}: made at home {made}; imports {imports}{full}.")
    return out


def tolling_sentences(results) -> list[str]:
    """One sentence per tolling deal that ran: what the owner sent, what came back, over which
    years, and what share of the owner's own use of the product that covered."""
    tl = results.tolling
    if not len(tl) or not (tl["amount"] > EPS).any():
        return []
    order = {p: k for k, p in enumerate(results.periods)}
    regions = results.scenario.regions
    un = results.unserved
    out = []
    for (pid, owner, partner, inp, outp), g in tl.groupby(
            ["policy", "owner", "partner", "input", "output"], sort=False):
        g = g[g["amount"] > EPS]
        if not len(g):
            continue
        pers = sorted(set(g["period"]), key=order.get)
        made = g["amount"].sum()
        use = un[(un["region"] == owner) & (un["commodity"] == outp)
                 & un["period"].isin(pers)]["requested"].sum() if len(un) else 0.0
        share = f": {made / use:.0%} of its {outp} use in those years" if use > EPS else ""
        out.append(f"{_label(regions, owner)} has {_t(g['input_amount'].sum())} of {inp} made "
                   f"into {_t(made)} of {outp} in {_label(regions, partner)} ('{pid}') over "
                   f"{span(pers)}{share}.")
    return out
