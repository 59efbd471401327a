"""Where the samples are solved: this process, a local process pool, or a Dask cluster.

Work is cut into chunks of consecutive sample indices; every runner returns the chunks'
records, which the caller puts back in sample order. Results never depend on the runner,
the chunking or the worker count: a sample's answer depends only on the plan, the seed and
its index (see `rareflow.sweep.kernel`).
"""

from __future__ import annotations

import ctypes
import math
import multiprocessing as mp
import os
import signal
import sys
import threading
import time
import warnings
from collections.abc import Callable
from concurrent.futures import FIRST_COMPLETED, ProcessPoolExecutor, wait

from rareflow.errors import RareflowError
from rareflow.sweep.kernel import kernel_for, precheck_events, run_chunk
from rareflow.sweep.plan import Plan

Progress = Callable[[int], None]  # called with the number of samples just finished
OnPart = Callable[[dict], None]  # called with each finished chunk's records (checkpoints)
Todo = int | list[int]  # a sample count, or the sample indices still to solve


def chunks(todo: Todo, workers: int, target: int = 8, most: int = 50) -> list[list[int]]:
    """Chunks of the sample indices `todo` (a count or a list): about `target` per worker, at
    most `most` samples each. With several workers the chunks taper towards the end (each at
    most a (2 × workers)th of what is left, and not below a fifth of the full size), so that
    the workers finish together instead of one solving a last full chunk while the others
    wait. Which worker solves what never changes an answer (see `rareflow.sweep.kernel`)."""
    todo = list(range(todo)) if isinstance(todo, int) else sorted(todo)
    n = len(todo)
    size = max(1, min(most, math.ceil(n / max(1, workers * target))))
    if workers <= 1:
        return [todo[s:s + size] for s in range(0, n, size)]
    floor = max(1, size // 5)
    out, s = [], 0
    while s < n:
        k = max(floor, min(size, math.ceil((n - s) / (2 * workers))))
        out.append(todo[s:s + k])
        s += k
    return out


def _verify_of(idx: list[int], verify: set[int]) -> list[int]:
    return [i for i in idx if i in verify]


def run_inline(plan: Plan, seed: int, todo: Todo, verify: set[int], options: dict | None,
               progress: Progress | None, on_part: OnPart | None = None) -> list[dict]:
    out = []
    for idx in chunks(todo, 1):
        out.append(run_chunk(plan, seed, idx, _verify_of(idx, verify), options))
        if on_part:
            on_part(out[-1])
        if progress:
            progress(len(idx))
    return out


# ---- local process pool ---------------------------------------------------------------------
_POOL_PLAN: Plan | None = None
_POOL_OPTIONS: dict | None = None


def _pool_init(plan: Plan, options: dict | None, parent: int | None = None) -> None:
    global _POOL_PLAN, _POOL_OPTIONS
    if parent is not None:
        die_with_parent(parent)
    _POOL_PLAN, _POOL_OPTIONS = plan, options
    kernel_for(plan, options)  # build the model now, once per worker process


PR_SET_PDEATHSIG = 1
WATCH_SECONDS = 0.5


def die_with_parent(parent: int) -> None:
    """End this worker process when the sweep that started it dies (kill -9 included), so that
    no orphan keeps solving (and holding ~100 MB) for minutes.

    On Linux the kernel sends SIGKILL when the parent goes (prctl PR_SET_PDEATHSIG); on every
    system a daemon thread also checks every half second that the parent is still the
    parent (an orphan is adopted by another process), which covers the rest."""
    if sys.platform.startswith("linux"):
        try:
            libc = ctypes.CDLL(None, use_errno=True)
            libc.prctl(PR_SET_PDEATHSIG, signal.SIGKILL, 0, 0, 0)
        except (OSError, AttributeError):  # pragma: no cover - no libc prctl
            pass
    if os.getppid() != parent:  # the parent died before the line above ran
        os._exit(1)

    def watch() -> None:
        while True:
            time.sleep(WATCH_SECONDS)
            if os.getppid() != parent:
                os._exit(1)

    threading.Thread(target=watch, name="rareflow-parent-watch", daemon=True).start()


def _pool_task(seed: int, idx: list[int], verify: list[int]) -> dict:
    assert _POOL_PLAN is not None
    return run_chunk(_POOL_PLAN, seed, idx, verify, _POOL_OPTIONS)


def _pool_precheck(events: list[int]) -> list:
    assert _POOL_PLAN is not None
    return precheck_events(_POOL_PLAN, events, _POOL_OPTIONS)


def start_method() -> str:
    """'fork' on Linux: workers start in milliseconds, inherit the plan without pickling, and
    do not re-run the caller's script (which 'spawn' does, hanging unguarded scripts). The
    children only run serial dual simplex and numpy. Elsewhere 'spawn'. The environment
    variable RAREFLOW_START_METHOD overrides the choice."""
    env = os.environ.get("RAREFLOW_START_METHOD")
    if env:
        if env not in mp.get_all_start_methods():
            raise RareflowError(f"RAREFLOW_START_METHOD={env} is not available here; use one of "
                                f"{', '.join(mp.get_all_start_methods())}")
        return env
    return "fork" if sys.platform.startswith("linux") else "spawn"


def run_pool(plan: Plan, seed: int, todo: Todo, workers: int, verify: set[int], options: dict | None,
             progress: Progress | None, on_part: OnPart | None = None,
             on_precheck: Callable[[list], None] | None = None) -> list[dict]:
    """A pool of `workers` processes, each building its HiGHS model once (in its initializer).

    `on_precheck`: the events' feasibility pre-check (`Kernel.precheck`) is shared out among
    the workers as the first tasks, instead of being solved in this process before the pool
    starts (where the other cores wait for it); `on_precheck` gets the events found
    infeasible, in event order, once every share is back, and raises to stop the sweep."""
    ctx = mp.get_context(start_method())
    out = []
    with ProcessPoolExecutor(max_workers=workers, mp_context=ctx, initializer=_pool_init,
                             initargs=(plan, options, os.getpid())) as pool:
        with warnings.catch_warnings():  # 3.12+: "process is multi-threaded, use of fork()…"
            warnings.filterwarnings("ignore", category=DeprecationWarning, message=".*fork.*")
            checks = set()
            if on_precheck is not None:  # submitted first: the pool runs tasks in order
                n_ev = len(plan.events)
                checks = {pool.submit(_pool_precheck, list(range(j, n_ev, workers)))
                          for j in range(min(workers, n_ev))}
            pending = {pool.submit(_pool_task, seed, idx, _verify_of(idx, verify)): len(idx)
                       for idx in chunks(todo, workers)}
        bad: list = []
        try:
            if checks:
                for f in checks:
                    bad += f.result()
                on_precheck(sorted(bad))
            while pending:
                done, _ = wait(pending, return_when=FIRST_COMPLETED)
                for f in done:
                    k = pending.pop(f)
                    out.append(f.result())
                    if on_part:
                        on_part(out[-1])
                    if progress:
                        progress(k)
        except BaseException:
            for f in pending:
                f.cancel()
            raise
    return out


def default_workers() -> int:
    try:
        return max(1, len(os.sched_getaffinity(0)))
    except AttributeError:  # pragma: no cover - not Linux
        return max(1, os.cpu_count() or 1)


# ---- Dask -----------------------------------------------------------------------------------
def run_dask(plan: Plan, seed: int, todo: Todo, scheduler, verify: set[int], options: dict | None,
             progress: Progress | None, on_part: OnPart | None = None) -> list[dict]:
    """On an existing Dask cluster: `scheduler` is an address ('tcp://host:8786') or a Client."""
    try:
        from distributed import Client, as_completed
    except ImportError:  # pragma: no cover - dask[distributed] is a dependency
        raise RareflowError("--scheduler needs dask.distributed: pip install 'dask[distributed]'") \
            from None
    own = not isinstance(scheduler, Client)
    if own:
        try:
            client = Client(scheduler, timeout="10s")
        except OSError as e:
            raise RareflowError(f"cannot reach the Dask scheduler at {scheduler}: {e}; start one "
                                "with 'dask scheduler' (and 'dask worker ADDRESS') or drop "
                                "--scheduler to use local processes") from None
    else:
        client = scheduler
    try:
        nworkers = max(1, sum(w.get("nthreads", 1) for w in
                              client.scheduler_info().get("workers", {}).values()))
        plan_f = client.scatter(plan, broadcast=True, hash=False)
        futs = {client.submit(run_chunk, plan_f, seed, idx, _verify_of(idx, verify), options,
                              pure=False): len(idx)
                for idx in chunks(todo, nworkers)}
        out = []
        try:
            for f in as_completed(list(futs)):
                out.append(f.result())
                if on_part:
                    on_part(out[-1])
                if progress:
                    progress(futs[f])
        except BaseException:
            client.cancel(list(futs))
            raise
        return out
    finally:
        if own:
            client.close()
