"""`sweep()`: sample N futures of a scenario, solve each warm, and summarise the distributions."""

from __future__ import annotations

import json
import math
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd

from rareflow.errors import RareflowError
from rareflow.scenario.uncertainty import Uncertainty
from rareflow.sweep import runners
from rareflow.sweep.checkpoint import Checkpoint, default_root, done_indices
from rareflow.sweep.kernel import FAILED, METHODS, VERIFY_RTOL, forget
from rareflow.sweep.plan import Plan, compile_plan, default_seed
from rareflow.sweep.stats import group_summary, sector_summary


def verify_indices(seed: int, n: int, k: int) -> set[int]:
    """Which samples are also solved cold: k of them, chosen by the seed alone."""
    k = min(n, max(0, k))
    if k == 0:
        return set()
    rng = np.random.default_rng([seed, 0x5EED])
    return {int(i) for i in rng.choice(n, size=k, replace=False)}


def default_verify(n: int) -> int:
    """1 % of the samples, at least 2 (when there are 2)."""
    return min(n, max(2, math.ceil(n / 100)))


SURPRISE_NOTE = "events are surprises: the plan before each sampled start is the base plan"


@dataclass
class SweepResult:
    scenario: str
    n: int
    seed: int
    workers: int
    runner: str
    summary: pd.DataFrame  # region × sector
    sectors: pd.DataFrame  # sector totals
    samples: pd.DataFrame  # one row per sample
    events: pd.DataFrame  # how often each event struck, and what it cost
    base_objective: float
    seconds: dict = field(default_factory=dict)
    verified: int = 0
    max_verify_rel_diff: float = 0.0
    methods: dict = field(default_factory=dict)
    currency: str = "USD"
    n_fixed_integers: int = 0
    model: object | None = None
    resumed: int = 0  # samples taken from a killed sweep's checkpoint
    rejected_chunks: int = 0  # checkpoint chunks set aside on resume (their samples re-solved)
    rejected_note: str = ""  # in words: how many, and why
    failed: dict = field(default_factory=dict)  # sample index -> why it could not be solved


    @property
    def samples_per_second(self) -> float:
        s = self.seconds.get("solve", 0.0)
        return (self.n - self.resumed) / s if s > 0 else float("inf")

    def meta(self) -> dict:
        return {
            "scenario": self.scenario, "samples": self.n, "seed": self.seed,
            "workers": self.workers, "runner": self.runner, "base_objective": self.base_objective,
            "resumed_samples": self.resumed, "rejected_checkpoint_chunks": self.rejected_chunks,
            "seconds": self.seconds, "samples_per_second": self.samples_per_second,
            "verified_against_cold": self.verified, "verify_rtol": VERIFY_RTOL,
            "max_verify_rel_diff": self.max_verify_rel_diff, "methods": self.methods,
            "fixed_integer_decisions": self.n_fixed_integers,
            "events_are": SURPRISE_NOTE,
            "failed_samples": len(self.failed),
            "failures": {str(k): v for k, v in self.failed.items()},
            "expected_unserved_total_t": float(self.samples["unserved_t"].mean()),
            "p_any_shortfall": float((self.samples["unserved_t"].dropna() > 0).mean()),
            "base_unserved_total_t": float(self.summary["base_unserved_t"].sum()),
        }

    def tables(self) -> dict[str, pd.DataFrame]:
        return {"sweep_summary": self.summary, "sweep_sectors": self.sectors,
                "sweep_samples": self.samples, "sweep_events": self.events}

    def write(self, out: str | Path) -> list[Path]:
        """CSV tables plus sweep.json, as one result set in a folder rareflow owns (it refuses
        a folder holding files it did not write)."""
        from rareflow.results.tables import write_set

        texts = {f"{k.removeprefix('sweep_')}.csv": df.to_csv(index=False)
                 for k, df in self.tables().items()}
        texts["sweep.json"] = json.dumps(self.meta(), indent=2, default=float)
        return write_set(out, texts, "rareflow sweep")

    def __repr__(self) -> str:
        return (f"<SweepResult {self.scenario}: {self.n} samples, seed {self.seed}, "
                f"{self.samples_per_second:,.0f} samples/s>")


