"""A sweep sample goes through Model.solve's path: the same HiGHS module, the same check."""

import pytest

import rareflow
from rareflow.errors import MassBalanceError
from rareflow.lp import highs, solving
from rareflow.sweep.kernel import IPM_FALLBACK, Kernel
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



def _simplex_gives_up(monkeypatch):
    """Make every dual-simplex run end as HiGHS did on the calibrated monthly world with a
    licence squeeze ("Not Set" after excessive dual values); interior point runs are real."""
    real = highs.run

    def flaky(h, *args):
        sol = real(h, *args)
        if h.getOptionValue("solver") in ("simplex", (highs.highspy.HighsStatus.kOk, "simplex")):
            sol.status, sol.x = "Not Set", sol.x * float("nan")
        return sol

    monkeypatch.setattr(highs, "run", flaky)


def test_a_simplex_that_fails_numerically_is_re_solved_with_ipm_and_crossover(monkeypatch):
    m = rareflow.from_mapping(hand(p=1.0))
    ref = m.solve()
    ref_rec = Kernel(compile_plan(rareflow.from_mapping(hand(p=1.0)))).solve_sample(0, 3)
    _simplex_gives_up(monkeypatch)
    m2 = rareflow.from_mapping(hand(p=1.0))
    r = m2.solve()
    assert r.status == "optimal" and r.solution.method == solving.IPM_FALLBACK
    assert r.solution.info["simplex_status"] == "Not Set"
    assert r.objective == pytest.approx(ref.objective, rel=1e-9)
    # the simplex is put back for the next solve
    assert m2.solver().getOptionValue("solver") in ("simplex", (highs.highspy.HighsStatus.kOk, "simplex"))
    # a sweep sample goes the same way: cold (the warm start "failed") then IPM
    kernel = Kernel(compile_plan(rareflow.from_mapping(hand(p=1.0))))
    rec = kernel.solve_sample(0, 3)
    assert rec["method"] == IPM_FALLBACK and rec["status"] == "optimal"
    # a certain outage of severity 0.5 each year: auto 10 t + wind 40 t short a year (helpers.hand)
    assert rec["unserved"].sum() == pytest.approx(100.0, abs=1e-6)
    assert rec["objective"] == pytest.approx(ref_rec["objective"], rel=1e-9)


def test_a_sample_that_still_fails_is_reported_with_its_reason_not_raised(monkeypatch):
    from rareflow.sweep import kernel as kmod
    from rareflow.sweep.api import sweep

    model = rareflow.from_mapping(hand(p=1.0))
    real_run, real_sample = highs.run, kmod.Kernel.solve_sample
    bad = {"on": False}

    def hopeless(h, *args):  # every method fails numerically on the odd samples
        sol = real_run(h, *args)
        if bad["on"]:
            sol.status = "Not Set"
        return sol

    def sample(self, seed, i, verify=False):
        bad["on"] = i % 2 == 1
        try:
            return real_sample(self, seed, i, verify)
        finally:
            bad["on"] = False

    monkeypatch.setattr(highs, "run", hopeless)
    monkeypatch.setattr(kmod.Kernel, "solve_sample", sample)
    res = sweep(model, n=4, workers=1, verify=0)
    assert sorted(res.failed) == [1, 3] and all("Not Set with out (" in v for v in res.failed.values())
    assert list(res.samples["method"] == "failed") == [False, True, False, True]
    assert res.meta()["failed_samples"] == 2
    # the statistics are over the two solved samples: each short 100 t (see the IPM test)
    assert res.meta()["expected_unserved_total_t"] == pytest.approx(100.0, abs=1e-6)
