"""The run store: every solved run in one DuckDB file, queryable with SQL.

Layout (one row per run in `runs`; result tables keyed by `run_id`):

    runs(id, created, scenario, description, hash, status, objective, currency,
         unserved_total, build_seconds, solve_seconds, total_seconds, iterations, n_periods,
         origin, options, overrides, summary, explanation, rareflow_version, scenario_json)
    activity, flows, stocks, unserved, prices, builds, surplus, breaches, tolling, ...
         (the columns of `Results.tables()`, plus run_id)

A run is written in one transaction: a crash (or a kill) while writing leaves the store as it
was before, never a partial run. The file is opened for each operation and closed again, so
several processes can take turns with it (DuckDB allows one writer process at a time).
"""

from __future__ import annotations

import datetime as _dt
import json
import math
import os
import re
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path
from types import SimpleNamespace
from typing import Any

import duckdb
import pandas as pd

from rareflow import __version__
from rareflow.errors import RareflowError
from rareflow.report.view import (
    RunView,
    explanation_of,
    metrics_of,
    scenario_from_json,
    scenario_hash,
    scenario_json,
)

SCHEMA_VERSION = 1
LOCK_WAIT_SECONDS = 10.0
METRIC_PREFIX = "metric_"

RUN_COLUMNS = """
    id BIGINT PRIMARY KEY,
    created TIMESTAMP NOT NULL,
    scenario VARCHAR NOT NULL,
    description VARCHAR,
    hash VARCHAR NOT NULL,
    status VARCHAR NOT NULL,
    objective DOUBLE,
    currency VARCHAR,
    unserved_total DOUBLE,
    build_seconds DOUBLE,
    solve_seconds DOUBLE,
    total_seconds DOUBLE,
    iterations BIGINT,
    n_periods INTEGER,
    origin VARCHAR,
    options VARCHAR,
    overrides VARCHAR,
    summary VARCHAR,
    explanation VARCHAR,
    rareflow_version VARCHAR,
    table_names VARCHAR,
    scenario_json VARCHAR
"""

# The result tables with their known columns (more columns are added as results grow).
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    "activity": {"facility": "VARCHAR", "region": "VARCHAR", "process": "VARCHAR",
                 "period": "VARCHAR", "kind": "VARCHAR", "amount": "DOUBLE"},
    "flows": {"route": "VARCHAR", "origin": "VARCHAR", "destination": "VARCHAR",
              "commodity": "VARCHAR", "period": "VARCHAR", "amount": "DOUBLE"},
    "stocks": {"stock": "VARCHAR", "region": "VARCHAR", "commodity": "VARCHAR",
               "period": "VARCHAR", "level": "DOUBLE"},
    "unserved": {"demand": "VARCHAR", "region": "VARCHAR", "commodity": "VARCHAR",
                 "sector": "VARCHAR", "period": "VARCHAR", "requested": "DOUBLE",
                 "amount": "DOUBLE", "served": "DOUBLE"},
    "prices": {"region": "VARCHAR", "commodity": "VARCHAR", "period": "VARCHAR",
               "price": "DOUBLE"},
    "builds": {"candidate": "VARCHAR", "region": "VARCHAR", "process": "VARCHAR",
               "period": "VARCHAR", "amount": "DOUBLE", "online": "VARCHAR"},
    "surplus": {"region": "VARCHAR", "commodity": "VARCHAR", "period": "VARCHAR",
                "amount": "DOUBLE"},
    "breaches": {"policy": "VARCHAR", "period": "VARCHAR", "side": "VARCHAR", "amount": "DOUBLE"},
}
_NAME = re.compile(r"^[a-z][a-z0-9_]{0,62}$")
_RESERVED = {"runs", "meta"}


def default_path() -> Path:
    """`$RAREFLOW_STORE`, else ~/.rareflow/runs.duckdb."""
    env = os.environ.get("RAREFLOW_STORE")
    if env:
        return Path(env).expanduser()
    return Path.home() / ".rareflow" / "runs.duckdb"


