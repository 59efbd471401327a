"""The measured HiGHS method rule for single solves (rareflow.lp.method) and its use by Model."""

import pytest

import rareflow
from rareflow.errors import MassBalanceError, SolveError
from rareflow.lp import method
from tests.sweep.helpers import hand, small_world


def opt(h, key):
    v = h.getOptionValue(key)
    return v[1] if isinstance(v, tuple) else v


def test_rule():
    dual = {"solver": "simplex", "simplex_strategy": 1, "parallel": "off"}
    # measured: serial dual simplex at every size, cold or warm (docs/benchmarks.md)
    assert method.choose(5_000, warm=False, n_cores=2) == dual
    assert method.choose(300_000, warm=False, n_cores=2) == dual
    assert method.choose(300_000, warm=True, n_cores=8) == dual
    assert method.choose(10**6, warm=False, integer=True) == {}  # a MIP is left to HiGHS
    assert method.choose(10**6, warm=False, user={"solver": "ipm"}) == \
        {"simplex_strategy": 1, "parallel": "off"}  # the user's choice stands
    assert method.describe(dual) == "dual simplex"
    assert method.describe({"solver": "simplex", "simplex_strategy": 2}) == "parallel dual simplex"


def test_model_solve_applies_the_rule_and_re_solves_warm():
    m = rareflow.from_mapping(small_world())
    r1 = m.solve()
    h = m.solver()
    assert opt(h, "solver") == "simplex" and opt(h, "simplex_strategy") == 1
    r2 = m.solve()  # warm from the kept basis: no pivots needed
    assert r2.objective == pytest.approx(r1.objective, rel=1e-12)
    assert r2.solution.iterations == 0


def test_solver_options_from_the_user_win():
    m = rareflow.from_mapping(small_world())
    r = m.solve(solver="ipm", run_crossover="on")
    assert opt(m.solver(), "solver") == "ipm"
    assert r.status == "optimal"
    assert m.solve().objective == pytest.approx(r.objective, rel=1e-9)  # still ipm, by choice
    assert opt(m.solver(), "solver") == "ipm"


def test_solve_still_refuses_failures_and_checks_mass_balance(monkeypatch):
    w = hand(p=0.0)
    w["facilities"][0]["minimum"] = 100
    w["demands"] = []  # 100 t must be made and has nowhere to go
    with pytest.raises(SolveError):
        rareflow.from_mapping(w).solve()
    m = rareflow.from_mapping(hand(p=0.0))
    from rareflow.lp import highs

    real = highs.run

    def broken(h, *args):  # a solver answer that loses tonnes must be refused, naming the balance
        sol = real(h, *args)
        sol.x = sol.x * 0.5
        return sol

    monkeypatch.setattr(highs, "run", broken)
    with pytest.raises(MassBalanceError, match=r"mass balance broken .* for m in [AB]"):
        m.solve()
