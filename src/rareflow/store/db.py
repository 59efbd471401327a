"""The run store: every solved run in one DuckDB file, queryable with SQL.

Layout (one row per run in `runs`; result tables keyed by `run_id`):

    runs(id, created, scenario, description, hash, status, objective, currency,
         unserved_total, build_seconds, solve_seconds, total_seconds, iterations, n_periods,
         origin, options, overrides, summary, explanation, rareflow_version, scenario_json)
    activity, flows, stocks, unserved, prices, builds, surplus, breaches, tolling, targets, ...
         (the result tables of results/schema.py, plus run_id; metric tables as metric_<name>)
    meta(key, value): schema_version (SCHEMA_VERSION)

A run reads back as the same `Results` type a solve gives, with its tables, summary, explanation
sentences (by section) and metrics; what it cannot have is the LP (see `Results.live`).
The store checks its schema version whenever it opens the file: an older store is upgraded in
place (one transaction), a newer one is refused with a message saying what to do.

A run is written in one transaction: a crash (or a kill) while writing leaves the store as it
was before, never a partial run. The file is opened for each operation and closed again, so
several processes can take turns with it (DuckDB allows one writer process at a time).
"""

from __future__ import annotations

import datetime as _dt
import json
import os
import re
import threading
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import pandas as pd

from rareflow import __version__
from rareflow.errors import RareflowError
from rareflow.results.jsonsafe import dumps as _json
from rareflow.results.result import SECTIONS, Results
from rareflow.results.schema import TABLES, sql_type
from rareflow.scenario.hashing import scenario_from_json, scenario_json

ORIGIN_SEP = ": "  # origin "web: China's export controls on" = where from, then the levers

if TYPE_CHECKING:
    import duckdb


def _duckdb():
    """duckdb, imported when a store is first opened: importing it takes about a fifth of a
    second, which `rareflow run --no-store` and every process that never opens a store should
    not pay (issue 17)."""
    import duckdb

    return duckdb

SCHEMA_VERSION = 2
"""1: the first store. 2: the tolling and targets tables and the unserved `served` column are
declared (results/schema.py); `runs.explanation` holds the sentences by section (a JSON object)
instead of one list."""
LOCK_WAIT_SECONDS = 30.0  # how long a writer waits for another process's write to finish
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

# The result tables with their declared columns (results/schema.py); more columns are added as
# results grow, and tables of other kinds (a sweep's) are created when first written.
TABLE_COLUMNS: dict[str, dict[str, str]] = {
    name: {c.name: sql_type(c) for c in t.columns} for name, t in TABLES.items()}
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


def _storable(series: pd.Series, sql: str) -> pd.Series:
    """A column as its SQL column takes it: text as text (None stays NULL), numbers as floats."""
    if sql == "VARCHAR":
        if pd.api.types.is_string_dtype(series) and series.dtype != object:
            return series
        return series.map(lambda v: None if v is None or (isinstance(v, float) and v != v)
                          else str(v))
    if series.dtype == object and sql in ("DOUBLE", "BIGINT"):
        return pd.to_numeric(series, errors="coerce").astype(float)
    return series


def _dumps(obj: Any) -> str | None:
    return None if obj is None else _json(obj)


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


def _named(df: pd.DataFrame) -> pd.DataFrame:
    """`origin` split into where the run came from and the levers it was made with; `name` =
    the scenario and what changed it, as lists should show a run."""
    df = df.copy()
    over = df.pop("_overrides") if "_overrides" in df else pd.Series(False, index=df.index)
    origin = df["origin"].fillna("").astype(str) if "origin" in df else pd.Series("", index=df.index)
    parts = origin.str.split(ORIGIN_SEP, n=1, expand=True).reindex(columns=[0, 1])
    df["origin"] = parts[0].where(parts[0] != "", None) if len(df) else df.get("origin")
    levers = parts[1].astype(object).where(parts[1].notna(), "")
    names = []
    for scen, lev, has in zip(df.get("scenario", []), levers, over.fillna(False), strict=False):
        names.append(f"{scen} with {lev}" if lev else f"{scen} with overrides" if has else scen)
    df["name"] = names
    return df