def _load(scenario, uncertainty):
    from rareflow.lp.model import Model, load

    model = scenario if isinstance(scenario, Model) else load(scenario)
    if isinstance(uncertainty, dict):
        uncertainty = Uncertainty.model_validate(uncertainty.get("uncertainty", uncertainty))
    if uncertainty is not None:
        problems = uncertainty.check(model.scenario, model.periods)
        if problems:
            from rareflow.errors import ScenarioError

            raise ScenarioError(problems)
    return model, uncertainty


def precheck(plan: Plan, options: dict | None = None) -> None:
    """Refuse an uncertainty block with an event that alone, at its hardest, leaves no feasible
    plan — before N samples are spent finding out."""
    from rareflow.sweep.kernel import kernel_for

    refuse(plan, kernel_for(plan, options).precheck())


def refuse(plan: Plan, bad: list[tuple[int, str, str]]) -> None:
    """Raise the pre-check's error for the events `bad` (event index, status, periods), if any."""
    from rareflow.errors import Problem, ScenarioError

    if bad:
        raise ScenarioError([Problem(
            f"uncertainty.events[{k}]",
            f"event '{plan.events[k].id}' at its hardest in {when} leaves no feasible plan "
            f"({status}): something downstream must run or ship a minimum (often a 'minimum' "
            "that pins an observed year) or a binding agreement needs what it removes",
            "set 'start:' after the pinned years, lower the severity, or relax the minimum")
            for k, status, when in bad])


def sweep(scenario, n: int = 1000, seed: int | None = None, workers: int | None = None,
          scheduler=None, verify: int | None = None, uncertainty=None,
          options: dict | None = None, progress=None, plan: Plan | None = None,
          checkpoint: str | Path | bool | None = None, resume: bool = False) -> SweepResult:
    """Sample `n` futures of `scenario` (a name, a path or a `Model`) and solve each.

    `workers`: local processes (default: the CPU count; 1 = in this process). `scheduler`: a
    Dask scheduler address or `distributed.Client` (then `workers` is ignored). `verify`:
    how many samples to also solve cold (default 1 %, at least 2). `uncertainty`: a block to
    use instead of the scenario's (a mapping or an `Uncertainty`). `progress(k)` is called as
    k more samples finish. `checkpoint`: a folder where finished chunks are kept while the
    sweep runs (True: beside the run store; None/False: none); with `resume`, the chunks a
    killed sweep left there are used and only the missing samples solved. Same seed →
    identical results whatever the runner, the workers and the interruptions.
    """
    if n < 1:
        raise RareflowError(f"-n must be at least 1, got {n}")
    t0 = time.perf_counter()
    model, unc = _load(scenario, uncertainty)
    t_load = time.perf_counter() - t0
    if seed is None:
        seed = default_seed(model, unc)
    if seed < 0:
        raise RareflowError(f"--seed must be zero or more, got {seed}")
    t1 = time.perf_counter()
    plan = plan or compile_plan(model, unc, options)
    ck = None
    if resume and not checkpoint:
        checkpoint = True
    if checkpoint:
        root = default_root() if checkpoint is True else Path(checkpoint)
        ck = Checkpoint(root, plan.key, seed, n)
    before: list[dict] = []
    if ck is not None:
        if resume:
            before = ck.load()
        else:
            ck.clear()
    done = done_indices(before)
    todo = [i for i in range(n) if i not in done]
    before = [p for p in before if len(p["index"])]
    nw = 0
    if todo and scheduler is None:
        nw = runners.default_workers() if workers is None else max(1, int(workers))
        nw = min(nw, len(todo))
    try:
        if nw <= 1:  # a pool checks the events on its workers, as its first tasks
            precheck(plan, options)
        t_plan = time.perf_counter() - t1
        vset = verify_indices(seed, n, default_verify(n) if verify is None else verify)
        if progress and done:
            progress(len(done))
        save = ck.save if ck is not None else None
        t2 = time.perf_counter()
        parts: list[dict] = []
        if not todo:
            runner = "checkpoint"
        elif scheduler is not None:
            parts = runners.run_dask(plan, seed, todo, scheduler, vset, options, progress, save)
            runner = "dask"
        elif nw == 1:
            parts = runners.run_inline(plan, seed, todo, vset, options, progress, save)
            runner = "inline"
        else:
            parts = runners.run_pool(plan, seed, todo, nw, vset, options, progress, save,
                                     on_precheck=lambda bad: refuse(plan, bad))
            runner = "processes"
        t_solve = time.perf_counter() - t2
    finally:
        forget(plan.key)  # this process's copy of the model is not needed after the sweep
    got = np.sort(np.concatenate([p["index"] for p in before + parts]))
    if len(got) != n or (got != np.arange(n)).any():  # never a sample twice or missing
        raise RareflowError(f"the sweep's samples do not add up to 0..{n - 1} (got {len(got)}); "
                            "run it again without --resume")
    res = assemble_result(model, plan, seed, before + parts, runner, nw)
    res.resumed = len(done)
    if ck is not None:
        res.rejected_chunks, res.rejected_note = ck.n_rejected, ck.describe_rejected()
    res.seconds = {"load": t_load, "plan": t_plan, "solve": t_solve,
                   "total": time.perf_counter() - t0}
    if ck is not None:
        ck.clear()  # complete: nothing to resume
    return res


