"""Solving for the web: a bounded worker pool, a time limit per solve, the run store, and a
small in-memory cache so that flipping a lever back is instant."""

from __future__ import annotations

import asyncio
import threading
import time
from collections import OrderedDict
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from typing import Any

import pandas as pd

from rareflow.analyze import closest_optimum
from rareflow.analyze.shortfalls import shortfall_shares
from rareflow.errors import Problem, RareflowError, ScenarioError, SolveError
from rareflow.report import charts
from rareflow.results.jsonsafe import jsonable
from rareflow.results.model import Model
from rareflow.results.result import Results
from rareflow.scenario.hashing import scenario_hash
from rareflow.scenario.periods import make_periods
from rareflow.store import RunStore, StoreError
from rareflow.tolerances import ZERO
from rareflow.web import limits as bounds
from rareflow.web.levers import Catalog
from rareflow.web.limits import Busy, FairPool, Limits, TooBig, TooLong

__all__ = ["Busy", "TooBig", "TooLong", "NotFound", "RunService", "Solved"]


class NotFound(RareflowError):
    """No such run."""


@dataclass
class Solved:
    view: Results  # without its LP (`Results.detached`), as the store gives it back
    run_id: int
    reused: bool
    seconds: float
    overlay: dict


def records(df: pd.DataFrame, nonzero: str | None = None, keep_cols: list[str] | None = None
            ) -> list[dict]:
    """A table as JSON records (NaN → null), optionally without zero rows."""
    if df is None or df.empty:
        return []
    if nonzero and nonzero in df:
        df = df[df[nonzero].abs() > ZERO]
    if keep_cols:
        df = df[[c for c in keep_cols if c in df.columns]]
    return jsonable(df.to_dict(orient="records"))


def lever_words(levers, values: dict | None) -> str | None:
    """"China's export controls on; IREL output 120 %": the levers moved from their defaults,
    by label, for the name a stored run is listed under (None when none moved)."""
    by_id = {lv.id: lv for lv in levers}
    parts = []
    for k, v in (values or {}).items():
        lv = by_id.get(k)
        if lv is None or v == lv.default:
            continue
        if isinstance(v, bool):
            parts.append(f"{lv.label} {'on' if v else 'off'}")
        elif isinstance(v, int | float):
            parts.append(f"{lv.label} {v:g}{f' {lv.unit}' if lv.unit else ''}")
        elif isinstance(v, dict):
            parts.append(f"{lv.label} ({', '.join(f'{a} {b}' for a, b in v.items())})")
        else:
            parts.append(f"{lv.label}: {v}")
    return "; ".join(parts) or None


