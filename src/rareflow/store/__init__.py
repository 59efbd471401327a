"""The run store: every run in one DuckDB file (scenario hash, status, timings, all tables)."""

from rareflow.store.db import SCHEMA_VERSION, RunStore, StoreError, default_path
from rareflow.store.runner import solve_and_record

__all__ = ["RunStore", "StoreError", "SCHEMA_VERSION", "default_path", "solve_and_record"]