def assemble_result(model, plan: Plan, seed: int, parts: list[dict], runner: str,
                    workers: int) -> SweepResult:
    idx = np.concatenate([p["index"] for p in parts])
    order = np.argsort(idx, kind="stable")
    cat = {k: np.concatenate([p[k] for p in parts])[order] for k in parts[0] if k != "index"}
    n = len(idx)
    # A sample the solver could not solve (status kept with its reason) is left out of the
    # statistics, which are over the solved samples; the result counts and names the failed.
    ok = cat["method"] != FAILED
    un, ps, req = cat["unserved"][ok], cat["periods_short"][ok], cat["requested"][ok]
    if not ok.any():
        from rareflow.errors import SolveError

        raise SolveError(f"none of the {n} samples could be solved (first: {cat['status'][0]}); "
                         "narrow the events' start/end or severity")
    tol = plan.tolerance
    base = plan.base_unserved.sum(axis=1) if plan.base_unserved is not None else None
    summary = group_summary(plan.groups, un, ps, req, tol, base=base)
    sectors = sector_summary(plan.groups, un, req, tol)
    ev_ids = [e.id for e in plan.events]
    counts = cat["events"].reshape(n, len(ev_ids))
    all_un = cat["unserved"]
    samples = pd.DataFrame({
        "sample": np.arange(n),
        "objective": cat["objective"],
        "unserved_t": all_un.sum(axis=1),
        "groups_short": (all_un > tol).sum(axis=1),
        "method": [METHODS[int(m)] for m in cat["method"]],
        "iterations": cat["iterations"],
        "seconds": cat["seconds"],
        "cold_objective": cat["cold_objective"],
        "status": cat["status"].astype(str),
    })
    for j, e in enumerate(ev_ids):
        samples[f"event:{e}"] = counts[:, j]
    total = samples["unserved_t"].to_numpy()[ok]
    rows = []
    for j, e in enumerate(ev_ids):
        hit = counts[ok, j] > 0
        rows.append({"event": e, "p_occurs": hit.mean() if len(hit) else np.nan,
                     "mean_occurrences": counts[ok, j].mean() if len(hit) else np.nan,
                     "expected_unserved_t_when_occurs": total[hit].mean() if hit.any() else np.nan,
                     "expected_unserved_t_otherwise": total[~hit].mean() if (~hit).any() else np.nan})
    events = pd.DataFrame(rows, columns=["event", "p_occurs", "mean_occurrences",
                                         "expected_unserved_t_when_occurs",
                                         "expected_unserved_t_otherwise"])
    cold = cat["cold_objective"]
    ver = ~np.isnan(cold)
    rel = np.abs(cat["objective"][ver] - cold[ver]) / np.maximum(1.0, np.abs(cold[ver]))
    methods = samples["method"].value_counts().to_dict()
    return SweepResult(
        scenario=model.name, n=n, seed=seed, workers=workers, runner=runner, summary=summary,
        sectors=sectors, samples=samples, events=events, base_objective=plan.base_objective,
        verified=int(ver.sum()), max_verify_rel_diff=float(rel.max()) if len(rel) else 0.0,
        methods={str(k): int(v) for k, v in methods.items()},
        currency=model.scenario.currency, n_fixed_integers=plan.n_fixed_integers, model=model,
        failed={int(i): str(cat["status"][i]) for i in np.flatnonzero(~ok)})
