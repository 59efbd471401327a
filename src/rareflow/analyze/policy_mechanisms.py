"""Explanations for surprises, no-transit rules and subsidies.

* An answer made in stages (`announced`) says which measures it did not foresee, what the
  plan had already carried out by then, and what foreknowledge would have changed; the plan's
  fixed past is named as such when it limits a later shortfall ("the plan for 2025-01–2025-03,
  made before 'ban' was announced"), never as a capacity or an empty stock.
* A binding no-transit row says whose material cannot pass through which country to where.
* A subsidy whose budget runs out says so, and when. Subsidy rows never limit supply, so they
  are never named as the cause of a shortfall.

The `Explainer` (explain.py) calls in here at four points: the LP its answer solves (`lp_of`),
the naming of a fixed column (`fixed_constraint`), the rows it must not name (`silent_row`),
and the sentences (`sentences`).
"""

from __future__ import annotations

from collections import defaultdict

import numpy as np

from rareflow.analyze.words import period_runs
from rareflow.lp.rules import subsidy as subsidy_rule

EPS = 1e-7
SILENT_ROWS = (subsidy_rule.ACTIVITY_KIND, subsidy_rule.BUDGET_KIND)


def lp_of(results):
    """The LP the answer solves: for a staged answer, the last stage's (its past fixed)."""
    info = getattr(getattr(results, "solution", None), "info", None) or {}
    return info.get("lp", results.model.frozen)


def _stages(ex) -> list[dict]:
    return ex.sol.info.get("stages") or []


def _span(first: str, last: str) -> str:
    return first if first == last else f"{first}–{last}"


def _was(ids: list[str]) -> str:
    return ("was" if len(ids) == 1 else "were")


def fixed_constraint(ex, j: int):
    """The plan fixed before a later announcement, as the constraint a column at it meets."""
    fixed = ex.sol.info.get("fixed")
    if fixed is None or not fixed[j]:
        return None
    from rareflow.analyze.explain import Constraint

    t = ex._period_of_col(j)
    order = {lab: k for k, lab in enumerate(ex.m.periods.labels)}
    reps = _stages(ex)
    for k, rep in enumerate(reps[:-1]):
        if rep["fixed_to"] and order[rep["fixed_from"]] <= t <= order[rep["fixed_to"]]:
            nxt = reps[k + 1]
            ids = nxt["policies"]
            names = ", ".join(f"'{p}'" for p in ids) or "a measure"
            sp = ex.b.lp.cols[ex.col_span[j]]
            per = str(ex.label(sp, j - sp.start).get("period", ""))
            unit = "unit of activity" if sp.kind == "activity" else "t"
            return Constraint(
                f"the plan for {_span(reps[0]['announced'], rep['fixed_to'])}, made before "
                f"{names} {_was(ids)} announced in {nxt['announced']}", "stage_fixed", per,
                ("stage_fixed", nxt["announced"]), "", unit)
    return None


def silent_row(ex, i: int) -> bool:
    """Rows that never limit supply (a subsidy's accounting) and so are never a cause."""
    k = i - ex.f.n_balance
    return k >= 0 and ex.b.lp.rows[ex.row_span[k]].kind in SILENT_ROWS


def sentences(ex, cited: dict[str, str], foresight: bool = True) -> list[str]:
    """Sentences for the answer's stages, binding no-transit rows and spent subsidy budgets.
    Without `foresight`, the sentence on what knowing every measure from the outset would have
    changed is left out (it solves the LP once more; `explain --region` never shows it)."""
    return _announced(ex, cited, foresight) + _transit(ex, cited) + _subsidy(ex)


# how the foresight sentence of `_announced` opens, whatever its figures
FORESIGHT_OPENINGS = ("Had every measure been known from the outset",
                      "Knowing every measure from the outset")


