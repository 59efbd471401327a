"""Solve a model and record the run, or reuse the stored result of an identical scenario."""

from __future__ import annotations

import time
from dataclasses import dataclass
from pathlib import Path

from rareflow.results.result import Results
from rareflow.scenario.hashing import scenario_hash
from rareflow.store.db import RunStore, StoreError


@dataclass
class Outcome:
    results: Results  # solved now, or read back from the store when reused
    run_id: int | None
    reused: bool
    warning: str | None = None


def solve_and_record(model, options: dict | None = None, store: RunStore | Path | str | None = None,
                     reuse: bool = False, origin: str = "cli",
                     overrides: dict | None = None, levers: str | None = None) -> Outcome:
    """Solve `model` (or reuse an identical stored run) and record it when a store is given.

    A store that cannot be written never costs the answer: the run is returned with a warning.
    """
    options = dict(options or {})
    if store is not None and not isinstance(store, RunStore):
        store = RunStore(store)
    if reuse and store is not None:
        try:
            found = store.find(scenario_hash(model.scenario), options)
            if found is not None:
                return Outcome(store.get(found), found, True)
        except StoreError as e:
            return _solve(model, options, None, origin, overrides,
                          f"could not look up stored runs ({e}); solved afresh", levers)
    return _solve(model, options, store, origin, overrides, None, levers)


def _solve(model, options, store, origin, overrides, warning, levers=None) -> Outcome:
    t0 = time.perf_counter()
    results = model.solve(**options)
    total = time.perf_counter() - t0 + model.build_seconds
    if store is None:
        return Outcome(results, None, False, warning)
    try:
        run_id = store.record(results, options=options, overrides=overrides, origin=origin,
                              total_seconds=total, levers=levers)
    except StoreError as e:
        return Outcome(results, None, False, f"the run was not recorded: {e}")
    return Outcome(results, run_id, False, warning)
