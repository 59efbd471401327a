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


def _per_period(table, key: str, item: str, value: str, labels) -> np.ndarray:
    """One item's `value` per period of `labels` (0 where the table has no row)."""
    if not len(table):
        return np.zeros(len(labels))
    a = table[table[key] == item].groupby("period")[value].sum()
    a.index = a.index.astype(str)
    return a.reindex(list(labels), fill_value=0.0).to_numpy(dtype=float)


def _check(kind, item, label, bound, new_v, old_v, lp_bound, used, scale,
           labels: list[str]) -> BoundCheck | None:
    """The bound check of one changed bound. `new_v`/`old_v`: the bound as written (rates or
    levels, per period; inf = none); `lp_bound`: the bound the LP held, in the solution's units
    (rates × period length for rates, t for stocks), with the policies laid over it; `used`:
    the solution, in those units; `scale`: solution units per written unit."""
    if np.allclose(new_v, old_v, equal_nan=True) and \
            np.array_equal(np.isfinite(new_v), np.isfinite(old_v)):
        return None
    lp_bound = np.asarray(lp_bound, dtype=float)
    gap = (lp_bound - used) if bound == "capacity" else (used - lp_bound)
    on = np.isfinite(lp_bound) & (lp_bound > 0)  # offline periods (0) bind nothing
    tight = on & (gap <= np.maximum(1e-6, REL * np.abs(lp_bound)))
    level = used / scale
    within = bool(np.all(level <= old_v + 1e-6) if bound == "capacity"
                  else np.all(level >= old_v - 1e-6))
    at = new_v[tight]
    finite = new_v[np.isfinite(new_v)]
    return BoundCheck(item, label, bound, _direction(new_v, old_v),
                      float(np.max(finite)) if len(finite) else float("inf"),
                      (float(at.min()), float(at.max())) if len(at) else (0.0, 0.0),
                      float(np.max(level) if bound == "capacity" else np.min(level))
                      if len(level) else 0.0,
                      tuple(p for p, t in zip(labels, tight, strict=True) if t),
                      within, kind)


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

    out: list[BoundCheck | None] = []
    # Facilities: the capacity the LP holds once every policy is laid (a capacity_change such
    # as the dashboard's "IREL output" lever, an outage, the dates a plant is online), in the
    # run and in the base, each built afresh from its scenario (a staged solve changes the
    # kept model's bounds as it goes). Over other horizons, the fields as written.
    new_b, old_b = _effective_builds(r.scenario, base_scenario, P)
    old = {f.id: f for f in base_scenario.facilities}
    for f in r.scenario.facilities:
        b = old.get(f.id)
        if b is None:
            continue  # a new plant is not a raised bound: nothing to compare it with
        used = _per_period(r.activity, "facility", f.id, "amount", labels)
        low, high = new_b.facility_capacity(f.id)
        if old_b is not None:
            o_low, o_high = old_b.facility_capacity(f.id)
            new_cap, old_cap = high / length, o_high / length
            new_min, old_min = low / length, o_low / length
        else:
            new_cap, old_cap = vals(f.capacity), vals(b.capacity)
            new_min, old_min = vals(f.minimum), vals(b.minimum)
        out += [_check("facility", f.id, f.label, "capacity", new_cap, old_cap, high, used,
                       length, labels),
                _check("facility", f.id, f.label, "minimum", new_min, old_min, low, used,
                       length, labels)]
    old_r = {x.id: x for x in base_scenario.routes}
    build = new_b
    ids = list(build.routes["route"]) if len(build.routes) else []
    for x in r.scenario.routes:
        b = old_r.get(x.id)
        if b is None or x.id not in ids:
            continue
        low, high = build.get_bounds(build.route_cols[ids.index(x.id)])
        used = _per_period(r.flows, "route", x.id, "amount", labels)
        out += [_check("route", x.id, x.label, "capacity", vals(x.capacity), vals(b.capacity),
                       high, used, length, labels),
                _check("route", x.id, x.label, "minimum", vals(x.minimum), vals(b.minimum),
                       low, used, length, labels)]
    old_s = {x.id: x for x in base_scenario.stocks}
    sids = list(build.stocks["stock"]) if len(build.stocks) else []
    stocks = r.table("stocks")
    for x in r.scenario.stocks:
        b = old_s.get(x.id)
        if b is None or x.id not in sids:
            continue
        _low, high = build.get_bounds(build.stock_cols[sids.index(x.id)])
        used = _per_period(stocks, "stock", x.id, "level", labels)
        i = sids.index(x.id)
        # the floor alone (the LP's lower bound also holds the final level, in the last period)
        floor = build.stock_floor[i]
        out += [_check("stock", x.id, x.label, "capacity", cap(x), cap(b), high, used, one,
                       labels),
                _check("stock", x.id, x.label, "minimum", vals(x.minimum), vals(b.minimum),
                       floor, used, one, labels)]
    return [c for c in out if c is not None]


def _effective_builds(scn, base_scn, P):
    """The run's and the base's LP as built from their scenarios (the base's None when its
    periods differ from the run's: then only the fields as written can be compared)."""
    from rareflow.lp.build import assemble
    from rareflow.scenario.periods import make_periods

    new_b = assemble(scn, P)
    base_p = make_periods(base_scn)
    if list(base_p.labels) != list(P.labels):
        return new_b, None
    return new_b, assemble(base_scn, base_p)


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
    lines = [c.sentence(periods) for c in checks]
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