def _numeric_object(series: pd.Series) -> bool:
    return series.dtype == object and pd.api.types.infer_dtype(series, skipna=True) in (
        "floating", "integer", "mixed-integer-float", "decimal", "empty")


def _sql_type(series: pd.Series) -> str:
    if pd.api.types.is_bool_dtype(series):
        return "BOOLEAN"
    if pd.api.types.is_integer_dtype(series):
        return "BIGINT"
    if pd.api.types.is_float_dtype(series) or _numeric_object(series):
        return "DOUBLE"
    return "VARCHAR"


def _storable(series: pd.Series) -> pd.Series:
    """Numbers in object columns as floats; other objects as text (None stays NULL)."""
    if series.dtype != object:
        return series
    if _numeric_object(series):
        return pd.to_numeric(series, errors="coerce").astype(float)
    return series.map(lambda v: None if v is None or (isinstance(v, float) and v != v) else str(v))


def _jsonable(obj: Any) -> Any:
    if isinstance(obj, float) and not math.isfinite(obj):
        return None
    if isinstance(obj, dict):
        return {str(k): _jsonable(v) for k, v in obj.items()}
    if isinstance(obj, list | tuple):
        return [_jsonable(v) for v in obj]
    if hasattr(obj, "item") and not isinstance(obj, str | bytes):
        return _jsonable(obj.item())
    return obj


def _dumps(obj: Any) -> str | None:
    return None if obj is None else json.dumps(_jsonable(obj), default=str)


class StoreError(RareflowError):
    """The run store could not be opened, read or written."""


def _store_trouble(path: Path, e: Exception, doing: str = "open") -> str:
    """DuckDB's error in words, with the advice that fits its cause (a lock held by another
    program, a file that is not a store, a damaged file, a read-only place)."""
    text = str(e).rstrip(".! ")
    low = text.lower()
    if "lock" in low:
        fix = ("Close the program that holds it, or give another path with --store or "
               "$RAREFLOW_STORE")
    elif "not a valid duckdb" in low or "not a duckdb" in low or "magic" in low:
        fix = ("That file is not a rareflow run store (not a DuckDB database); give another "
               "path with --store or $RAREFLOW_STORE")
    elif "read-only" in low or "read only" in low or "permission denied" in low:
        fix = ("The store is on a read-only file system or not writable by you; give a "
               "writable path with --store or $RAREFLOW_STORE, or use --no-store")
    elif "could not read enough bytes" in low or "corrupt" in low or "checksum" in low:
        fix = ("The file is damaged (cut short or overwritten); move it aside and start a new "
               "store, or give another path with --store or $RAREFLOW_STORE")
    else:
        fix = "If the file is not a rareflow store, give another path with --store"
    return f"cannot {doing} the run store {path}: {text}. {fix}"


@dataclass
class StoredRun:
    """One run read back from the store; `tables()`/`summary()` like `Results`."""

    id: int
    created: _dt.datetime
    scenario_name: str
    hash: str
    status: str
    objective: float
    row: dict[str, Any]
    _tables: dict[str, pd.DataFrame]
    _metrics: dict[str, pd.DataFrame] = field(default_factory=dict)

    def tables(self) -> dict[str, pd.DataFrame]:
        return self._tables

    def metrics(self) -> dict[str, pd.DataFrame]:
        """The metric tables stored with the run, or computed now from its tables."""
        if not self._metrics:
            try:
                from rareflow.analyze import metrics as compute  # type: ignore[attr-defined]
            except ImportError:
                return {}
            self._metrics = metrics_of(SimpleNamespace(metrics=lambda: compute(self))) or {}
        return self._metrics

    @property
    def model(self):
        """What metric functions read from a model: the scenario and its periods."""
        from rareflow.scenario.periods import make_periods

        scn = self.scenario_model()
        return SimpleNamespace(scenario=scn, periods=make_periods(scn))

    def summary(self) -> dict[str, Any]:
        return json.loads(self.row.get("summary") or "{}")

    def explanation(self) -> list[str] | None:
        e = self.row.get("explanation")
        return json.loads(e) if e else None

    def __getattr__(self, name: str) -> pd.DataFrame:
        tables = self.__dict__.get("_tables") or {}
        if name in tables:
            return tables[name]
        raise AttributeError(name)

    @property
    def scenario(self) -> str:  # like Results.scenario: the name
        return self.scenario_name

    def scenario_model(self):
        return scenario_from_json(self.row["scenario_json"])

    def view(self, metrics: bool = True) -> RunView:
        return RunView(scenario=self.scenario_model(), tables=self._tables,
                       summary=self.summary(), sentences=self.explanation(),
                       metrics=(self.metrics() or None) if metrics else None, run_id=self.id,
                       hash=self.hash)


