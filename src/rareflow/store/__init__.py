"""The run store: every run in one DuckDB file (scenario hash, status, timings, all tables)."""

from rareflow.store.db import RunStore, StoredRun, StoreError, default_path
from rareflow.store.runner import solve_and_record

__all__ = ["RunStore", "StoredRun", "StoreError", "default_path", "solve_and_record"]
