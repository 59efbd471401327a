"""What to build and whether targets are met, in sentences.

`build_plan` reads a result's `builds` table and the scenario's candidates (so it works on any
result); `target_report` traces each missed target's rows upstream through the LP's duals, so it
needs a live result (a stored one keeps the sentences it was stored with).
"""

from __future__ import annotations

import numpy as np

from rareflow.analyze.explain import explainer
from rareflow.tolerances import SHOWN_T


def build_plan(results) -> list[str]:
    """What to build, where, when, online when, at what capital cost — in sentences."""
    b = results.builds
    if not len(b):
        return []
    b = b[b["amount"] > SHOWN_T]
    scn = results.scenario
    cands = {c.id: c for c in scn.candidates}
    cur = scn.currency
    out = []
    for cid, g in b.groupby("candidate", sort=False):
        c = cands[cid]
        outputs = "makes " + next(iter(scn.processes[c.process].outputs), "nothing")
        reg = scn.regions[c.region].label or c.region
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


def target_report(results) -> list[str]:
    """For each target: met throughout, or the earliest period from which it can be met and
    what limits it before then (the binding constraints upstream of its rows)."""
    out = []
    tab = results.targets
    m = results.model
    b = m.build
    for tg in b.targets:
        rows = tab[tab["target"] == tg.id]
        if not len(rows):
            continue
        unmet = rows[~rows["met"].astype(bool)]
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
            start_rows += [m.frozen.n_balance + sp.start + int(j)
                           for j in np.flatnonzero(sel.to_numpy())]
        found = explainer(results).trace(start_rows)
        limits = []
        for c, _ in sorted(found.items(), key=lambda kv: -kv[1]):
            if c.key[:2] != ("policy", tg.id) and c.name not in limits:
                limits.append(c.name)
        limits = limits[:4]
        why = ("; limited by " + "; ".join(limits)) if limits else ""
        out.append(f"Target '{tg.id}' ({tg.describe()}) {when}; it falls short in {gap}{why}.")
    return out
