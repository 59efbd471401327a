"""The run store: every run in one DuckDB file (scenario hash, status, timings, all tables)."""

from .db import RunStore, StoredRun, StoreError, default_path
from .runner import solve_and_record

__all__ = ["RunStore", "StoredRun", "StoreError", "default_path", "solve_and_record"]