class RunService:
    def __init__(self, catalog: Catalog, store: RunStore, workers: int = 2,
                 solve_timeout: float = 20.0, max_pending: int | None = None,
                 cache_size: int = 64, max_periods: int = 400,
                 limits: Limits | None = None) -> None:
        self.catalog = catalog
        self.store = store
        self.workers = max(1, int(workers))
        self.limits = limits or Limits(solve_timeout=float(solve_timeout), max_periods=max_periods)
        self.solve_timeout = self.limits.solve_timeout
        self.max_pending = max_pending if max_pending is not None else 4 * self.workers
        self.max_periods = self.limits.max_periods
        self._start_pools()
        self._cache: OrderedDict[int, Results] = OrderedDict()
        self._by_hash: dict[str, int] = {}
        self._clock = threading.RLock()
        self._cache_size = cache_size
        self._inflight: dict[str, threading.Lock] = {}

    def close(self) -> None:
        self.pool.close()
        self.reads.shutdown(wait=False, cancel_futures=True)

    # ---- the pools (bounds in rareflow.web.limits) -------------------------------------------
    def _start_pools(self) -> None:
        """Solves on a fair pool (turns by client, a deadline per request); reads of the store
        on their own few threads, so that listing runs never waits behind queued solves."""
        self.pool = FairPool(self.workers, self.max_pending, self.limits.per_client)
        self.reads = ThreadPoolExecutor(max_workers=4, thread_name_prefix="rareflow-read")
        self._reading = 0
        self._rlock = threading.Lock()

    async def call(self, fn, *args, client: str = "", timeout: float | None = None):
        """Run `fn(*args)` on the solver pool within the request's time bound (queue wait
        included): Busy (503) if the queue or this client's share is full, TooLong (504) past
        the bound."""
        until = time.monotonic() + (timeout if timeout is not None else self.limits.request_timeout)
        fut = self.pool.submit(client, lambda: fn(*args), until)
        return await bounds.wait_bounded(fut, until)

    async def read(self, fn, *args):
        """Run a read (store lists, stored runs, scenario files) on the read threads."""
        with self._rlock:
            if self._reading >= 32:
                raise Busy("too many reads at once; try again in a moment", 1)
            self._reading += 1
        try:
            fut = asyncio.get_running_loop().run_in_executor(self.reads, fn, *args)
            try:
                return await asyncio.wait_for(fut, self.limits.read_timeout)
            except TimeoutError:
                raise TooLong(f"reading took longer than {self.limits.read_timeout:g} s; "
                              "try again in a moment") from None
        finally:
            with self._rlock:
                self._reading -= 1

    # ---- cache ------------------------------------------------------------------------------
    def _remember(self, run_id: int, view: Results) -> None:
        with self._clock:
            self._cache[run_id] = view
            self._cache.move_to_end(run_id)
            if view.hash:
                self._by_hash[view.hash] = run_id
            while len(self._cache) > self._cache_size:
                old, v = self._cache.popitem(last=False)
                if self._by_hash.get(v.hash) == old:
                    del self._by_hash[v.hash]

    def view(self, run_id: int) -> Results:
        """A stored run (kept in a small cache), without its metrics unless it was stored
        with them (they are computed from its tables when asked for)."""
        with self._clock:
            if run_id in self._cache:
                self._cache.move_to_end(run_id)
                return self._cache[run_id]
        try:
            v = self.store.get(run_id)
        except StoreError as e:
            raise NotFound(str(e)) from None
        self._remember(run_id, v)
        return v

    # ---- solving ----------------------------------------------------------------------------
    def solve(self, name: str, levers: dict | None, overrides: dict | None) -> Solved:
        """Lever values and overrides → one overlay → solved (or reused) run. Blocking."""
        t0 = time.perf_counter()
        self.catalog.path(name)
        overlay = self.catalog.overlay(name, levers or {})
        if overrides:
            from rareflow.scenario.loader import combine_overlays

            overlay = combine_overlays(overlay, overrides)
        bounds.time_left()
        scn, files = self.catalog.scenario(name, overlay or None)
        bounds.check_model_size(scn, make_periods(scn).n, self.limits)
        h = scenario_hash(scn)
        lock = self._inflight_lock(h)
        with lock:  # two identical requests at once: the second reuses the first
            with self._clock:
                rid = self._by_hash.get(h)
            if rid is not None:
                return Solved(self.view(rid), rid, True, time.perf_counter() - t0, overlay)
            try:
                rid = self.store.find(h, {})
            except StoreError:
                rid = None
            if rid is not None:
                return Solved(self.view(rid), rid, True, time.perf_counter() - t0, overlay)
            model = Model(scn, files)
            try:
                results = model.solve(time_limit=bounds.time_left(self.solve_timeout))
            except SolveError as e:
                if "time_limit" in str(e) or "time limit" in str(e):
                    raise TooLong(f"the solve went over its time limit ({self.solve_timeout:g} s, "
                                  "or what was left of the request's bound); simplify the "
                                  "overrides or run it with the CLI") from None
                raise
            bounds.time_left()
            ref = self._reference(name, overlay)
            # what the levers or overrides changed: does each changed capacity bind? (words
            # made while the model is live; a run read back from the store has none)
            checked = results.bound_check(ref.view) if ref is not None and overlay else []
            if ref is not None:  # stored as the optimum closest to what it is compared with
                results = closest_optimum(results, ref.view)
            # metrics are left to the report (they take longer than the solve); the tables,
            # the explanation and the scenario are stored as for every run
            words = lever_words(self.catalog.levers(name), levers)
            if overrides:
                words = f"{words}; overrides" if words else None  # None: "with overrides"
            rid = self.store.record(results, options={}, overrides=overlay or None, origin="web",
                                    total_seconds=time.perf_counter() - t0, metrics=False,
                                    levers=words)
            results.run_id = rid
            view = results.detached()
            view._bound_check_lines = list(checked)  # what view.bound_check() answers
            self._remember(rid, view)
            return Solved(view, rid, False, time.perf_counter() - t0, overlay)

    def _reference(self, name: str, overlay: dict | None) -> Solved | None:
        """What a run will be compared with by default ('auto'): the scenario as published when
        levers or overrides changed it, else the scenario it extends. Equal-cost alternatives
        are resolved towards it, so that flipping a lever moves only what it must."""
        try:
            if overlay:
                return self.solve(name, {}, None)
            parent = self.catalog.head(name).get("extends")
            parent = str(parent).removesuffix(".yaml") if parent else None
            if parent and parent in self.catalog.paths and parent != name:
                return self.solve(parent, {}, None)
        except RareflowError:
            return None  # the run stands on its own; the comparison says what it can
        return None

    def _inflight_lock(self, h: str) -> threading.Lock:
        with self._clock:
            lock = self._inflight.get(h)
            if lock is None:
                if len(self._inflight) > 256:
                    self._inflight.clear()
                lock = self._inflight[h] = threading.Lock()
            return lock

    def base_for(self, name: str, changed: bool, compare_with: str) -> Solved | None:
        """The run to compare with: 'auto' = the scenario as published when levers changed it,
        else the scenario it extends; 'none'; or a scenario name (as published)."""
        if compare_with == "none":
            return None
        if compare_with == "auto":
            if changed:
                return self.solve(name, {}, None)
            parent = self.catalog.head(name).get("extends")
            parent = str(parent).removesuffix(".yaml") if parent else None
            if parent and parent in self.catalog.paths:
                return self.solve(parent, {}, None)
            return None
        self.catalog.path(compare_with)  # a known name, or a 404 with the list
        return self.solve(compare_with, {}, None)

    # ---- answers ----------------------------------------------------------------------------
    def pick_region(self, view: Results, base: Results | None, region: str | None) -> str | None:
        if region in (None, "", "auto"):
            return charts.default_view(view, base)[0]
        if region == "all":
            return None
        if region not in view.scenario.regions:
            raise ScenarioError([Problem("region", f"no region '{region}' in scenario "
                                         f"'{view.name}'", "use 'auto', 'all' or one of: "
                                         + ", ".join(view.scenario.regions), "<request>")])
        return region

    def pick_period(self, view: Results, base: Results | None, period: str | None) -> str:
        if period in (None, "", "auto"):
            return charts.default_view(view, base)[1] or (view.periods[0] if view.periods else "")
        if str(period) not in view.periods:
            raise ScenarioError([Problem("period", f"no period '{period}' in scenario "
                                         f"'{view.name}'", "use 'auto' or one of: "
                                         + ", ".join(view.periods), "<request>")])
        return str(period)

    def answer(self, solved: Solved, base: Solved | None, region: str | None,
               period: str | None) -> dict[str, Any]:
        """The JSON the API returns for a run (tables, figures, comparison, words)."""
        v = solved.view
        b = base.view if base else None
        reg = self.pick_region(v, b, region)
        per = self.pick_period(v, b, period)
        auto = region in (None, "", "auto") and period in (None, "", "auto")
        reason = charts.default_view(v, b)[2] if auto else ""
        out = run_json(v)
        out.update({
            "run_id": solved.run_id, "reused": solved.reused,
            "seconds": round(solved.seconds, 4), "overrides": solved.overlay or {},
            "view": {"region": reg, "period": per, "reason": reason},
            "figures": {
                "sankey": charts.sankey_figure(v, per, reg, base=b, reason=reason),
                "shortfall": charts.shortfall_figure(v, reg),
                "prices": charts.price_figure(v, reg),
                "shares": charts.share_figure(v, per, reg),
            },
            "comparison": None,
        })
        if b is not None:
            cmp = charts.compare(v, b)
            out["figures"]["change"] = charts.change_figure(v, b, reg)
            out["comparison"] = comparison_json(cmp, base.run_id)
            out["comparison"]["costs_base"] = jsonable(b.summary().get("costs") or {})
        return out


