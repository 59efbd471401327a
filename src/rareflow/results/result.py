"""One answer to one scenario, whether it was just solved or read back from the run store.

A `Results` holds the resolved scenario, the result tables (declared in results/schema.py), the
summary, the explanation sentences and the metrics. A live one (from `Model.solve()`) also holds
the model and the solver's vectors, reads its tables off them on first use and can be explained
from its duals; one read back from the store (or made from tables, as a sweep is) holds the same
tables, summary and sentences but no LP: asking it for the model or the solution raises
`NotLive`, which says what to do instead. Every consumer — CSV writer, run store, report, web
page, CLI — takes this one type, so none of them needs to tell kinds of results apart.

The words and measures (`explain`, `metrics`, `compare`, build plans, target reports) are
computed by `rareflow.analyze`, a layer above this one. They are reached through a small
registry: analyze registers each function under a name when it is imported, and the methods
here call what is registered; the first call of one imports its module through the loader the
root `rareflow` package installs (`set_analysis_loader`), so a process that never asks for an
analysis never imports it. So the methods stay where users look
for them, and no module here imports upwards.
"""

from __future__ import annotations

import json
import math
from collections.abc import Callable, Mapping
from typing import Any

import pandas as pd

from rareflow.errors import RareflowError
from rareflow.lp.highs import Solution
from rareflow.results import frames, schema, solved
from rareflow.scenario.hashing import scenario_hash
from rareflow.scenario.periods import Periods, make_periods
from rareflow.scenario.schema import Scenario

SECTIONS = ("explain", "build_plan", "target_report", "home_supply", "tolling")
"""The parts of a result's explanation, in the order reports tell them."""


class NotLive(RareflowError):
    """Something only a live solve has (the LP, its duals, re-solving) was asked of a result
    read back from the run store."""


_ANALYSES: dict[str, Callable[..., Any]] = {}


def analysis(name: str) -> Callable[[Callable[..., Any]], Callable[..., Any]]:
    """Register `fn` as the body of the `Results` method called `name` (analyze/ does this at
    import): the one way this layer reaches code above it, without importing it."""
    def put(fn: Callable[..., Any]) -> Callable[..., Any]:
        _ANALYSES[name] = fn
        return fn
    return put


_LOADER: list[Callable[[str], None]] = []  # at most one: set by the root package


def set_analysis_loader(load: Callable[[str], None]) -> None:
    """Install the function that imports the module registering analysis `name` on first use
    (the root `rareflow` package does): the analysis layer, and the back-test with its
    observations, are imported only by the processes that ask for them (issue 17)."""
    _LOADER[:] = [load]


def _analysis(name: str) -> Callable[..., Any]:
    fn = _ANALYSES.get(name)
    if fn is None and _LOADER:
        _LOADER[0](name)
        fn = _ANALYSES.get(name)
    if fn is None:
        raise RareflowError(f"Results.{name} is computed by rareflow.analyze, which is not "
                            "loaded; `import rareflow` loads it")
    return fn


def _table_attr(name: str) -> property:
    return property(lambda self: self.table(name), doc=schema.TABLES[name].describe())


