"""Which LP columns an uncertain event touches — found by the policy rules themselves.

A sweep event restates a deterministic policy with a chance and a duration: an `export_ban`
event closes the routes an `export_ban` policy with the same exporter, commodities and
destinations would close; an `outage` cuts the activity a `capacity_change` of the facility
would cut; an `export_licence` event limits the flows an `export_licence` policy would license.
So that "which routes does a trade measure cover" (and "which columns are a facility's") is
written once, the sweep matches nothing itself: it runs the policy's own rule from
`rareflow.lp.rules` — over the whole horizon, at full strength — on a `Recorder`, a stand-in
for the LP under construction that implements `RuleBuild`, answers the rule's reads from the
built model and records the columns the rule constrains (bounds it sets, rows it writes them
into) instead of changing anything. How hard and when an event strikes those columns is the
sweep's business (rareflow.sweep.plan and .sample); which columns, the rule's.

`route_block` (routes named by id) and `recipe_outage` (one recipe of a plant) have no policy
counterpart: their rules below use only `RuleBuild` too. `stock_release` lowers a stock's floor
(lower bounds of its level columns; rareflow.sweep.plan), which no policy does.
`demand_shock` changes demands, not columns of a rule, and is matched by the event's own
filter (rareflow.scenario.uncertainty).
"""

from __future__ import annotations

import numpy as np

from rareflow.errors import RareflowError
from rareflow.lp.rules import RULES
from rareflow.lp.rules.base import RuleBuild
from rareflow.scenario.policies import CapacityChange, ExportBan, ExportLicence
from rareflow.scenario.uncertainty import (
    ExportBanEvent,
    ExportLicenceEvent,
    OutageEvent,
    RecipeOutageEvent,
    RouteBlockEvent,
)

_RECORDED = ("set_bounds", "set_facility_capacity", "add_rows", "add_coeffs")  # what an event's rule may do
_REFUSED = ("add_cost", "add_cols", "add_balance")  # changes no sampled bound can stand for


class NotReplayable(RareflowError, AttributeError):
    """A rule asked the recorder for something a sweep cannot replay as bound changes (an
    AttributeError too, so `getattr(b, name, default)` in a rule still works)."""


def _declared_reads() -> frozenset[str]:
    """Everything `RuleBuild` declares, except its changes: what a rule may read."""
    names = set(getattr(RuleBuild, "__annotations__", {}))
    names |= {n for n, v in vars(RuleBuild).items() if callable(v) and not n.startswith("_")}
    return frozenset(names - set(_RECORDED) - set(_REFUSED))


class Recorder:
    """A `RuleBuild` that reads from a built model and records, never changes.

    Reads declared by `RuleBuild` go to the build. `set_bounds` and `add_coeffs` record their
    columns; `add_rows` hands out row numbers of its own. A rule that would add costs, columns
    or balance terms — or use a change `RuleBuild` gained later — cannot stand for a sweep
    event, and says so instead of touching the model."""

    _reads = _declared_reads()

    def __init__(self, build) -> None:
        self._build = build
        self._cols: list[np.ndarray] = []
        self._rows = 0

    def __getattr__(self, name: str):
        if name in Recorder._reads and not name.startswith(("add_", "set_")):
            return getattr(self._build, name)
        raise NotReplayable(f"a sweep event's policy rule used RuleBuild.{name}, which the "
                            "sweep cannot replay as bound changes; this is a bug in rareflow "
                            "(rareflow/sweep/events.py), please report it")

    def set_bounds(self, cols, lb=None, ub=None, owner=None) -> None:  # noqa: ARG002
        if lb is not None or ub is not None:
            self._cols.append(np.asarray(cols, dtype=np.int64).ravel())

    def set_facility_capacity(self, facility_id, t, lb=None, ub=None, owner=None) -> None:  # noqa: ARG002
        """A facility's capacity: its activity columns — every recipe's, for a plant with
        several. The sweep caps each column at (1 − severity) × its reference level, so a
        full outage is exact; a partial one on a plant with recipes caps each recipe at that
        share of its base-case activity rather than scaling the shared capacity row (an
        approximation, docs/sweep.md)."""
        if lb is None and ub is None:
            return
        b = self._build
        t = np.arange(b.T)[t]
        for i in b.facility_rows(facility_id):
            self._cols.append(np.asarray(b.fac_cols[i][t], dtype=np.int64).ravel())

    def add_rows(self, kind, labels, lb, ub, owner=None) -> np.ndarray:  # noqa: ARG002
        start, self._rows = self._rows, self._rows + len(labels)
        return np.arange(start, self._rows)

    def add_coeffs(self, rows, cols, vals) -> None:  # noqa: ARG002
        self._cols.append(np.asarray(cols, dtype=np.int64).ravel())

    def columns(self) -> np.ndarray:
        """The columns recorded so far, sorted, each once."""
        return np.unique(np.concatenate(self._cols)) if self._cols else np.zeros(0, np.int64)


