"""A file that uses none of the new keys gives the same answer as before: the new keys at
their neutral values build the same LP (or an equivalent one) and the same tables."""

import copy

import numpy as np
import pandas as pd
from hypothesis import HealthCheck, given, settings

import rareflow
from tests.lp.test_properties import networks

TABLES = ("activity", "flows", "stocks", "unserved", "prices", "surplus")


def neutral(data: dict) -> dict:
    """Every new key at its neutral value: one recipe, a zero floor and final level, no tiers."""
    d = copy.deepcopy(data)
    for f in d["facilities"]:
        f["processes"] = {f.pop("process"): {}}
    for s in d["stocks"]:
        s["minimum"] = 0
        s["final"] = {"min": 0}
    for dm in d["demands"]:
        dm["tiers"] = []
    return d


def same_lp(a, b) -> None:
    fa, fb = a.frozen, b.frozen
    assert fa.shape == fb.shape and (fa.a != fb.a).nnz == 0
    for k in ("lb", "ub", "cost", "row_lb", "row_ub"):
        assert np.array_equal(getattr(fa, k), getattr(fb, k)), k


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_neutral_new_keys_build_the_same_lp_and_the_same_answer(data):
    old, new = rareflow.from_mapping(data), rareflow.from_mapping(neutral(data))
    same_lp(old, new)
    ro, rn = old.solve(), new.solve()
    assert rn.objective == ro.objective
    for t in TABLES:  # (a declared final level of 0 t shows as 0, not as "none")
        pd.testing.assert_frame_equal(getattr(ro, t).drop(columns="final", errors="ignore"),
                                      getattr(rn, t).drop(columns="final", errors="ignore"))


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_tiers_at_the_demands_own_priority_change_nothing(data):
    """Slices at the demand's own priority are the demand cut in pieces: the same optimum; the
    unserved table keeps one row per demand and period, the sum of its slices, each slice
    within its size. (Which period or region is short may differ: the LP has ties across
    periods and places that no re-split can make unique.)"""
    d = copy.deepcopy(data)
    for dm in d["demands"]:
        dm["tiers"] = [{"share": 0.3, "priority": dm["priority"]},
                       {"share": 0.0, "priority": dm["priority"] / 2}]
    ro, rt = rareflow.from_mapping(data).solve(), rareflow.from_mapping(d).solve()
    assert abs(rt.objective - ro.objective) <= 1e-7 * max(1.0, abs(ro.objective))
    a, b = ro.unserved, rt.unserved
    assert len(a) == len(b)
    if len(a):
        keys = ["demand", "period", "requested"]
        assert a[keys].equals(b[keys])
        tiers = rt.unserved_tiers
        assert (tiers["amount"] <= tiers["size"] + 1e-9).all()
        assert (tiers.loc[tiers["tier"] == 2, "amount"] == 0).all()
        summed = tiers.groupby(["demand", "period"], sort=False)["amount"].sum()
        assert np.allclose(summed.to_numpy(), b["amount"].to_numpy(), atol=1e-9)
        assert np.allclose(tiers.groupby(["demand", "period"], sort=False)["size"].sum(),
                           b["requested"].to_numpy())


@settings(max_examples=30, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(networks())
def test_two_identical_recipes_share_the_capacity_like_one_process(data):
    d = copy.deepcopy(data)
    d["processes"]["make2"] = copy.deepcopy(d["processes"]["make"])
    for f in d["facilities"]:
        if f["process"] == "make":
            f["processes"] = {"make": {}, "make2": {"max_share": 0.5}}
            del f["process"]
    ro, rr = rareflow.from_mapping(data).solve(), rareflow.from_mapping(d).solve()
    assert abs(rr.objective - ro.objective) <= 1e-7 * max(1.0, abs(ro.objective))
    per_fac = rr.activity.groupby(["facility", "period"], sort=False)["amount"].sum()
    base = ro.activity.set_index(["facility", "period"])["amount"]
    cap = {f["id"]: f["capacity"] for f in data["facilities"]}
    for (fid, per), v in per_fac.items():
        c = cap[fid] if not isinstance(cap[fid], dict) else None
        if c is not None:
            assert v <= c + 1e-6
        assert v >= -1e-9 and (fid, per) in base.index
    assert rr.max_balance_residual <= 1e-6
