"""The declared interface between policy rules and the LP under construction.

A rule is a function `rule(policy, b)` that turns one policy's data into bounds, rows and
columns. It may use only what `RuleBuild` declares below — never the matrix or private
indexes of `Build` — so that the assembler can change inside without touching any rule, and
so that the same rule serves a deterministic policy and a sampled sweep event.
`tests/lp/test_rules_interface.py` reads every rule module and fails on any other attribute.

Surprises (`announced`, lp/stages.py) rely on two more properties of every rule:
* everything it does is recorded for it (`Build.applied`): the columns and rows it adds, the
  bounds it replaces (`set_bounds`, owner or not) and the costs it adds (`add_cost`). A stage
  that does not know the policy yet relaxes its rows to ±inf, fixes its columns at 0, takes
  its costs back and restores the bounds — so a rule must put coefficients only into its own
  rows, into balance rows through its own columns, or on its own columns;
* it is deterministic: to restore bounds exactly, a stage runs the rules that set bounds again
  on that stage's bounds (`get_bounds` returns them; `add_cols`/`add_rows` return the indices
  of the first run).
"""

from __future__ import annotations

from typing import Protocol

import numpy as np
import pandas as pd


class RuleBuild(Protocol):
    """What a rule may read and do. Columns and rows are integer index arrays."""

    # ---- the horizon -------------------------------------------------------------------
    scenario: object  # the validated Scenario (pure data)
    periods: object  # scenario.periods.Periods
    T: int
    labels: np.ndarray  # period labels, shape (T,)
    length: np.ndarray  # period length in years, shape (T,): rates per year × length = t
    disc: np.ndarray  # discount factor per period, shape (T,)

    # ---- entity tables and their columns (entities × T) --------------------------------
    routes: pd.DataFrame  # route, origin, destination, commodity
    route_cols: np.ndarray
    facilities: pd.DataFrame  # facility, region, process (one row per recipe)
    fac_cols: np.ndarray  # one row per recipe (a facility with several recipes has several)
    candidates: pd.DataFrame  # facility, region, process
    cand_cols: np.ndarray
    demands: pd.DataFrame  # demand, region, commodity, sector
    demand_amount: np.ndarray  # (D, T) t per period (amount × length), per demand (all tiers)

    def active(self, start, end) -> np.ndarray: ...
    def match_routes(self, exporter=None, commodities=None, to=None, except_=None) -> np.ndarray: ...
    def facility_rows(self, facility_id: str) -> np.ndarray:
        """Indexes into `facilities`/`fac_cols` of one facility's recipes (entity rows)."""
    def facility_capacity(self, facility_id: str) -> tuple[np.ndarray, np.ndarray]:
        """(must-run, capacity) of the facility's total activity per period (T,), units of
        activity per period, wherever they are held (a column's bounds or a shared row)."""
    def set_facility_capacity(self, facility_id: str, t, lb=None, ub=None, owner=None) -> None:
        """Set them in periods `t` (indexes or mask); `owner` as in `set_bounds`."""
    def output_terms(self, region: str, commodity: str) -> list[tuple[np.ndarray, float]]:
        """(activity columns (T,), t of commodity per unit) of every facility recipe and
        candidate in `region` that makes `commodity`."""
    def activity_terms(self, region: str, process: str) -> list[np.ndarray]:
        """Activity columns (T,) of every facility recipe and candidate running `process` in
        `region` (a facility with several recipes contributes only that recipe's columns)."""
    def balance_keys(self, regions, commodities) -> np.ndarray: ...

    # ---- changes --------------------------------------------------------------------------
    def get_bounds(self, cols: np.ndarray) -> tuple[np.ndarray, np.ndarray]: ...
    # the bounds replaced are recorded for the policy being applied (restored before it is known)
    def set_bounds(self, cols: np.ndarray, lb=None, ub=None, owner=None) -> None: ...
    # added costs are recorded (taken back before the policy is known); owner: named by explain
    def add_cost(self, cols: np.ndarray, cost, owner=None) -> None: ...
    # new columns are recorded (fixed at 0 before the policy is known)
    def add_cols(self, kind: str, labels: pd.DataFrame, lb, ub, cost) -> np.ndarray: ...
    # new rows are recorded (relaxed to ±inf before the policy is known); owner: named by explain
    def add_rows(self, kind: str, labels: pd.DataFrame, lb, ub, owner=None) -> np.ndarray: ...
    def add_coeffs(self, rows, cols, vals) -> None: ...
    def add_balance(self, keys, cols, vals) -> None: ...
