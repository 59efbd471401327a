"""Did the what-if change anything? The bounds an overlay or `overrides` changed, checked in the
solution.

A user who raises a plant's capacity ("what if IREL's OSCOM could mine 5,800 t?") and gets the
same answer deserves to be told why rather than left to compare objectives to the cent: the
plant never ran up to its old capacity, so a higher one cannot bind. For each facility whose
capacity or must-run minimum differs from the scenario the run was laid over (the file it
`extends`, or the scenario itself under `overrides`), this says whether the new bound binds in
some period, and what the facility actually ran at.

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
    """One changed bound of one facility: which way it moved, whether it binds (and when),
    and the highest rate the facility ran at."""
    facility: str
    label: str
    bound: str  # "capacity" or "minimum"
    direction: str  # "raised", "lowered" or "changed"
    new_rate: float  # t/yr at its highest over the horizon
    binding_rates: tuple[float, float]  # the new bound's lowest and highest t/yr where it binds
    ran_at: float  # highest activity rate, t/yr
    binding: tuple[str, ...]  # periods where the new bound binds
    within_base: bool  # the activity respects the base's bound in every period

    def sentence(self, periods: list[str]) -> str:
        name = f"{self.label} ({self.facility})" if self.label else self.facility
        if self.binding:
            lo, hi = self.binding_rates
            level = _rate(hi) if abs(hi - lo) < 0.5 else f"{lo:,.0f}–{_rate(hi)}"
            return (f"The {self.bound} you {self.direction} binds: {name} runs at its "
                    f"{self.bound} of {level} in {period_runs(self.binding, periods)}.")
        return (f"The {self.bound} you {self.direction} never binds: {name} runs at "
                f"{_rate(self.ran_at)} at most (its {self.bound} is now {_rate(self.new_rate)}).")


def _rate(v: float) -> str:
    return f"{v:,.0f} t/yr" if abs(v) >= 10 else f"{v:,.2f} t/yr"


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
    if np.all(new >= old) and np.any(new > old):
        return "raised"
    if np.all(new <= old) and np.any(new < old):
        return "lowered"
    return "changed"


def bound_checks(r, base_scenario=None) -> list[BoundCheck]:
    """Every facility capacity or minimum that differs from `base_scenario` (default: the
    scenario of `base_file(r)`), checked in `r`'s solution. Empty for a stored run (no LP)."""
    if not r.live:
        return []
    if base_scenario is None:
        path = base_file(r)
        if path is None:
            return []
        from rareflow.scenario.loader import load_scenario

        base_scenario, _ = load_scenario(path)
    old = {f.id: f for f in base_scenario.facilities}
    P = r.horizon
    length = np.asarray(P.length, dtype=float)
    act = r.activity
    build = r.model.build
    out: list[BoundCheck] = []
    for f in r.scenario.facilities:
        b = old.get(f.id)
        if b is None:
            continue  # a new plant is not a raised bound: nothing to compare it with
        used = np.zeros(P.n)
        if len(act):
            a = act[act["facility"] == f.id].groupby("period")["amount"].sum()
            used = np.array([float(a.get(p, 0.0)) for p in P.labels])
        low, high = build.facility_capacity(f.id)
        for bound, new_s, old_s, lp_bound in (("capacity", f.capacity, b.capacity, high),
                                              ("minimum", f.minimum, b.minimum, low)):
            new_v, old_v = series.values(new_s, P), series.values(old_s, P)
            if np.allclose(new_v, old_v):
                continue
            lp_bound = np.asarray(lp_bound, dtype=float)
            gap = (lp_bound - used) if bound == "capacity" else (used - lp_bound)
            on = np.isfinite(lp_bound) & (lp_bound > 0)  # offline periods (0) bind nothing
            tight = on & (gap <= np.maximum(1e-6, REL * np.abs(lp_bound)))
            rate = used / length
            within = bool(np.all(rate <= old_v + 1e-6) if bound == "capacity"
                          else np.all(rate >= old_v - 1e-6))
            at = new_v[tight]
            out.append(BoundCheck(f.id, f.label, bound, _direction(new_v, old_v),
                                  float(np.max(new_v)),
                                  (float(at.min()), float(at.max())) if len(at) else (0.0, 0.0),
                                  float(np.max(rate)) if len(rate) else 0.0,
                                  tuple(p for p, t in zip(P.labels, tight, strict=True) if t),
                                  within))
    return out


@analysis("bound_check")
def bound_check(r, base=None) -> list[str]:
    """Sentences on what an overlay or `overrides` changed: for each changed facility capacity
    or minimum, whether it binds; when none binds and the base solves to the same objective,
    that the change does nothing, said once. `base`: the base's solved Results (solved here
    when needed and not given). Empty when nothing was laid over a base."""
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
