"""A sweep sample goes through Model.solve's path: the same HiGHS module, the same check."""

import pytest

import rareflow
from rareflow.errors import MassBalanceError
from rareflow.lp import highs
from rareflow.sweep.kernel import Kernel
from rareflow.sweep.plan import compile_plan
from tests.sweep.helpers import hand


def test_a_sample_answer_that_loses_tonnes_is_refused_naming_the_sample_and_the_row(monkeypatch):
    plan = compile_plan(rareflow.from_mapping(hand(p=1.0)))
    kernel = Kernel(plan)
    real = highs.run

    def broken(h, *args):  # the solver "loses" half of every flow
        sol = real(h, *args)
        sol.x = sol.x * 0.5
        return sol

    monkeypatch.setattr(highs, "run", broken)
    with pytest.raises(MassBalanceError, match=r"^sample 3: mass balance broken .* m in [AB] in 202"):
        kernel.solve_sample(0, 3)

