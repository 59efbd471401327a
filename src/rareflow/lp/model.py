"""The central object: a scenario compiled to an LP, solved and re-solved on demand.

Like a PyPSA network or a linopy model, a `Model` is built once and kept: later solves can
change bounds and right-hand sides and start from the last basis.

This layer stops at the LP's answer (`solve_lp`: the solver's vectors and the mass-balance
residual). The `Model` users get from `rareflow.load(...)` is results/model.py's subclass, whose
`solve()` wraps that answer in a `Results`; the LP layer never imports the results layer.
"""

from __future__ import annotations

import time
from pathlib import Path
from typing import NamedTuple

import numpy as np

from rareflow.errors import RareflowError, SolveError
from rareflow.lp import highs, solving, stages
from rareflow.lp.build import assemble
from rareflow.lp.check import check_mass_balance
from rareflow.lp.diagnose import diagnose
from rareflow.lp.names import LPNames
from rareflow.lp.rationing import ration
from rareflow.scenario.loader import from_dict, load_scenario, parse_yaml
from rareflow.scenario.periods import make_periods
from rareflow.scenario.schema import Scenario


class LPAnswer(NamedTuple):
    """What one solve of the LP gives: the solver's vectors and the largest mass-balance
    residual the check found (NaN when the check was skipped)."""

    solution: highs.Solution
    max_balance_residual: float


class Model:
    def __init__(self, scenario: Scenario, files: list[str] | None = None) -> None:
        self.scenario = scenario
        self.files = files or []
        self.periods = make_periods(scenario)
        t0 = time.perf_counter()
        self.build = assemble(scenario, self.periods)
        self.frozen = self.build.freeze()
        self.build_seconds = time.perf_counter() - t0
        self._highs = None
        self._options: dict = {}
        self.last_solution: highs.Solution | None = None  # what `m.lp` reads values from
        self._names: LPNames | None = None

    def __repr__(self) -> str:
        rows, cols = self.frozen.shape
        return (f"<Model {self.scenario.name}: {len(self.periods.labels)} periods, "
                f"{cols:,} variables, {rows:,} constraints>")

    @property
    def name(self) -> str:
        return self.scenario.name

    def solver(self, options: dict | None = None):
        """The kept HiGHS object (created on first use; options applied each call)."""
        if self._highs is None:
            self._highs = highs.new_solver(self.frozen, options)
        elif options:
            for k, v in options.items():
                highs.set_option(self._highs, k, v)
        if options:
            self._options.update(options)  # the user's choices: the method rule leaves them alone
        return self._highs

    def solve_lp(self, check: bool = True, **options) -> LPAnswer:
        """Solve (warm from the last basis when re-solving) and check mass balance."""
        h = self.solver(options or None)
        staging = stages.for_model(self)  # None unless a measure is announced after the start
        solving.configure(h, self.frozen, self._options, single=staging is None)
        if staging is not None:
            sol = staging.solve(h, self.name)
        else:
            sol = solving.solve(h, self.frozen, self._options)  # the sweep kernel's rule too
        if sol.status != "optimal":
            raise SolveError(self._explain_failure(sol.status))
        b = self.build  # equal-priority demand slices share a shortfall pro rata
        sol.x = ration(sol.x, b.unserved_cols, b.unserved_amount, b.demand_ties)
        # the labels are built only if the check fails and has to name a row
        worst = check_mass_balance(self.frozen, sol.x, self.build.balance_labels) if check \
            else float("nan")
        self.last_solution = sol
        return LPAnswer(sol, worst)

    @property
    def lp(self) -> LPNames:
        """The LP by name: `m.lp.columns` and `m.lp.rows` as tables, `m.lp.column(name)` and
        `m.lp.row(name)` with the last solve's values and duals (lp/names.py; names are made
        on first use, so a model that never asks pays nothing)."""
        if self._names is None:
            self._names = LPNames(self)
        return self._names

    def write_lp(self, path: str | Path) -> Path:
        """Write the LP in CPLEX LP format (through HiGHS), with rareflow's names spelled for
        the format (`flow(AUS_JPN_ndpr_oxide,2025)`: `[`, `]`, `-`, `:` are not allowed).
        Returns the path. Read it with any LP solver to check or solve the model elsewhere.

        It is the LP as built, with every measure in force (lumpy candidates as integers): an
        answer made in stages (measures announced late) is a sequence of re-solves of this LP
        with some bounds changed, which one file cannot hold."""
        return self._write(path, ".lp")

    def write_mps(self, path: str | Path) -> Path:
        """Write the LP in (free) MPS format through HiGHS, names as `write_lp`."""
        return self._write(path, ".mps")

    def _write(self, path: str | Path, suffix: str) -> Path:
        path = Path(path)
        if path.suffix.lower() != suffix:
            raise RareflowError(f"{path}: a {suffix} file name is needed (HiGHS picks the "
                                f"format from the suffix); e.g. {path.with_suffix(suffix)}")
        cols, rows = self.lp.file_names()
        highs.write_model(self.frozen, str(path), cols, rows)
        return path

    @classmethod
    def load(cls, name_or_path: str | Path, overrides: dict | None = None):
        """A built-in scenario name (e.g. 'toy') or a path to a YAML scenario file.

        `overrides` is a mapping shaped like a scenario file, laid over the scenario exactly as
        an `extends:` overlay would be (lists merge by id), e.g. to toggle a policy from the web
        page.
        """
        scn, files = load_scenario(name_or_path, overrides)
        return cls(scn, files)

    @classmethod
    def from_yaml(cls, text: str, name: str = "<text>"):
        """A model from YAML text (no `extends`)."""
        return cls(from_dict(parse_yaml(text, name), name), [name])

    @classmethod
    def from_mapping(cls, data: dict, name: str = "<dict>"):
        """A model from an in-memory mapping shaped like a scenario file (no `extends`)."""
        return cls(from_dict(data, name), [name])

    def _explain_failure(self, status: str) -> str:
        if status in ("infeasible", "infeasible_or_unbounded"):
            why = diagnose(self.build, self.frozen)
            head = f"Scenario '{self.name}' cannot be satisfied."
            if why:
                return "\n".join([head, "These constraints conflict:", *(f"  - {w}" for w in why)])
            return head + " No single row or bound could be named; check minimums and balances."
        if status == "unbounded":
            neg = np.flatnonzero(self.frozen.cost < 0)
            return (f"Scenario '{self.name}' is unbounded: some cost can fall without limit "
                    f"({len(neg)} negative costs).")
        return f"Scenario '{self.name}': the solver stopped with status '{status}'."


# The LP-level model (sweeps use it); `rareflow.load` gives the one whose solve() is a Results.
load, from_yaml, from_mapping = Model.load, Model.from_yaml, Model.from_mapping