def route_block(ev: RouteBlockEvent, b: RuleBuild) -> None:
    """The rule of a route block: the named routes' flows lose their capacity."""
    ids = {ev.route} if isinstance(ev.route, str) else set(ev.route)
    routes = np.flatnonzero(b.routes["route"].isin(ids).to_numpy())
    b.set_bounds(b.route_cols[routes].ravel(), lb=0.0, ub=0.0)


def recipe_outage(ev: RecipeOutageEvent, b: RuleBuild) -> None:
    """The rule of a recipe outage: one recipe's activity columns lose their capacity (no
    policy takes out a single recipe; `capacity_change` acts on the whole plant)."""
    rows = b.facility_rows(ev.facility)
    keep = rows[(b.facilities["process"].to_numpy()[rows] == ev.process)]
    b.set_bounds(b.fac_cols[keep].ravel(), lb=0.0, ub=0.0)


def _trade(ev) -> dict:
    return {"exporter": ev.exporter, "commodity": ev.commodity, "to": ev.to,
            "except": ev.except_}


def equivalents(ev) -> list[tuple[object, object]]:
    """(rule, policy) pairs that constrain what event `ev` strikes: the policy of the same kind,
    over the whole horizon and at full strength (a ban, a licence of nothing, a shutdown)."""
    if isinstance(ev, ExportBanEvent):
        return [(RULES["export_ban"], ExportBan.model_validate({"type": "export_ban",
                                                                **_trade(ev)}))]
    if isinstance(ev, ExportLicenceEvent):
        pol = ExportLicence.model_validate({"type": "export_licence", **_trade(ev), "cap": 0.0})
        return [(RULES["export_licence"], pol)]
    if isinstance(ev, OutageEvent):
        ids = [ev.facility] if isinstance(ev.facility, str) else list(ev.facility)
        return [(RULES["capacity_change"], CapacityChange.model_validate(
            {"type": "capacity_change", "facility": f, "factor": 0.0})) for f in ids]
    if isinstance(ev, RouteBlockEvent):
        return [(route_block, ev)]
    if isinstance(ev, RecipeOutageEvent):
        return [(recipe_outage, ev)]
    raise TypeError(f"no columns for an event of type {type(ev).__name__}")


def period_of(b: RuleBuild, n_cols: int) -> np.ndarray:
    """The period of every column of the entity blocks rules act on (−1 elsewhere)."""
    out = np.full(n_cols, -1, dtype=np.int64)
    for block in (b.route_cols, b.fac_cols, b.cand_cols):
        block = np.asarray(block)
        if block.size:
            out[block] = np.arange(b.T)[None, :]
    return out


def event_columns(ev, b: RuleBuild, periods: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """(columns, their periods) that capacity event `ev` touches in the built model `b`;
    `periods` is `period_of(b, …)`."""
    rec = Recorder(b)
    for rule, pol in equivalents(ev):
        rule(pol, rec)
    cols = rec.columns()
    t = periods[cols]
    if (t < 0).any():
        raise RareflowError(f"event '{ev.id}': its policy rule touched columns outside the "
                            "route and facility blocks; this is a bug in rareflow, please "
                            "report it")
    return cols, t
