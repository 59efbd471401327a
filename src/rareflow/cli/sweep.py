"""`rareflow sweep`: N sampled futures of a scenario, solved warm, summarised as risk tables.

Heavy imports (the sweep machinery, Dask, the store) happen inside the command, so that
registering it costs the CLI's start-up nothing.
"""

from __future__ import annotations

from pathlib import Path

import typer

from rareflow.cli.options import NoStoreOption, StoreOption


def register(app: typer.Typer) -> None:
    @app.command()
    def sweep(
        scenario: str = typer.Argument(..., help="built-in scenario name or path to a YAML file"),
        n: int = typer.Option(1000, "-n", "--samples", help="how many futures to sample"),
        seed: int = typer.Option(None, "--seed", help="random seed (default: the uncertainty "
                                 "block's seed, else 0); same seed, same answer"),
        workers: int = typer.Option(None, "--workers", "-w", help="local worker processes "
                                    "(default: the CPU count; 1 = this process)"),
        scheduler: str = typer.Option(None, "--scheduler", help="address of a Dask scheduler, "
                                      "e.g. tcp://host:8786 (instead of local processes)"),
        verify: int = typer.Option(None, "--verify", help="samples also solved cold to check the "
                                   "warm answers (default: 1 %, at least 2)"),
        uncertainty: Path = typer.Option(None, "--uncertainty", "-u", help="YAML file with an "
                                         "'uncertainty:' block to use instead of the scenario's"),
        out: Path = typer.Option(None, "--out", "-o", help="write summary.csv, sectors.csv, "
                                 "samples.csv, events.csv and sweep.json here"),
        store: StoreOption = None,
        no_store: NoStoreOption = False,
        solver_option: list[str] = typer.Option([], "--solver-option",
                                                help="HiGHS option KEY=VALUE"),
        top: int = typer.Option(20, help="rows of the region × sector table to show"),
        resume: bool = typer.Option(False, "--resume", help="continue a sweep that was killed: "
                                    "reuse the samples it finished (same scenario, seed and -n)"),
        checkpoint: Path = typer.Option(None, "--checkpoint", help="folder for the finished "
                                        "chunks while the sweep runs (default: 'sweeps/' beside "
                                        "the run store)"),
    ) -> None:
        """Sample N disrupted futures, re-solve each warm, and report the shortfall risk."""
        import time

        from rich.console import Console
        from rich.progress import (
            BarColumn,
            MofNCompleteColumn,
            Progress,
            TextColumn,
            TimeElapsedColumn,
            TimeRemainingColumn,
        )

        from rareflow.cli.options import solver_options as _options
        from rareflow.errors import RareflowError
        from rareflow.sweep.api import sweep as run_sweep

        console = Console(soft_wrap=True)
        err = Console(stderr=True)
        options = _options(solver_option) or None
        unc = _read_uncertainty(uncertainty) if uncertainty else None
        if n < 1:
            raise RareflowError(f"-n must be at least 1, got {n}")
        if out:
            from rareflow.results.tables import check_out

            check_out(out)  # before the samples are spent, not after
        with Progress(TextColumn("[bold]{task.description}"), BarColumn(bar_width=24),
                      MofNCompleteColumn(),
                      TextColumn("{task.fields[rate]}"), TimeElapsedColumn(),
                      TimeRemainingColumn(), console=err, transient=False) as bar:
            task = bar.add_task(f"sweep {Path(scenario).stem}", total=n, rate="")
            first: list[tuple[float, float]] = []  # (time, samples) when the first chunk came back

            def progress(k: int) -> None:
                bar.advance(task, k)
                done = bar.tasks[0].completed
                if not first:
                    first.append((time.perf_counter(), done))
                    return
                dt = time.perf_counter() - first[0][0]
                if dt > 0:
                    bar.update(task, rate=f"{(done - first[0][1]) / dt:,.0f} samples/s")

            res = run_sweep(scenario, n=n, seed=seed, workers=workers, scheduler=scheduler,
                            verify=verify, uncertainty=unc, options=options, progress=progress,
                            checkpoint=checkpoint or True, resume=resume)
        _print(console, res, top)
        if out:
            res.write(out)
            console.print(f"[dim]tables written to {out}/ (summary.csv, sectors.csv, samples.csv, "
                          "events.csv, sweep.json)[/dim]")
        if not no_store:
            msg = record(res, store, options)
            if msg:
                console.print(f"[dim]{msg}[/dim]")


def _read_uncertainty(path: Path) -> dict:
    from rareflow.errors import Problem, ScenarioError
    from rareflow.scenario.loader import read_yaml

    data = read_yaml(Path(path))
    block = data.get("uncertainty", data)
    if not isinstance(block, dict):
        raise ScenarioError([Problem("uncertainty", "expected a mapping with 'events:'",
                                     "write 'uncertainty: {events: [...]}'", str(path))])
    from pydantic import ValidationError

    from rareflow.scenario.uncertainty import Uncertainty
    from rareflow.scenario.validate import pydantic_problems

    try:
        return Uncertainty.model_validate(block)
    except ValidationError as e:
        raise ScenarioError([Problem(f"uncertainty.{p.path}".rstrip("."), p.message, p.fix,
                                     str(path)) for p, _ in pydantic_problems(e, Uncertainty)]) \
            from None


def _fmt(v: float, unit: str = "") -> str:
    return f"{v:,.1f}{unit}" if abs(v) >= 0.05 or v == 0 else f"{v:.2g}{unit}"