class RunStore:
    """A DuckDB file of runs. Thread-safe within a process; other processes take turns."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self._lock = threading.RLock()

    def __repr__(self) -> str:
        return f"<RunStore {self.path}>"

    # ---- connections ----------------------------------------------------------------------
    def _connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        if read_only and not self.path.exists():
            raise StoreError(f"no run store at {self.path}; run a scenario first "
                             "(rareflow run SCENARIO) or give --store PATH")
        if not read_only:
            try:
                self.path.parent.mkdir(parents=True, exist_ok=True)
            except OSError as e:
                raise StoreError(f"cannot create {self.path.parent} for the run store "
                                 f"({e.strerror}); give another place with --store PATH "
                                 "or $RAREFLOW_STORE") from None
        deadline = time.monotonic() + LOCK_WAIT_SECONDS
        while True:
            try:
                con = duckdb.connect(str(self.path), read_only=read_only)
                break
            except duckdb.IOException as e:
                # another process holds the file: wait a little for it to finish
                if "lock" in str(e).lower() and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise StoreError(_store_trouble(self.path, e)) from None
            except duckdb.Error as e:
                raise StoreError(_store_trouble(self.path, e)) from None
        if not read_only:
            try:
                self._ensure_schema(con)
            except duckdb.Error as e:
                con.close()
                raise StoreError(_store_trouble(self.path, e)) from None
        return con

    def _ensure_schema(self, con: duckdb.DuckDBPyConnection) -> None:
        con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
        con.execute(f"CREATE TABLE IF NOT EXISTS runs ({RUN_COLUMNS})")
        for name, cols in TABLE_COLUMNS.items():
            body = ", ".join(f'"{c}" {t}' for c, t in cols.items())
            con.execute(f'CREATE TABLE IF NOT EXISTS "{name}" (run_id BIGINT NOT NULL, {body})')
        con.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT DO NOTHING",
                    [str(SCHEMA_VERSION)])

    def _table_names(self, con) -> set[str]:
        rows = con.execute("SELECT table_name FROM information_schema.tables "
                           "WHERE table_schema = 'main'").fetchall()
        return {r[0] for r in rows}

    def _columns(self, con, table: str) -> dict[str, str]:
        rows = con.execute("SELECT column_name, data_type FROM information_schema.columns "
                           "WHERE table_schema = 'main' AND table_name = ? ORDER BY ordinal_position",
                           [table]).fetchall()
        return {r[0]: r[1] for r in rows}

    # ---- writing --------------------------------------------------------------------------
    def _insert_table(self, con, name: str, df: pd.DataFrame, run_id: int) -> None:
        if not _NAME.match(name) or name in _RESERVED:
            raise StoreError(f"result table name '{name}' cannot be stored")
        df = df.reset_index(drop=True)
        existing = self._columns(con, name)
        if not existing and not len(df):
            return  # column types cannot be told from an empty frame: create it when rows come
        if not existing:
            body = ", ".join(f'"{c}" {_sql_type(df[c])}' for c in df.columns if _NAME.match(str(c)))
            con.execute(f'CREATE TABLE "{name}" (run_id BIGINT NOT NULL'
                        + (f", {body})" if body else ")"))
            existing = self._columns(con, name)
        for c in df.columns:
            if c not in existing and _NAME.match(str(c)):
                con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{c}" {_sql_type(df[c])}')
        cols = [c for c in df.columns if _NAME.match(str(c)) and c != "run_id"]
        if not len(df) or not cols:
            return  # the run's table list says it exists; it has no rows
        frame = df[cols].copy()
        for c in cols:
            frame[c] = _storable(frame[c])
        con.register("_rf_frame", frame)
        try:
            names = ", ".join(f'"{c}"' for c in cols)
            con.execute(f'INSERT INTO "{name}" (run_id, {names}) SELECT ?, {names} FROM _rf_frame',
                        [run_id])
        finally:
            con.unregister("_rf_frame")

    def record(self, results, *, options: dict | None = None, overrides: dict | None = None,
               origin: str = "python", total_seconds: float | None = None,
               view: RunView | None = None) -> int:
        """Store a solved run (a `Results`) in one transaction; returns its run id.

        `view`: a RunView of these results already made (its explanation and metrics are
        reused instead of computed again)."""
        model = results.model
        scn = model.scenario
        summary = results.summary()
        tables = dict(results.tables())
        explanation = view.sentences if view is not None else explanation_of(results)
        metrics = view.metrics if view is not None else metrics_of(results)
        for name, df in (metrics or {}).items():
            if name not in tables:  # metric tables are stored as metric_<name>
                tables[f"{METRIC_PREFIX}{name}"] = df
        row = {
            "created": _dt.datetime.now(_dt.UTC).replace(tzinfo=None),
            "scenario": scn.name, "description": scn.description, "hash": scenario_hash(scn),
            "status": str(results.status), "objective": float(results.objective),
            "currency": scn.currency, "unserved_total": float(summary.get("unserved_total_t", 0.0)),
            "build_seconds": float(summary.get("build_seconds") or 0.0),
            "solve_seconds": float(summary.get("solve_seconds") or 0.0),
            "total_seconds": total_seconds, "iterations": int(summary.get("iterations") or 0),
            "n_periods": len(model.periods.labels), "origin": origin,
            "options": _dumps(options or {}), "overrides": _dumps(overrides),
            "summary": _dumps(summary), "explanation": _dumps(explanation),
            "rareflow_version": __version__,
            "table_names": _dumps({n: [str(c) for c in df.columns] for n, df in tables.items()}),
            "scenario_json": scenario_json(scn),
        }
        with self._lock:
            con = self._connect()
            try:
                con.execute("BEGIN TRANSACTION")
                try:
                    run_id = con.execute("SELECT coalesce(max(id), 0) + 1 FROM runs").fetchone()[0]
                    cols = ", ".join(["id", *row])
                    marks = ", ".join(["?"] * (len(row) + 1))
                    con.execute(f"INSERT INTO runs ({cols}) VALUES ({marks})", [run_id, *row.values()])
                    for name, df in tables.items():
                        self._insert_table(con, name, df, run_id)
                    con.execute("COMMIT")
                except BaseException:
                    try:
                        con.execute("ROLLBACK")
                    except duckdb.Error:
                        pass
                    raise
            except duckdb.Error as e:
                raise StoreError(_store_trouble(self.path, e, "record the run in")) from None
            finally:
                con.close()
        return int(run_id)

    def delete(self, run_id: int) -> bool:
        with self._lock:
            con = self._connect()
            try:
                con.execute("BEGIN TRANSACTION")
                tables = self._table_names(con) - _RESERVED
                for t in tables:
                    if "run_id" in self._columns(con, t):
                        con.execute(f'DELETE FROM "{t}" WHERE run_id = ?', [run_id])
                n = con.execute("DELETE FROM runs WHERE id = ? RETURNING id", [run_id]).fetchall()
                con.execute("COMMIT")
                return bool(n)
            except duckdb.Error as e:
                raise StoreError(_store_trouble(self.path, e, "change")) from None
            finally:
                con.close()

    # ---- reading --------------------------------------------------------------------------
    def list(self, limit: int = 50, scenario: str | None = None) -> pd.DataFrame:
        """The most recent runs first: id, created, scenario, hash, status, objective, …"""
        names = ["id", "created", "scenario", "hash", "status", "objective", "currency",
                 "unserved_total", "build_seconds", "solve_seconds", "total_seconds", "origin"]
        cols = ", ".join("substr(hash, 1, 12) AS hash" if n == "hash" else n for n in names)
        if not self.path.exists():
            return pd.DataFrame(columns=names)
        with self._lock:
            con = self._connect(read_only=True)
            try:
                where, args = "", []
                if scenario:
                    where, args = "WHERE scenario = ?", [scenario]
                return con.execute(f"SELECT {cols} FROM runs {where} ORDER BY id DESC LIMIT ?",
                                   [*args, int(limit)]).df()
            except duckdb.CatalogException:
                return pd.DataFrame(columns=names)
            except duckdb.Error as e:
                raise StoreError(_store_trouble(self.path, e, "read")) from None
            finally:
                con.close()

    def get(self, run_id: int) -> StoredRun:
        """A run with all its tables; `StoreError` if there is no such run."""
        if not self.path.exists():
            raise StoreError(f"no run {run_id}: the store {self.path} does not exist yet")
        with self._lock:
            con = self._connect(read_only=True)
            try:
                res = con.execute("SELECT * FROM runs WHERE id = ?", [int(run_id)])
                names = [d[0] for d in res.description]
                one = res.fetchone()
                if one is None:
                    raise StoreError(f"no run {run_id} in {self.path}; `rareflow runs` lists them")
                row = dict(zip(names, one, strict=True))
                # the tables the run had, each with the columns it had, in its order
                layout = json.loads(row.get("table_names") or "{}")
                present = self._table_names(con) - _RESERVED
                tables, metrics = {}, {}
                for t, cols in layout.items():
                    cols = [c for c in cols if _NAME.match(c) and c != "run_id"]
                    if t in present:
                        have = self._columns(con, t)
                        sel = ", ".join(f'"{c}"' if c in have else f'NULL AS "{c}"' for c in cols)
                        df = con.execute(f'SELECT {sel or "*"} FROM "{t}" WHERE run_id = ? '
                                         "ORDER BY rowid", [int(run_id)]).df()
                    else:
                        df = pd.DataFrame(columns=cols)
                    if t.startswith(METRIC_PREFIX):
                        metrics[t[len(METRIC_PREFIX):]] = df
                    else:
                        tables[t] = df
            except duckdb.Error as e:
                raise StoreError(_store_trouble(self.path, e, "read")) from None
            finally:
                con.close()
        return StoredRun(id=int(row["id"]), created=row["created"], scenario_name=row["scenario"],
                         hash=row["hash"], status=row["status"], objective=row["objective"],
                         row=row, _tables=tables, _metrics=metrics)

    def find(self, hash: str, options: dict | None = None) -> int | None:
        """The latest optimal run of an identical scenario (same hash, options and version)."""
        if not self.path.exists():
            return None
        with self._lock:
            con = self._connect(read_only=True)
            try:
                one = con.execute(
                    "SELECT id FROM runs WHERE hash = ? AND status = 'optimal' AND options = ? "
                    "AND rareflow_version = ? ORDER BY id DESC LIMIT 1",
                    [hash, _dumps(options or {}), __version__]).fetchone()
            except duckdb.CatalogException:
                return None
            except duckdb.Error as e:
                raise StoreError(_store_trouble(self.path, e, "read")) from None
            finally:
                con.close()
        return int(one[0]) if one else None

    def sql(self, query: str) -> pd.DataFrame:
        """Run a read-only SQL query against the store."""
        with self._lock:
            con = self._connect(read_only=True)
            try:
                return con.execute(query).df()
            except duckdb.Error as e:
                raise StoreError(f"SQL error: {e}") from None
            finally:
                con.close()