class RunStore:
    """A DuckDB file of runs. Thread-safe within a process; other processes take turns."""

    def __init__(self, path: str | Path | None = None) -> None:
        self.path = Path(path).expanduser() if path is not None else default_path()
        self._lock = threading.RLock()
        self._known_columns: dict[str, dict[str, str]] | None = None  # columns by table, in `record`

    def __repr__(self) -> str:
        return f"<RunStore {self.path}>"

    # ---- connections ----------------------------------------------------------------------
    def _open(self, read_only: bool) -> duckdb.DuckDBPyConnection:
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
                return _duckdb().connect(str(self.path), read_only=read_only)
            except _duckdb().IOException as e:
                # another process holds the file: wait a little for it to finish
                if "lock" in str(e).lower() and time.monotonic() < deadline:
                    time.sleep(0.05)
                    continue
                raise StoreError(_store_trouble(self.path, e)) from None
            except _duckdb().Error as e:
                raise StoreError(_store_trouble(self.path, e)) from None

    def _connect(self, read_only: bool = False) -> duckdb.DuckDBPyConnection:
        """An open connection to a store of this version: an older store is upgraded first
        (even for reading), a newer one refused."""
        con = self._open(read_only)
        try:
            version = self._version(con)
            if version is not None and version > SCHEMA_VERSION:
                raise StoreError(
                    f"the run store {self.path} was written by a newer rareflow (store schema "
                    f"{version}; this rareflow {__version__} reads up to {SCHEMA_VERSION}). "
                    "Upgrade rareflow, or give another path with --store or $RAREFLOW_STORE")
            if version is not None and version < SCHEMA_VERSION:
                if read_only:
                    con.close()
                    self._upgrade(version)
                    con = self._open(True)
                else:
                    self._migrate(con, version)
            if not read_only and version != SCHEMA_VERSION:  # a new file, or just upgraded
                self._ensure_schema(con)
        except _duckdb().Error as e:  # a damaged or read-only file: say so in words
            con.close()
            raise StoreError(_store_trouble(self.path, e)) from None
        except BaseException:
            con.close()
            raise
        return con

    def _version(self, con) -> int | None:
        """The store's schema version; None for a file that is not a store yet."""
        try:
            one = con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()
        except _duckdb().CatalogException:
            one = None
        if one is None:  # no version written: a store of before it was (1) or a new file
            return 1 if "runs" in self._table_names(con) else None
        try:
            return int(one[0])
        except (TypeError, ValueError):
            raise StoreError(f"the run store {self.path} has an unreadable schema version "
                             f"{one[0]!r}; give another path with --store") from None

    def _upgrade(self, version: int) -> None:
        """Upgrade an older store that was opened for reading: open it for writing once."""
        try:
            con = self._open(False)
        except StoreError as e:
            raise StoreError(f"the run store {self.path} has schema version {version}; this "
                             f"rareflow needs {SCHEMA_VERSION} and upgrades older stores when it "
                             f"opens them, but could not open it for writing ({e}). Make the "
                             "file writable once, or give another path with --store") from None
        try:
            now = self._version(con)
            if now is not None and now < SCHEMA_VERSION:
                self._migrate(con, now)
        finally:
            con.close()

    def _migrate(self, con, version: int) -> None:
        """Bring a store from `version` to SCHEMA_VERSION in one transaction (all or nothing)."""
        con.execute("BEGIN TRANSACTION")
        try:
            if version < 2:
                self._migrate_1_to_2(con)
            con.execute("CREATE TABLE IF NOT EXISTS meta (key VARCHAR PRIMARY KEY, value VARCHAR)")
            con.execute("INSERT INTO meta VALUES ('schema_version', ?) ON CONFLICT (key) "
                        "DO UPDATE SET value = excluded.value", [str(SCHEMA_VERSION)])
            con.execute("COMMIT")
        except BaseException as e:
            try:
                con.execute("ROLLBACK")
            except _duckdb().Error:
                pass
            if isinstance(e, _duckdb().Error):
                raise StoreError(f"could not upgrade the run store {self.path} from schema "
                                 f"{version} to {SCHEMA_VERSION}: {e}; it is left as it was. "
                                 "Give another path with --store to start a new one") from None
            raise

    def _migrate_1_to_2(self, con) -> None:
        """Declared tables and columns (tolling, targets, served) exist; explanations are
        stored by section. A version-1 run kept its sentences as one list: it becomes the
        `explain` section (so `explanation()` reads as before)."""
        present = self._table_names(con)
        for name, cols in TABLE_COLUMNS.items():
            if name in present:
                have = self._columns(con, name)
                for c, t in cols.items():
                    if c not in have:
                        con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{c}" {t}')
            else:
                body = ", ".join(f'"{c}" {t}' for c, t in cols.items())
                con.execute(f'CREATE TABLE "{name}" (run_id BIGINT NOT NULL, {body})')
        if "runs" not in present:
            return
        rows = con.execute("SELECT id, explanation FROM runs WHERE explanation IS NOT NULL"
                           ).fetchall()
        for run_id, text in rows:
            old = json.loads(text)
            if isinstance(old, list):
                con.execute("UPDATE runs SET explanation = ? WHERE id = ?",
                            [_dumps({"explain": [str(s) for s in old]}), run_id])

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
        if self._known_columns is not None:  # inside `record`: every table's columns read once
            if table not in self._known_columns:
                self._known_columns[table] = self._read_columns(con, table)
            return self._known_columns[table]
        return self._read_columns(con, table)

    def _all_columns(self, con) -> dict[str, dict[str, str]]:
        out: dict[str, dict[str, str]] = {}
        for t, c, ty in con.execute("SELECT table_name, column_name, data_type FROM "
                                    "information_schema.columns WHERE table_schema = 'main' "
                                    "ORDER BY table_name, ordinal_position").fetchall():
            out.setdefault(t, {})[c] = ty
        return out

    def _read_columns(self, con, table: str) -> dict[str, str]:
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
            existing = self._read_columns(con, name)
            if self._known_columns is not None:
                self._known_columns[name] = existing
        for c in df.columns:
            if c not in existing and _NAME.match(str(c)):
                existing[c] = _sql_type(df[c])
                con.execute(f'ALTER TABLE "{name}" ADD COLUMN "{c}" {existing[c]}')
        cols = [c for c in df.columns if _NAME.match(str(c)) and c != "run_id"]
        if not len(df) or not cols:
            return  # the run's table list says it exists; it has no rows
        frame = df[cols].copy()
        for c in cols:
            frame[c] = _storable(frame[c], existing[c])
        con.register("_rf_frame", frame)
        try:
            names = ", ".join(f'"{c}"' for c in cols)
            con.execute(f'INSERT INTO "{name}" (run_id, {names}) SELECT ?, {names} FROM _rf_frame',
                        [run_id])
        finally:
            con.unregister("_rf_frame")

    def record(self, results: Results, *, options: dict | None = None,
               overrides: dict | None = None, origin: str = "python",
               total_seconds: float | None = None, metrics: bool = True,
               levers: str | None = None) -> int:
        """Store a result in one transaction; returns its run id.

        `levers`: what the run was made with, in words ("China's export controls on; IREL
        output 120 %"), kept with its origin ("web: …") so that lists name the run by them
        rather than as the plain scenario it started from (no schema change: `origin` is text).

        Its tables, summary, explanation (every section) and, with `metrics`, its metric tables
        are stored; a result that has them already (computed before, or read back) is not asked
        to compute them again."""
        scn = results.scenario
        summary = results.summary()
        tables = dict(results.tables())
        explanation = {s: results.section(s) for s in SECTIONS}
        for name, df in (results.metrics() if metrics else {}).items():
            tables[f"{METRIC_PREFIX}{name}"] = df  # metric tables are stored as metric_<name>
        row = {
            "created": _dt.datetime.now(_dt.UTC).replace(tzinfo=None),
            "scenario": scn.name, "description": scn.description, "hash": results.hash,
            "status": str(results.status), "objective": float(results.objective),
            "currency": scn.currency, "unserved_total": float(summary.get("unserved_total_t", 0.0)),
            "build_seconds": float(summary.get("build_seconds") or 0.0),
            "solve_seconds": float(summary.get("solve_seconds") or 0.0),
            "total_seconds": total_seconds, "iterations": int(summary.get("iterations") or 0),
            "n_periods": len(results.periods),
            "origin": f"{origin}{ORIGIN_SEP}{levers}" if levers else origin,
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
                    self._known_columns = self._all_columns(con)  # one catalog query, not one a table
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
                    except _duckdb().Error:
                        pass
                    raise
            except _duckdb().Error as e:
                raise StoreError(_store_trouble(self.path, e, "record the run in")) from None
            finally:
                self._known_columns = None
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
            except _duckdb().Error as e:
                raise StoreError(_store_trouble(self.path, e, "change")) from None
            finally:
                con.close()

    # ---- reading --------------------------------------------------------------------------
    def list(self, limit: int = 50, scenario: str | None = None) -> pd.DataFrame:
        """The most recent runs first: id, created, scenario, hash, status, objective, …, and
        `name`: the scenario with what the run changed in it ("baseline-2024 with China's
        export controls on"; "… with overrides"), so a run made with levers is not listed as
        the plain scenario; `origin` is where it came from (cli, web, python, …)."""
        names = ["id", "created", "scenario", "hash", "status", "objective", "currency",
                 "unserved_total", "build_seconds", "solve_seconds", "total_seconds", "origin"]
        cols = ", ".join("substr(hash, 1, 12) AS hash" if n == "hash" else n for n in names)
        cols += ", overrides IS NOT NULL AND overrides NOT IN ('null', '{}') AS _overrides"
        if not self.path.exists():
            return pd.DataFrame(columns=[*names, "name"])
        return _named(self._list(cols, names, limit, scenario))

    def _list(self, cols: str, names: list[str], limit: int, scenario: str | None) -> pd.DataFrame:
        with self._lock:
            con = self._connect(read_only=True)
            try:
                where, args = "", []
                if scenario:
                    where, args = "WHERE scenario = ?", [scenario]
                return con.execute(f"SELECT {cols} FROM runs {where} ORDER BY id DESC LIMIT ?",
                                   [*args, int(limit)]).df()
            except _duckdb().CatalogException:
                return pd.DataFrame(columns=names)
            except _duckdb().Error as e:
                raise StoreError(_store_trouble(self.path, e, "read")) from None
            finally:
                con.close()

    def get(self, run_id: int) -> Results:
        """A run read back as a `Results` with all its tables, summary, sentences and metrics;
        `StoreError` if there is no such run."""
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
            except _duckdb().Error as e:
                raise StoreError(_store_trouble(self.path, e, "read")) from None
            finally:
                con.close()
        return Results.from_tables(
            scenario_from_json(row["scenario_json"]), tables, json.loads(row["summary"] or "{}"),
            status=row["status"], objective=row["objective"],
            sentences=json.loads(row["explanation"] or "{}"), metrics=metrics or None,
            run_id=int(row["id"]), hash=row["hash"], row=row)

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
            except _duckdb().CatalogException:
                return None
            except _duckdb().Error as e:
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
            except _duckdb().Error as e:
                raise StoreError(f"SQL error: {e}") from None
            finally:
                con.close()

