"""One solved run as the report, the store and the web page see it.

A `RunView` holds the resolved scenario, the result tables and the summary, whether they come
from a fresh `Results` or from the run store, so every picture is drawn from the same data.
"""

from __future__ import annotations

import hashlib
import json
import math
import warnings
from dataclasses import dataclass, field
from typing import Any

import pandas as pd

from rareflow.scenario.schema import Scenario


def scenario_json(scenario: Scenario) -> str:
    """The fully resolved scenario as canonical JSON text (infinity kept as `Infinity`)."""
    return json.dumps(scenario.model_dump(mode="python", by_alias=True), default=str,
                      separators=(",", ":"), allow_nan=True)


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the fully resolved scenario: identical inputs, identical hash."""
    return hashlib.sha256(scenario_json(scenario).encode()).hexdigest()


def scenario_from_json(text: str) -> Scenario:
    return Scenario.model_validate(json.loads(text))


def explanation_of(results) -> list[str] | None:
    """`results.explain()` when the engine offers it, then the build plan, the target report and
    what new plants change at home."""
    fn = getattr(results, "explain", None)
    if not callable(fn):
        return None
    try:
        out = fn()
    except Exception as e:  # an auxiliary section must not cost the whole report or run record
        warnings.warn(f"explanations unavailable: {type(e).__name__}: {e}", stacklevel=2)
        return None
    if isinstance(out, str):
        return [s for s in out.splitlines() if s.strip()]
    out = [str(s) for s in out]
    try:  # what to build, whether targets are met, and what that changes at home
        from rareflow.analyze import home_supply_sentences, tolling_sentences

        for extra in (getattr(results, "build_plan", None), getattr(results, "target_report", None),
                      lambda: home_supply_sentences(results), lambda: tolling_sentences(results)):
            if callable(extra):
                out += [str(s) for s in extra()]
    except Exception as e:  # as above: a side section never costs the report
        warnings.warn(f"build plan unavailable: {type(e).__name__}: {e}", stacklevel=2)
    return out


def metrics_of(results) -> dict[str, pd.DataFrame] | None:
    """`results.metrics()` (or `rareflow.analyze.metrics(results)`) as named tables."""
    fn = getattr(results, "metrics", None)
    if not callable(fn):
        try:
            from rareflow.analyze import metrics as fn  # type: ignore[attr-defined]
        except ImportError:
            return None
        fn = (lambda f: (lambda: f(results)))(fn)
    try:
        out = fn()
    except Exception as e:  # as above: report it, keep going
        warnings.warn(f"metrics unavailable: {type(e).__name__}: {e}", stacklevel=2)
        return None
    if isinstance(out, pd.DataFrame):
        return {"metrics": out}
    if isinstance(out, dict):
        tables = {}
        for k, v in out.items():
            if isinstance(v, pd.DataFrame):
                tables[str(k)] = v
            elif isinstance(v, pd.Series):
                tables[str(k)] = v.reset_index()
        return tables or None
    return None


@dataclass
class RunView:
    """A solved run: resolved scenario, result tables, summary and (optional) explanations."""

    scenario: Scenario
    tables: dict[str, pd.DataFrame]
    summary: dict[str, Any]
    sentences: list[str] | None = None
    metrics: dict[str, pd.DataFrame] | None = None
    run_id: int | None = None
    hash: str = ""
    extra: dict[str, Any] = field(default_factory=dict)

    @classmethod
    def of(cls, obj, metrics: bool = True) -> RunView:
        """A RunView from a `Results`, a stored run, or a RunView (returned as is)."""
        if isinstance(obj, RunView):
            return obj
        if hasattr(obj, "view") and callable(obj.view):  # a stored run
            return obj.view()
        model = obj.model
        return cls(scenario=model.scenario, tables=dict(obj.tables()), summary=obj.summary(),
                   sentences=explanation_of(obj), metrics=metrics_of(obj) if metrics else None,
                   hash=scenario_hash(model.scenario))

    # ---- convenient access --------------------------------------------------------------
    @property
    def name(self) -> str:
        return self.scenario.name

    @property
    def periods(self) -> list[str]:
        return [str(p) for p in self.summary.get("periods", [])]

    @property
    def currency(self) -> str:
        return self.summary.get("currency") or self.scenario.currency

    def table(self, name: str) -> pd.DataFrame:
        df = self.tables.get(name)
        return df if df is not None else pd.DataFrame()

    def region_label(self, r: str) -> str:
        reg = self.scenario.regions.get(r)
        return (reg.label if reg and reg.label else r)

    def commodity_label(self, c: str) -> str:
        com = self.scenario.commodities.get(c)
        return (com.label if com and com.label else c.replace("_", " "))

    def process_label(self, p: str) -> str:
        proc = self.scenario.processes.get(p)
        return (proc.label if proc and proc.label else p.replace("_", " "))

    def regions_used(self) -> list[str]:
        """Regions that appear in any non-zero flow, activity or demand of the run."""
        seen: set[str] = set()
        for name, cols in (("flows", ("origin", "destination")), ("activity", ("region",)),
                           ("unserved", ("region",))):
            df = self.table(name)
            if df.empty:
                continue
            val = "requested" if name == "unserved" else "amount"
            if val in df:
                df = df[df[val].abs() > 0]
            for c in cols:
                if c in df:
                    seen.update(df[c].astype(str))
        return [r for r in self.scenario.regions if r in seen]

    def total_unserved(self) -> float:
        un = self.table("unserved")
        return float(un["amount"].sum()) if "amount" in un else 0.0

    def objective(self) -> float:
        v = self.summary.get("objective")
        return float(v) if v is not None else math.nan