def _print(console, res, top: int) -> None:
    from rich.table import Table

    from rareflow.analyze import words  # one share format and definition with run/explain
    from rareflow.analyze.words import span

    m = res.meta()
    where = {"inline": "this process", "processes": f"{res.workers} processes",
             "dask": "a Dask cluster", "checkpoint": "an earlier, interrupted run"}[res.runner]
    if res.resumed:
        console.print(f"[dim]resumed: {res.resumed:,} of {res.n:,} samples came from the "
                      "interrupted sweep's checkpoint[/dim]")
    if res.rejected_chunks:
        console.print(f"[yellow]{res.rejected_note}[/yellow]", highlight=False)
    methods = ", ".join(f"{v} {k}" for k, v in res.methods.items())
    console.print(
        f"[bold]{res.scenario}[/bold]: {res.n:,} futures (seed {res.seed}) solved on {where} in "
        f"{res.seconds['solve']:.2f} s ({res.samples_per_second:,.0f} samples/s; "
        f"{res.seconds['total']:.2f} s with loading); {methods}; {res.verified} checked against "
        f"cold solves (largest relative difference {res.max_verify_rel_diff:.1e})")
    console.print(f"Note: {m['events_are']}.")
    if res.failed:
        first = next(iter(res.failed.items()))
        console.print(f"[yellow]{len(res.failed):,} of {res.n:,} samples could not be solved and are "
                      f"left out of the statistics below (first: sample {first[0]}, {first[1]}); "
                      "narrow those events' start/end or severity[/yellow]")
    console.print(f"Probability of any shortfall: {m['p_any_shortfall']:.1%}; expected unserved "
                  f"demand {m['expected_unserved_total_t']:,.1f} t over the horizon "
                  f"({m['base_unserved_total_t']:,.1f} t without disruptions).")
    s = res.summary
    periods = list(res.model.periods.labels) if getattr(res, "model", None) is not None else []
    horizon = span(periods) if periods else "the horizon"
    hit = s[s["p_shortfall"] > 0].sort_values(["expected_extra_t", "expected_unserved_t"],
                                              ascending=False)
    if len(hit):
        t = Table(title=f"Shortfall risk by region × sector × commodity (t in {horizon}; "
                  "P(worse) = chance of more than without disruptions; share = expected unserved "
                  f"of that region's sector demand for the commodity in {horizon})")
        for c, j in (("region", "left"), ("sector", "left"), ("commodity", "left"),
                     ("P(short)", "right"), ("P(worse)", "right"), ("expected", "right"),
                     ("vs base", "right"), ("CVaR-95", "right"), ("share", "right"),
                     ("periods short", "right")):
            t.add_column(c, justify=j, overflow="fold")
        for row in hit.head(top).itertuples():
            t.add_row(row.region, row.sector, row.commodity, f"{row.p_shortfall:.1%}",
                      f"{row.p_worse_than_base:.1%}", _fmt(row.expected_unserved_t),
                      f"{row.expected_extra_t:+,.1f}", _fmt(row.cvar95_t),
                      words.share(row.expected_unserved_t, row.demand_t),
                      f"{row.expected_periods_short:.2f}")
        console.print(t)
        if len(hit) > top:
            console.print(f"[dim]… {len(hit) - top} more rows in summary.csv (--out)[/dim]")
    else:
        console.print("[green]No region or sector ran short in any sampled future.[/green]")
    sec = res.sectors
    t = Table(title=f"By sector and commodity, all regions (share = expected unserved of the "
              f"sector's demand for the commodity in {horizon})")
    for c in ("sector", "commodity", "P(short)", "expected t", "CVaR-95 t", "share"):
        t.add_column(c, justify="left" if c in ("sector", "commodity") else "right")
    for row in sec.itertuples():
        t.add_row(row.sector, row.commodity, f"{row.p_shortfall:.1%}", _fmt(row.expected_unserved_t),
                  _fmt(row.cvar95_t), words.share(row.expected_unserved_t, row.demand_t))
    console.print(t)
    ev = res.events
    if len(ev):
        t = Table(title="Events: how often they struck, expected unserved t with and without")
        for c in ("event", "P(occurs)", "with", "without"):
            t.add_column(c, justify="left" if c == "event" else "right")
        for row in ev.itertuples():
            w, wo = row.expected_unserved_t_when_occurs, row.expected_unserved_t_otherwise
            t.add_row(row.event, f"{row.p_occurs:.1%}", "–" if w != w else _fmt(w),
                      "–" if wo != wo else _fmt(wo))
        console.print(t)


def _as_result(res):
    """A sweep as a run of the store: its tables and summary, no LP and no sentences."""
    from rareflow.results.result import Results

    t = dict(res.tables())
    s = t["sweep_samples"]
    t["sweep_samples"] = s[[c for c in s.columns if not c.startswith("event:")]]
    meta = res.meta()
    summary = {**meta, "unserved_total_t": meta["expected_unserved_total_t"],
               "build_seconds": res.model.build_seconds,
               "solve_seconds": res.seconds.get("solve", 0.0),
               "iterations": int(res.samples["iterations"].sum())}
    return Results.from_tables(res.model.scenario, t, summary, status="sweep",
                               objective=float(res.samples["objective"].mean()))


def record(res, store: Path | None, options: dict | None) -> str | None:
    """Record the sweep in the run store when the store exists; a message to show, or None."""
    try:
        from rareflow.store import RunStore, StoreError, default_path
    except ImportError:
        return None
    try:
        st = RunStore(store or default_path())
        run_id = st.record(_as_result(res), options={"sweep": {"n": res.n, "seed": res.seed},
                                                      **(options or {})},
                           origin="sweep", total_seconds=res.seconds.get("total"), metrics=False)
    except StoreError as e:
        return f"the sweep was not recorded: {e}"
    return f"recorded as run #{run_id} in {st.path}"
