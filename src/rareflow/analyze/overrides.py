"""Did the what-if change anything? The bounds an overlay, `overrides` or `--set` changed,
checked in the solution.

A user who raises a plant's capacity ("what if IREL's OSCOM could mine 5,800 t?") and gets the
same answer deserves to be told why rather than left to compare objectives to the cent: the
plant never ran up to its old capacity, so a higher one cannot bind. For each facility, route
or stock whose capacity or minimum differs from the scenario the run was laid over (the file
it `extends`, or the scenario itself under `overrides`), this says whether the new bound binds
in some period, and what the plant ran at, the route carried or the stock held.

Why the words "the answer is the same" can be trusted: the LP is convex. If no changed bound
is active at the optimum, and the optimum also lies within the base's bounds, it is feasible
for the base and optimal there too (a constraint inactive at an LP optimum can be removed or
moved without changing it); the base objective is solved and compared all the same, to the
cent, before the sentence is written.
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import numpy as np

from rareflow.analyze.words import period_runs
from rareflow.results.result import analysis
from rareflow.scenario import series

REL = 1e-7  # a bound binds when activity is within this share of it (and 1e-6 t)


@dataclass(frozen=True)
class BoundCheck:
    """One changed bound of one facility, route or stock: which way it moved, whether it binds
    (and when), and the highest level reached. Facilities and routes are rates (t/yr: what a
    plant runs at, what a route carries), stocks are levels (t held at a period's end)."""
    facility: str  # the item's id (a facility's, a route's or a stock's)
    label: str
    bound: str  # "capacity" or "minimum"
    direction: str  # "raised", "lowered", "set" (was unbounded) or "changed"
    new_rate: float  # the new bound at its highest over the horizon
    binding_rates: tuple[float, float]  # the new bound's lowest and highest where it binds
    ran_at: float  # highest level reached (t/yr for rates, t for stocks)
    binding: tuple[str, ...]  # periods where the new bound binds
    within_base: bool  # the solution respects the base's bound in every period
    kind: str = "facility"  # "facility", "route" or "stock"

    def sentence(self, periods: list[str]) -> str:
        name = f"{self.label} ({self.facility})" if self.label else self.facility
        verb, unit = _VERB[self.kind]
        if self.binding:
            lo, hi = self.binding_rates
            level = _rate(hi, unit) if abs(hi - lo) < 0.5 else f"{lo:,.0f}–{_rate(hi, unit)}"
            return (f"The {self.bound} you {self.direction} binds: {name} {verb} its "
                    f"{self.bound} of {level} in {period_runs(self.binding, periods)}.")
        most = "at least" if self.bound == "minimum" else "at most"
        return (f"The {self.bound} you {self.direction} never binds: {name} {verb} "
                f"{_rate(self.ran_at, unit)} {most} (its {self.bound} is now "
                f"{_rate(self.new_rate, unit)}).")


_VERB = {"facility": ("runs at", "t/yr"), "route": ("carries", "t/yr"), "stock": ("holds", "t")}


def _rate(v: float, unit: str = "t/yr") -> str:
    return f"{v:,.0f} {unit}" if abs(v) >= 10 or v == 0 else f"{v:,.2f} {unit}"


def base_file(r) -> str | None:
    """The scenario file this run was laid over: the scenario itself under `overrides`, else
    the file it `extends`; None for a scenario that is neither (or not read from a file)."""
    try:
        files = list(r.model.files)
    except Exception:  # noqa: BLE001 - a result read back from the store has no model
        return None
    if len(files) < 2 or not Path(files[-2]).is_file():
        return None
    return files[-2]


def _direction(new: np.ndarray, old: np.ndarray) -> str:
    if np.all(np.isfinite(new)) and not np.all(np.isfinite(old)):
        return "set"
    if np.all(new >= old) and np.any(new > old):
        return "raised"
    if np.all(new <= old) and np.any(new < old):
        return "lowered"
    return "changed"


def _pivot(table, key: str, value: str, labels: list[str]):
    """`value` per item (`key`) and period of `labels`, as a lookup item → array (zeros for an
    item without rows): one grouping for every item the check reads."""
    zero = np.zeros(len(labels))
    if not len(table):
        return lambda item: zero
    g = table.groupby([key, table["period"].astype(str)])[value].sum().unstack(fill_value=0.0)
    g = g.reindex(columns=labels, fill_value=0.0)
    rows = dict(zip(g.index, g.to_numpy(dtype=float), strict=True))
    return lambda item: rows.get(item, zero)


def _check(kind, item, label, bound, new_v, old_v, lp_bound, used, scale,
           labels: list[str]) -> BoundCheck | None:
    """The bound check of one changed bound. `new_v`/`old_v`: the bound as written (rates or
    levels, per period; inf = none); `lp_bound`: the bound the LP held, in the solution's units
    (rates × period length for rates, t for stocks), with the policies laid over it; `used`:
    a function giving the solution in those units (read only for a bound that changed);
    `scale`: solution units per written unit. Only periods where the bound changed can bind:
    elsewhere the run's bound is the base's."""
    same = np.isclose(new_v, old_v)  # inf = inf (both unbounded) counts as the same
    if same.all():
        return None
    changed = ~same
    used = used()
    lp_bound = np.asarray(lp_bound, dtype=float)
    gap = (lp_bound - used) if bound == "capacity" else (used - lp_bound)
    on = np.isfinite(lp_bound) & (lp_bound > 0)  # offline periods (0) bind nothing
    tight = changed & on & (gap <= np.maximum(1e-6, REL * np.abs(lp_bound)))
    level = used / scale
    within = bool(np.all(level <= old_v + 1e-6) if bound == "capacity"
                  else np.all(level >= old_v - 1e-6))
    at = new_v[tight]
    finite = new_v[changed & np.isfinite(new_v)]
    return BoundCheck(item, label, bound, _direction(new_v[changed], old_v[changed]),
                      float(np.max(finite)) if len(finite) else float("inf"),
                      (float(at.min()), float(at.max())) if len(at) else (0.0, 0.0),
                      float(np.max(level) if bound == "capacity" else np.min(level))
                      if len(level) else 0.0,
                      tuple(p for p, t in zip(labels, tight, strict=True) if t),
                      within, kind)


def _same_policies(a, b) -> bool:
    """Do two scenarios lay the same policies and events (so the LP's bounds differ only
    where their fields do)?"""
    def dump(scn):
        return ([p.model_dump() for p in scn.policies], [e.model_dump() for e in scn.events])
    return dump(a) == dump(b)


def bound_checks(r, base_scenario=None) -> list[BoundCheck]:
    """Every facility capacity or minimum, route capacity or minimum and stock capacity or
    floor that differs from `base_scenario` (default: the scenario of `base_file(r)`), checked
    in `r`'s solution. Empty for a stored run (no LP)."""
    if not r.live:
        return []
    if base_scenario is None:
        path = base_file(r)
        if path is None:
            return []
        from rareflow.scenario.loader import load_scenario

        base_scenario, _ = load_scenario(path)
    P = r.horizon
    labels = list(P.labels)
    length = np.asarray(P.length, dtype=float)
    inf = np.full(P.n, np.inf)
    one = np.ones(P.n)

    def cap(stock) -> np.ndarray:  # a stock's capacity is one level for the whole horizon
        return inf if stock.capacity is None else one * float(stock.capacity)

    def vals(s) -> np.ndarray:
        return inf if s is None else np.asarray(series.values(s, P), dtype=float)

    def lazy(table, key, value):
        """item → a function giving its solution per period, the table grouped once, on the
        first bound that changed."""
        got = []

        def read(item):
            def used():
                if not got:
                    got.append(_pivot(table(), key, value, labels))
                return got[0](item)
            return used
        return read

    out: list[BoundCheck | None] = []
    # The run's LP as built holds every policy's bounds (a staged solve works on copies). A
    # facility's capacity is read as the LP holds it once policies are laid (a capacity_change
    # such as the dashboard's "IREL output" lever, an outage), in the run and in the base, when
    # the two lay different policies over the same periods; otherwise the fields as written.
    build = r.model.build
    old_b = None if _same_policies(r.scenario, base_scenario) else _base_build(base_scenario,
                                                                               labels)
    act = lazy(lambda: r.activity, "facility", "amount")
    old = {f.id: f for f in base_scenario.facilities}
    for f in r.scenario.facilities:
        b = old.get(f.id)
        if b is None:
            continue  # a new plant is not a raised bound: nothing to compare it with
        low, high = build.facility_capacity(f.id)
        if old_b is not None:
            o_low, o_high = old_b.facility_capacity(f.id)
            new_cap, old_cap = high / length, o_high / length
            new_min, old_min = low / length, o_low / length
        else:
            new_cap, old_cap = vals(f.capacity), vals(b.capacity)
            new_min, old_min = vals(f.minimum), vals(b.minimum)
        out += [_check("facility", f.id, f.label, "capacity", new_cap, old_cap, high,
                       act(f.id), length, labels),
                _check("facility", f.id, f.label, "minimum", new_min, old_min, low,
                       act(f.id), length, labels)]
    old_r = {x.id: x for x in base_scenario.routes}
    ids = {k: i for i, k in enumerate(build.routes["route"])} if len(build.routes) else {}
    flows = lazy(lambda: r.flows, "route", "amount")
    for x in r.scenario.routes:
        b = old_r.get(x.id)
        if b is None or x.id not in ids:
            continue
        low, high = build.get_bounds(build.route_cols[ids[x.id]])
        out += [_check("route", x.id, x.label, "capacity", vals(x.capacity), vals(b.capacity),
                       high, flows(x.id), length, labels),
                _check("route", x.id, x.label, "minimum", vals(x.minimum), vals(b.minimum),
                       low, flows(x.id), length, labels)]
    old_s = {x.id: x for x in base_scenario.stocks}
    sids = {k: i for i, k in enumerate(build.stocks["stock"])} if len(build.stocks) else {}
    levels = lazy(lambda: r.table("stocks"), "stock", "level")
    for x in r.scenario.stocks:
        b = old_s.get(x.id)
        if b is None or x.id not in sids:
            continue
        i = sids[x.id]
        _low, high = build.get_bounds(build.stock_cols[i])
        # the floor alone (the LP's lower bound also holds the final level, in the last period)
        out += [_check("stock", x.id, x.label, "capacity", cap(x), cap(b), high, levels(x.id),
                       one, labels),
                _check("stock", x.id, x.label, "minimum", vals(x.minimum), vals(b.minimum),
                       build.stock_floor[i], levels(x.id), one, labels)]
    return [c for c in out if c is not None]


def _base_build(base_scn, labels: list[str]):
    """The base's LP as built from its scenario, or None when its periods differ from the
    run's (then only the fields as written can be compared)."""
    from rareflow.lp.build import assemble
    from rareflow.scenario.periods import make_periods

    base_p = make_periods(base_scn)
    if list(base_p.labels) != labels:
        return None
    return assemble(base_scn, base_p)


GROUP = 3  # more changed bounds of one kind than this are told in one sentence


def sentences(checks: list[BoundCheck], periods: list[str]) -> list[str]:
    """One sentence per changed bound; a scenario that changes many of one kind (say, the
    floors of 17 stocks) gets one sentence for them, naming the first few."""
    groups: dict[tuple, list[BoundCheck]] = {}
    for c in checks:
        groups.setdefault((c.kind, c.bound, c.direction), []).append(c)
    out = []
    for (kind, bound, direction), g in groups.items():
        if len(g) <= GROUP:
            out += [c.sentence(periods) for c in g]
            continue
        binding = [c for c in g if c.binding]
        plural = {"facility": "facilities", "route": "routes", "stock": "stocks"}[kind]
        if not binding:
            out.append(f"The {bound} you {direction} never binds for any of the {len(g)} "
                       f"{plural} you changed.")
            continue
        names = ", ".join(c.facility for c in binding[:GROUP]) + \
            (f" and {len(binding) - GROUP} more" if len(binding) > GROUP else "")
        when = sorted({p for c in binding for p in c.binding}, key=periods.index)
        out.append(f"The {bound} you {direction} binds for {len(binding)} of the {len(g)} "
                   f"{plural} you changed ({names}), in {period_runs(when, periods)}.")
    return out


@analysis("bound_check")
def bound_check(r, base=None) -> list[str]:
    """Sentences on what an overlay or `overrides` changed: for each changed capacity or
    minimum of a facility, a route or a stock, whether it binds; when none binds and the base
    solves to the same objective, that the change does nothing, said once. `base`: the base's
    solved Results (solved here when needed and not given). Empty when nothing was laid over a base."""
    cached = getattr(r, "_bound_check_lines", None)
    if base is None and cached is not None:  # explain() and the CLI both ask; one base solve
        return list(cached)
    lines = _bound_check(r, base)
    if base is None:
        r._bound_check_lines = list(lines)
    return lines


def _bound_check(r, base) -> list[str]:
    checks = bound_checks(r, None if base is None else base.scenario)
    if not checks:
        return []
    periods = r.periods
    lines = sentences(checks, periods)
    if any(c.binding or not c.within_base for c in checks):
        return lines
    if base is None:
        from rareflow.results.model import load

        path = base_file(r)
        if path is None:
            return lines
        base = load(path).solve()
    same = abs(r.objective - base.objective) <= max(0.005, 1e-9 * abs(base.objective))
    if same and abs(r.total_unserved() - base.total_unserved()) <= 1e-6:
        lines.append(f"Nothing changes: the run costs the same as {base.name} without this change, "
                     "to the cent, with the same shortfalls; to move the answer, change a limit "
                     "that binds (`rareflow explain` ranks them by what relaxing each saves).")
    return lines
