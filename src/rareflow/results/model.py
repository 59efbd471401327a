"""The `Model` users get from `rareflow.load(...)`: the LP model whose `solve()` is a `Results`.

lp/model.py builds, solves and re-solves the LP and stops at the solver's answer; this thin
subclass adds the one step above it — wrapping that answer in the result type — so that the LP
layer never imports the results layer and `rareflow.load("toy").solve()` still reads as one call.
"""

from __future__ import annotations

from rareflow.lp import model as lp_model
from rareflow.results.result import Results


class Model(lp_model.Model):
    """A scenario compiled to an LP (built once, solved and re-solved warm), whose solves are
    `Results`. Everything but `solve` is lp/model.py's."""

    def solve(self, check: bool = True, **options) -> Results:
        """Solve (warm from the last basis when re-solving), check mass balance, and return the
        answer as a `Results`. `options` are HiGHS options (e.g. time_limit=20)."""
        sol, worst = self.solve_lp(check, **options)
        return Results.from_solve(self, sol, worst)


load, from_yaml, from_mapping = Model.load, Model.from_yaml, Model.from_mapping