class Results:
    """The answer to one scenario: tables, summary, sentences and metrics (see module doc).

    Made by `Model.solve()` (live) or by `Results.from_tables` (the run store, a sweep).

    The tables are long pandas DataFrames, one row per entity and period (`r.flows`,
    `r.unserved`, `r.prices`, …, each documented below with its columns and units). For
    indexed or grid views, `r.frame(name)` sets the table's key columns as a MultiIndex and
    `r.pivot(name, index=…, columns=…)` makes a grid with the periods in order.

    Example:
        ```python
        import rareflow
        r = rareflow.load("china-controls-2025").solve()
        print("\n".join(r.explain(region="JPN")[:3]))    # the answer in words
        short = r.unserved[r.unserved["amount"] > 0]      # where demand went unserved
        r.pivot("unserved", index="region")               # tonnes short, region × period
        r.frame("flows").loc[("CHN-JPN-ndfeb_magnet", "2025-05"), "amount"]
        ```
    """

    def __init__(self, scenario: Scenario, *, status: str, objective: float,
                 summary: Mapping[str, Any] | None = None,
                 tables: Mapping[str, pd.DataFrame] | None = None,
                 sentences: Mapping[str, list[str]] | None = None,
                 metrics: Mapping[str, pd.DataFrame] | None = None,
                 run_id: int | None = None, hash: str | None = None,
                 row: Mapping[str, Any] | None = None, model=None, solution: Solution | None = None,
                 balance_residual: float | None = None) -> None:
        self.scenario = scenario
        self.status = str(status)
        self.objective = float(objective) if objective is not None else math.nan
        self.run_id = run_id
        self.row: dict[str, Any] = dict(row or {})  # the run's row in the store ({} if none)
        self._model = model
        self._solution = solution
        self._summary = dict(summary) if summary is not None else None
        self._given = dict(tables) if tables is not None else None
        self._tables: dict[str, pd.DataFrame] = {}
        self._sentences: dict[str, list[str]] = {k: list(v) for k, v in (sentences or {}).items()}
        self._metrics = dict(metrics) if metrics else None
        self._hash = hash
        self.cache: dict[str, Any] = {}  # per-result values of the analysis layer (its explainer)
        self._horizon: Periods | None = model.periods if model is not None else None
        if balance_residual is None:
            balance_residual = (self._summary or {}).get("max_balance_residual_t")
        self.max_balance_residual = math.nan if balance_residual is None else float(balance_residual)

    @classmethod
    def from_solve(cls, model, solution: Solution, balance_residual: float) -> Results:
        """A live result: `model` (an lp Model) solved to `solution`, with the largest mass
        balance residual the check found."""
        return cls(model.scenario, status=solution.status, objective=solution.objective,
                   model=model, solution=solution, balance_residual=balance_residual)

    @classmethod
    def from_tables(cls, scenario: Scenario, tables: Mapping[str, pd.DataFrame],
                    summary: Mapping[str, Any], *, status: str, objective: float,
                    sentences: Mapping[str, list[str]] | None = None,
                    metrics: Mapping[str, pd.DataFrame] | None = None, run_id: int | None = None,
                    hash: str | None = None, row: Mapping[str, Any] | None = None) -> Results:
        """A result made from its tables (read back from the store, or a sweep's): everything
        but the LP. Sections of `sentences` it lacks are empty; `metrics`, if not given, are
        computed from the tables when asked for."""
        return cls(scenario, status=status, objective=objective, summary=summary, tables=tables,
                   sentences={s: list((sentences or {}).get(s, [])) for s in SECTIONS},
                   metrics=metrics, run_id=run_id, hash=hash, row=row)

    def detached(self) -> Results:
        """This result without its LP: tables, summary, sentences and (if computed) metrics, as
        the store would give it back. Light enough to keep many in memory (the web cache)."""
        return Results.from_tables(self.scenario, self.tables(), self.summary(),
                                   status=self.status, objective=self.objective,
                                   sentences={s: self.section(s) for s in SECTIONS},
                                   metrics=self._metrics, run_id=self.run_id, hash=self.hash,
                                   row=self.row)

    def __repr__(self) -> str:
        run = f" (run #{self.run_id})" if self.run_id is not None else ""
        return (f"<Results {self.name}{run}: {self.status}, objective {self.objective:,.2f} "
                f"{self.currency}, unserved {self.total_unserved():,.1f} t>")

    # ---- what only a live solve has ---------------------------------------------------------
    @property
    def live(self) -> bool:
        """True for a result of `Model.solve()`; False for one read back from the store."""
        return self._model is not None

    def _not_live(self, what: str) -> NotLive:
        where = f"run #{self.run_id}" if self.run_id is not None else "this result"
        return NotLive(f"{where} of scenario '{self.name}' was read back from its tables: it has "
                       f"no {what}. It keeps its tables, summary, sentences and metrics; for the "
                       f"LP solve the scenario again, e.g. rareflow.load('{self.name}').solve()")

    @property
    def model(self):
        """The Model this result was solved from (live results only)."""
        if self._model is None:
            raise self._not_live("model (the LP, its duals or re-solving)")
        return self._model

    @property
    def solution(self) -> Solution:
        """The solver's vectors: x, duals, row values (live results only)."""
        if self._solution is None:
            raise self._not_live("solver solution")
        return self._solution

    # ---- the scenario -----------------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def scenario_name(self) -> str:
        """The scenario's name (as `name`; kept for callers of the former stored-run type)."""
        return self.scenario.name

    def scenario_model(self) -> Scenario:
        """The resolved scenario (as `scenario`; kept for callers of the former stored-run type)."""
        return self.scenario

    @property
    def horizon(self) -> Periods:
        """The time axis: period labels, start months and lengths."""
        if self._horizon is None:
            self._horizon = make_periods(self.scenario)
        return self._horizon

    @property
    def periods(self) -> list[str]:
        """The period labels, in order."""
        return list(self.horizon.labels)

    @property
    def currency(self) -> str:
        return self.scenario.currency

    @property
    def hash(self) -> str:
        """sha256 of the resolved scenario (scenario/hashing.py)."""
        if self._hash is None:
            self._hash = scenario_hash(self.scenario)
        return self._hash

    def region_label(self, r: str) -> str:
        reg = self.scenario.regions.get(r)
        return reg.label if reg and reg.label else r

    def commodity_label(self, c: str) -> str:
        com = self.scenario.commodities.get(c)
        return com.label if com and com.label else c.replace("_", " ")

    def process_label(self, p: str) -> str:
        proc = self.scenario.processes.get(p)
        return proc.label if proc and proc.label else p.replace("_", " ")

    # ---- tables -----------------------------------------------------------------------------
    def table(self, name: str) -> pd.DataFrame:
        """A result table by name: a declared one (schema.TABLES) always has its columns, even
        without rows; another (e.g. a sweep's) is returned as given, or empty."""
        got = self._tables.get(name)
        if got is not None:
            return got
        if self._given is not None:
            raw = self._given.get(name)
            if raw is None:
                raw = schema.empty(name) if name in schema.TABLES else pd.DataFrame()
        elif name in schema.TABLES:
            raw = solved.table(self.model, self.solution, name)
        else:
            return pd.DataFrame()
        self._tables[name] = df = schema.conform(name, raw.reset_index(drop=True))
        return df

    def tables(self) -> dict[str, pd.DataFrame]:
        """Every table of the result: the declared ones for a live result; those it was made
        with for one read back (a sweep's run has its own)."""
        names = list(schema.TABLES) if self._given is None else list(self._given)
        return {n: self.table(n) for n in names}

    activity = _table_attr("activity")
    flows = _table_attr("flows")
    stocks = _table_attr("stocks")
    unserved = _table_attr("unserved")
    prices = _table_attr("prices")
    builds = _table_attr("builds")
    surplus = _table_attr("surplus")
    breaches = _table_attr("breaches")
    tolling = _table_attr("tolling")
    targets = _table_attr("targets")
    unserved_tiers = _table_attr("unserved_tiers")
    stages = _table_attr("stages")
    transit = _table_attr("transit")
    subsidies = _table_attr("subsidies")

    def frame(self, name: str) -> pd.DataFrame:
        """A result table indexed by its key columns (results/schema.py declares them): a
        MultiIndex such as (route, period) for `flows`, (demand, period) for `unserved`,
        (region, commodity, period) for `prices`.

        Example:
            ```python
            r = rareflow.load("baseline-2024").solve()
            flows = r.frame("flows")                      # index: route, period
            flows.loc[("AUS-JPN-ndpr_oxide", "2025"), "amount"]
            r.frame("prices").xs("JPN", level="region")   # Japan's prices by commodity, period
            ```
        """
        return frames.frame(self.table(name), name)

    def pivot(self, name: str, index: str | list[str], columns: str | list[str] | None = "period",
              values: str | None = None, aggfunc="sum") -> pd.DataFrame:
        """A grid of one result table: `index` down, `columns` across (by default the periods,
        in the horizon's order), the table's main value (`amount`, `level`, `price`, …, or
        `values`) summed per cell (`aggfunc`), 0 where there is nothing.

        Example:
            ```python
            r = rareflow.load("china-controls-2025").solve()
            r.pivot("unserved", index=["region", "sector"])        # tonnes short, by period
            r.pivot("flows", index="origin", columns="destination")  # trade over the horizon
            r.pivot("prices", index=["region", "commodity"])        # prices by period
            ```
        """
        return frames.pivot(self.table(name), name, self.periods, index, columns, values, aggfunc)

    @property
    def costs(self) -> pd.DataFrame:
        """term, amount: the objective split by kind of term (discounted)."""
        if self._summary is not None and "costs" in self._summary:
            c = self._summary["costs"] or {}
            return pd.DataFrame({"term": list(c), "amount": [float(v) for v in c.values()]})
        return solved.costs(self.model, self.solution)

    def total_unserved(self) -> float:
        un = self.unserved
        return float(un["amount"].sum()) if len(un) else 0.0

    def regions_used(self) -> list[str]:
        """Regions that appear in any non-zero flow, activity or demand of the run."""
        seen: set[str] = set()
        for name, cols, val in (("flows", ("origin", "destination"), "amount"),
                                ("activity", ("region",), "amount"),
                                ("unserved", ("region",), "requested")):
            df = self.table(name)
            df = df[df[val].abs() > 0]
            for c in cols:
                seen.update(df[c].astype(str))
        return [r for r in self.scenario.regions if r in seen]

    def summary(self) -> dict[str, Any]:
        """status, objective, currency, periods, unserved total, costs by term, mass-balance
        residual, LP size, timings, files — what `summary.json` holds."""
        if self._summary is None:
            m, sol = self.model, self.solution
            costs = self.costs
            self._summary = {
                "scenario": self.name,
                "status": self.status,
                "objective": self.objective,
                "currency": self.currency,
                "periods": list(m.periods.labels),
                "unserved_total_t": self.total_unserved(),
                "costs": dict(zip(costs["term"], costs["amount"], strict=True)),
                "max_balance_residual_t": self.max_balance_residual,
                "variables": int(m.frozen.shape[1]),
                "constraints": int(m.frozen.shape[0]),
                "solve_seconds": sol.seconds,
                "build_seconds": m.build_seconds,
                "iterations": sol.iterations,
                "files": m.files,
            }
        return dict(self._summary)

    def to_json(self) -> str:
        return json.dumps(self.summary(), indent=2)

    # ---- words and measures (computed by rareflow.analyze) -----------------------------------
    def section(self, name: str) -> list[str]:
        """One part of the explanation (SECTIONS): computed once for a live result, as stored
        for one read back (empty if it was stored without it)."""
        if name not in SECTIONS:
            raise KeyError(f"no explanation section '{name}'; one of {', '.join(SECTIONS)}")
        if name not in self._sentences:
            if not self.live:
                return []
            self._sentences[name] = list(_analysis("section")(self, name))
        return list(self._sentences[name])

    def explanation(self) -> list[str]:
        """Every sentence about this result, section by section: shortfalls and their causes,
        what to build, whether targets are met, what new plants and tolling change at home."""
        return [s for name in SECTIONS for s in self.section(name)]

    def explain(self, region: str | None = None, period: str | None = None) -> list[str]:
        """Sentences: each shortfall and the binding constraints behind it, ranked by dual. A
        run laid over a base (`overrides`, or a file that `extends` another) first says whether
        the capacities it changed bind, and when none does and nothing changes, says so."""
        levers = self.bound_check() if region is None and period is None and self.live else []
        if region and self.live and "explain" not in self._sentences:
            # only the region's sentences are worked out, not every one then filtered
            return _analysis("explain_region")(self, region, period)
        return [*levers, *_analysis("select")(self, self.section("explain"), region, period)]

    def bound_check(self, base: Results | None = None) -> list[str]:
        """For each facility capacity or minimum this run changed against the scenario it was
        laid over (`overrides`, or the file it `extends`): does it bind, and what did the plant
        run at; "Nothing changes" when none binds and the base has the same objective. `base`:
        the base's result, if already solved (live results only; [] otherwise)."""
        return _analysis("bound_check")(self, base)

    def explain_table(self, region: str | None = None, top: int | None = None) -> pd.DataFrame:
        """constraint, kind, period, dual, slack, affected — every binding constraint (live);
        with `region`, only those naming it or behind its shortfalls, computed alone; with
        `top`, `saves` is measured only where a row can rank among the first `top` (by saves,
        else |dual|), NaN elsewhere (what `rareflow explain` shows without --out)."""
        return _analysis("explain_table")(self, region, top)

    def shortfall_causes(self) -> pd.DataFrame:
        """One row per (shortfall, binding constraint upstream of it), ranked by dual (live)."""
        return _analysis("shortfall_causes")(self)

    def build_plan(self) -> list[str]:
        """What to build, where, when, online when, at what capital cost — in sentences."""
        return self.section("build_plan")

    def target_report(self) -> list[str]:
        """For each target: met throughout, or from when it can be met and what limits it."""
        return self.section("target_report")

    def metrics(self) -> dict[str, pd.DataFrame]:
        """Self-sufficiency, import dependence, HHI, shortfall by sector, days of cover.

        Computed once per result (the CSV writer and the run store both ask) or read back with
        it; copies are handed out so that a caller's edits do not leak into the next one's."""
        if self._metrics is None:
            self._metrics = dict(_analysis("metrics")(self))
        return {k: v.copy() for k, v in self._metrics.items()}

    def backtest(self, observations: list | None = None) -> pd.DataFrame:
        """The observed series beside this result's figures for the same places and periods:
        observed, model, error % (model / observed − 1), unit, source, worst first; what could
        not be compared is in `.attrs["left_out"]` (analyze/backtest.py says how). `observations`
        (analyze.observations.Observation) replace the shipped series."""
        return _analysis("backtest")(self, observations)

    @property
    def plot(self):
        """The figures of this result as Plotly Figures: `r.plot.sankey()`, `.shortfalls()`,
        `.prices()`, `.trade()` (drawn by rareflow.plot, registered like the analyses)."""
        return _analysis("plot")(self)

    def compare(self, base: Results):
        """What changed in this run against `base` (tables with base, scenario, change)."""
        return _analysis("compare")(base, self)