BACKTEST_COLUMNS = ["kind", "label", "what", "region", "period", "observed", "model", "error_pct",
                    "unit", "confidence", "source_short", "source", "how"]


def backtest_json(v: Results, run_id: int | None) -> dict[str, Any]:
    """The back-test of a run (analyze/backtest.py): rows worst first, what was left out and
    why, and the chart; `rows` is empty (and `message` says so) when the scenario speaks to
    none of the observed series."""
    from rareflow.analyze import backtest as bt_mod
    from rareflow.report.html import plain_lists

    bt = bt_mod.run_backtest(v)
    empty = bt.table.empty
    return {
        "scenario": v.name, "run_id": run_id,
        "rows": records(bt.table, keep_cols=BACKTEST_COLUMNS),
        "medians": bt_mod.medians_line(bt), "left_out": jsonable(bt.left_out),
        "left_out_line": bt_mod.left_out_line(bt),
        "message": ("This scenario speaks to none of the observed series (its regions, "
                    "commodities or periods do not cover them)." if empty else ""),
        "figure": None if empty else plain_lists(bt_mod.figure(bt)),
    }


def run_json(v: Results) -> dict[str, Any]:
    s = v.summary()
    return {
        "run_id": v.run_id, "scenario": v.name, "description": v.scenario.description,
        "hash": v.hash, "status": s.get("status"), "objective": s.get("objective"),
        "currency": v.currency, "unserved_total": v.total_unserved(), "periods": v.periods,
        "regions": {r: v.region_label(r) for r in v.scenario.regions},
        "summary": jsonable(s),
        "explanation": v.explanation(),
        # for each capacity the levers or overrides changed: does it bind ("Nothing changes"
        # when none does and the cost is the same); empty for runs read back from the store
        "bound_check": v.bound_check(),
        "shortfalls": charts.shortfall_sentences(v),
        # unserved ÷ requested per region × sector × commodity over the horizon, with the words
        # saying what each is a share of (the one definition: analyze/shortfalls.py)
        "shortfall_shares": records(shortfall_shares(v)),
        "tables": {
            "unserved": records(v.table("unserved")),
            "flows": records(v.table("flows"), "amount"),
            "activity": records(v.table("activity"), "amount"),
            "prices": records(v.table("prices"), "price"),
            "builds": records(v.table("builds"), "amount"),
            "breaches": records(v.table("breaches"), "amount"),
            "tolling": records(v.table("tolling"), "amount"),
        },
    }


def comparison_json(cmp: dict, base_run_id: int | None) -> dict[str, Any]:
    return {
        "base": cmp["base"], "base_run_id": base_run_id,
        "objective": cmp["objective"], "objective_base": cmp["objective_base"],
        "unserved": cmp["unserved"], "unserved_base": cmp["unserved_base"],
        "unserved_changes": records(cmp["unserved_changes"]),
        "flow_changes": records(cmp["flow_changes"]),
        "production_changes": records(cmp["production_changes"]),
    }
