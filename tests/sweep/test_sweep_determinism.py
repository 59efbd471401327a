"""Same seed, same answer: whatever the worker count, and on a Dask cluster too."""

import pandas as pd
import pytest

import rareflow
from rareflow.sweep import sweep
from tests.sweep.helpers import small_world

N = 48


def same(a, b):
    pd.testing.assert_frame_equal(a.summary, b.summary, check_exact=True)
    pd.testing.assert_frame_equal(a.sectors, b.sectors, check_exact=True)
    pd.testing.assert_frame_equal(a.events, b.events, check_exact=True)
    cols = [c for c in a.samples.columns if c != "seconds"]
    pd.testing.assert_frame_equal(a.samples[cols], b.samples[cols], check_exact=True)


@pytest.fixture(scope="module")
def model():
    return rareflow.from_mapping(small_world())


@pytest.fixture(scope="module")
def inline(model):
    return sweep(model, n=N, seed=3, workers=1, verify=4)


def test_something_happens_and_warm_answers_check_out(inline):
    assert inline.samples["unserved_t"].max() > inline.samples["unserved_t"].min()
    assert (inline.summary["p_worse_than_base"] > 0).any()
    assert inline.verified == 4 and inline.max_verify_rel_diff <= 1e-6
    assert inline.seed == 3 and inline.runner == "inline"


def test_identical_across_worker_counts(model, inline):
    two = sweep(model, n=N, seed=3, workers=2, verify=4)
    assert two.runner == "processes" and two.workers == 2
    same(inline, two)


def test_a_different_seed_gives_different_futures(model, inline):
    other = sweep(model, n=N, seed=4, workers=1)
    assert not inline.samples["unserved_t"].equals(other.samples["unserved_t"])


def test_the_first_samples_do_not_depend_on_n(model, inline):
    few = sweep(model, n=10, seed=3, workers=1, verify=0)
    cols = ["objective", "unserved_t"]
    pd.testing.assert_frame_equal(few.samples[cols], inline.samples[cols].head(10))


@pytest.mark.timeout(120)
def test_identical_on_a_dask_cluster(model, inline):
    distributed = pytest.importorskip("distributed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=False,
                                  dashboard_address=None) as cluster, \
            distributed.Client(cluster) as client:
        on_dask = sweep(model, n=N, seed=3, scheduler=client, verify=4)
        by_address = sweep(model, n=N, seed=3, scheduler=cluster.scheduler_address, verify=4)
    assert on_dask.runner == "dask"
    same(inline, on_dask)
    same(inline, by_address)


def test_a_warm_solve_over_its_iteration_limit_is_re_solved_cold(model, inline):
    from rareflow.sweep.plan import compile_plan

    plan = compile_plan(model)
    plan.warm_iteration_limit = 1  # every sample that needs a pivot goes cold
    plan.key += "-limit1"
    s = sweep(model, n=N, seed=3, workers=1, plan=plan)
    assert s.methods.get("cold (warm over its limit)", 0) > 0
    a, b = s.samples["objective"].to_numpy(), inline.samples["objective"].to_numpy()
    assert a == pytest.approx(b, rel=1e-6)