def _announced(ex, cited: dict[str, str], foresight: bool = True) -> list[str]:
    reps = _stages(ex)
    if len(reps) < 2:
        return []
    pols = {p.id: p for p in [*ex.b.policies, *ex.b.targets]}
    labels = ex.m.periods.labels
    out = []
    for rep, prev in zip(reps[1:], reps[:-1], strict=True):
        # the policies of one event (or one headline) are told once
        groups: dict[str, list] = defaultdict(list)
        for pid in rep["policies"]:
            pol = pols.get(pid)
            key = (pol.event or pol.headline or pid) if pol is not None else pid
            groups[key].append((pid, pol))
        for items in groups.values():
            pid, pol = items[0]
            name = ex._policy_name(pol) if pol is not None else f"'{pid}'"
            if len(items) > 1:
                name = name.split(" [", 1)[0] + " (" + ", ".join(f"'{i}'" for i, _ in items) + ")"
            out.append(f"{name} {_was([i for i, _ in items])} announced in {rep['announced']}: "
                       f"before then the plan did not know of "
                       f"{'it' if len(items) == 1 else 'them'}, and what it planned for "
                       f"{_span(labels[0], prev['fixed_to'])} was carried out as planned "
                       f"(stage {rep['stage']} of the answer).")
            for i, p in items:
                if p is not None and p.source:
                    cited[i] = p.source
    gap = _foresight(ex) if foresight else None
    if gap is not None:
        cost, served = gap
        parts = []
        if cost > 0.5:
            parts.append(f"cost {cost:,.0f} {ex.currency} less")
        if served > 0.5:
            parts.append(f"left {served:,.0f} t less demand unserved")
        if parts:
            out.append("Had every measure been known from the outset, the plan would have "
                       + " and ".join(parts) + " (pre-stocking and rerouting ahead of them).")
        else:
            out.append("Knowing every measure from the outset would not have lowered the cost: "
                       "nothing that can be prepared ahead of them (stocks, builds, routes) "
                       "would have paid off.")
    return out


def _foresight(ex) -> tuple[float, float] | None:
    """(objective, unserved t) of the staged answer minus those of perfect foresight."""
    from rareflow.lp import highs

    f = ex.m.frozen
    h = highs.new_solver(f)
    if not len(f.integer):
        for k, v in (("solver", "simplex"), ("simplex_strategy", 1)):
            highs.set_option(h, k, v)
    sol = highs.run_mip(h, f) if len(f.integer) else highs.run(h)
    if sol.status != "optimal":
        return None
    cols = ex.b.unserved_cols.ravel()
    un = float(sol.x[cols].sum()) if len(cols) else 0.0
    un_staged = float(ex.sol.x[cols].sum()) if len(cols) else 0.0
    return ex.r.objective - sol.objective, un_staged - un


def _transit(ex, cited: dict[str, str]) -> list[str]:
    tab = ex.r.transit
    if not len(tab):
        return []
    tab = tab[tab["binding"] & (tab["re_exported"] + tab["allowed"] > EPS)]
    pols = {p.id: p for p in ex.b.policies}
    routes = ex.b.routes
    out = []
    for (pid, y, c), g in tab.groupby(["policy", "region", "commodity"], sort=False):
        pol = pols[pid]
        dests = set(pol.destinations(list(ex.m.scenario.regions))) - {y}
        sent = routes[(routes["origin"] == y) & (routes["commodity"] == c)
                      & routes["destination"].isin(dests)]["destination"]
        to = ", ".join(ex._reg(d) for d in dict.fromkeys(sent)) or "its destinations"
        pers = period_runs(g["period"], list(ex.m.periods.labels), "the whole horizon")
        worth = float(np.abs(g["dual"]).max())
        out.append(f"{ex._reg(pol.exporter)}'s {c} cannot be re-exported to {to} through "
                   f"{ex._reg(y)}: the no-transit rule of {ex._policy_name(pol)} binds in "
                   f"{pers}; {ex._reg(y)} sends there only its own output "
                   f"and what it imports from elsewhere ({g['re_exported'].sum():,.0f} t in all), "
                   f"and each tonne more let through would be worth up to {worth:,.0f} "
                   f"{ex.currency}.")
        if pol.source:
            cited[pid] = pol.source
    return out


def _subsidy(ex) -> list[str]:
    tab = ex.r.subsidies
    if not len(tab):
        return []
    pols = {p.id: p for p in ex.b.policies}
    out = []
    groups: dict[str, list] = defaultdict(list)
    for rec in tab.itertuples():
        groups[rec.policy].append(rec)
    for pid, recs in groups.items():
        pol = pols[pid]
        if pol.budget is None:
            continue
        spent = next((r for r in recs if r.budget_left <= 1e-6 * max(1.0, pol.budget)), None)
        if spent is None:
            continue
        paid_units = sum(r.subsidised for r in recs)
        unpaid = sum(r.activity - r.subsidised for r in recs)
        tail = (f"; {unpaid:,.0f} more units run without it" if unpaid > 0.5 else "")
        out.append(f"The subsidy '{pid}' for {pol.process} in {ex._reg(pol.region)} spends its "
                   f"whole budget of {pol.budget:,.0f} {ex.currency} by {spent.period}: "
                   f"{paid_units:,.0f} units of activity are paid for{tail}.")
    return out
