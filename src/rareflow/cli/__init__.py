"""The `rareflow` command: run, validate and list scenarios.

Errors on input are printed as lists of problems (file, path, fix) with exit code 1; a
traceback reaches the user only with --debug.
"""

from __future__ import annotations

import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from rareflow.cli.options import solver_options as _options
from rareflow.errors import RareflowError, ScenarioError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="rareflow: rare-earth supply chains as a linear program.")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@app.command()
def run(
    scenario: str = typer.Argument(..., help="built-in scenario name or path to a YAML file"),
    out: Path = typer.Option(None, "--out", "-o", help="directory for the CSV/JSON results "
                             "(default: rareflow-out/<scenario>)"),
    solver_option: list[str] = typer.Option([], "--solver-option", help="HiGHS option KEY=VALUE"),
    top: int = typer.Option(10, help="how many trade links to show"),
    report: bool = typer.Option(False, "--report", help="also write report.html beside the CSVs"),
    store: Path = typer.Option(None, "--store", help="record the run in this DuckDB file "
                               "(default: $RAREFLOW_STORE or ~/.rareflow/runs.duckdb)"),
    no_store: bool = typer.Option(False, "--no-store", help="do not record the run"),
    reuse: bool = typer.Option(False, "--reuse", help="reuse the stored result of an identical "
                               "scenario (same hash, options and version) instead of solving"),
) -> None:
    """Solve a scenario, print a summary and write its result tables."""
    from rareflow import load
    from rareflow.results.tables import write_results
    from rareflow.store import RunStore, default_path, solve_and_record

    if reuse and no_store:
        raise RareflowError("--reuse needs the run store; drop --no-store")
    model = load(scenario)
    st = None if no_store else RunStore(store or default_path())
    done = solve_and_record(model, _options(solver_option), st, reuse=reuse, origin="cli")
    results = done.results
    out = out or Path("rareflow-out") / model.name
    extra = {}
    if report:
        from rareflow.report import build_report

        extra["report.html"] = build_report(results)
    write_results(results, out, extra=extra)
    _print_summary(results, top, scenario)
    if done.warning:
        err.print(f"[yellow]warning:[/yellow] {done.warning}", highlight=False)
    if done.reused:
        console.print(f"[dim]reused stored run #{done.run_id} (identical scenario) from "
                      f"{st.path}[/dim]")
    elif done.run_id is not None:
        console.print(f"[dim]recorded as run #{done.run_id} in {st.path}[/dim]")
    console.print(f"[dim]results written to {out}/ (summary.json, *.csv"
                  f"{', report.html' if report else ''})[/dim]")


def _print_summary(r, top: int, ref: str | None = None) -> None:
    s = r.summary()
    console.print(f"[bold]{s['scenario']}[/bold]: {s['status']}, objective "
                  f"{s['objective']:,.0f} {s['currency']}; {s['variables']:,} variables, "
                  f"{s['constraints']:,} constraints; built in {s['build_seconds']:.3f} s, "
                  f"solved in {s['solve_seconds']:.3f} s; mass balance within "
                  f"{s['max_balance_residual_t']:.1e} t")
    _print_unserved(r)
    # a run reused from the store tells the sentences it was stored with (it has no LP)
    for line in r.build_plan():
        console.print(f"▸ {line}", highlight=False, markup=False)
    for line in r.target_report():
        console.print(f"◎ {line}", highlight=False, markup=False)
    for line in r.section("home_supply") + r.section("tolling"):
        console.print(f"⌂ {line}", highlight=False, markup=False)
    if r.unserved["amount"].gt(0).any():
        from rareflow.analyze.explain import shown_causes

        causes = shown_causes(r, 3)  # only the shortfalls shown are traced (issue 17)
        for line in causes:
            console.print(f"• {line}", highlight=False, markup=False)
        console.print(f"[dim]why, in full: rareflow explain {ref or r.name}[/dim]",
                      highlight=False)
    _print_links(r, top)


def _print_unserved(r) -> None:
    """Shortfalls, one row per region × sector × commodity: when, how much at the peak, in all,
    and as a share of what was asked (narrow enough for an 80-column terminal)."""
    from rareflow.analyze import words

    un = r.unserved
    short = un[un["amount"] > 0]
    if not len(short):
        console.print("[green]All demand is served.[/green]")
        return
    order = {p: k for k, p in enumerate(r.periods)}
    keys = ["region", "sector", "commodity"]
    asked = un.groupby(keys)["requested"].sum()
    t = Table(title="Unserved demand (t)")
    for c in (*keys, "periods", "peak", "total", "share"):
        t.add_column(c, justify="right" if c in ("peak", "total", "share") else "left")
    rows = []
    for key, g in short.groupby(keys):
        g = g.sort_values("period", key=lambda s: s.map(order))
        pers = list(g["period"])
        span = words.span(pers)
        if len(pers) > 1 and order[pers[-1]] - order[pers[0]] + 1 != len(pers):
            span += f" ({len(pers)})"
        peak = g.loc[g["amount"].idxmax()]
        total = g["amount"].sum()
        rows.append((total, key, span, f"{peak['amount']:,.0f} ({peak['period']})",
                     f"{total:,.0f}", f"{total / asked[key]:.0%}" if asked[key] > 0 else ""))
    for _total, key, *cells in sorted(rows, key=lambda x: -x[0]):
        t.add_row(*key, *cells)
    console.print(t)


def _print_links(r, top: int) -> None:
    """The largest trade links over the horizon, with their first and last period."""
    fl = r.flows
    fl = fl[fl["amount"] > 0]
    if not len(fl):
        return
    order = r.periods
    first, last = order[0], order[-1]
    g = fl.groupby(["origin", "destination", "commodity"])
    links = g["amount"].sum().rename("total").to_frame()
    by_period = fl.pivot_table(index=["origin", "destination", "commodity"], columns="period",
                               values="amount", aggfunc="sum", fill_value=0.0)
    links[first] = by_period.get(first, 0.0)
    links[last] = by_period.get(last, 0.0)
    links = links.sort_values("total", ascending=False).head(top)
    span = first if first == last else f"{first}–{last}"
    t = Table(title=f"Top {len(links)} trade links (t)")
    for c in ("origin", "destination", "commodity"):
        t.add_column(c)
    for c in dict.fromkeys([first, last]):
        t.add_column(c, justify="right")
    t.add_column(f"total {span}", justify="right")
    for idx, row in links.iterrows():
        vals = [row[first]] + ([row[last]] if last != first else []) + [row["total"]]
        t.add_row(*idx, *(f"{v:,.0f}" for v in vals))
    console.print(t)


@app.command()
def explain(
    scenario: str = typer.Argument(..., help="built-in scenario name or path to a YAML file"),
    region: str = typer.Option(None, "--region", "-r", help="only shortfalls in this region"),
    period: str = typer.Option(None, "--period", "-p", help="only this period"),
    out: Path = typer.Option(None, "--out", "-o", help="write explain.csv and causes.csv here"),
    top: int = typer.Option(15, help="rows of the binding-constraint table to show"),
    vs: str = typer.Option(None, "--vs", help="also say what changes against this scenario "
                           "(default: the one the scenario extends; 'none' to skip)"),
) -> None:
    """Why each sector runs short and what each binding policy costs, ranked by what relaxing
    it by one unit saves; what changes against the base scenario."""
    from rareflow import load
    from rareflow.results.tables import write_set

    model = load(scenario)
    r = model.solve()
    console.print(f"[bold]{r.name}[/bold]: {r.status}, objective {r.objective:,.0f} "
                  f"{r.currency}")
    for s in r.explain(region, period):
        console.print(f"• {s}", highlight=False, markup=False)
    base = _base_of(model, vs)
    if base is not None:
        c = r.compare(base.solve())
        head = c.sentences[:4] if not region else \
            [x for x in c.sentences if x.startswith(f"{region}")][:4]
        delta = r.objective - c.base_objective if c.base_objective is not None else None
        more = f" (total cost {delta:+,.0f} {r.currency})" if delta is not None else ""
        console.print(f"[bold]Against {base.name}[/bold]{more}:")
        for s in head or ["nothing changes in the flows, shortfalls or output."]:
            console.print(f"  ↳ {s}", highlight=False, markup=False)
    for s in r.build_plan():
        console.print(f"▸ {s}", highlight=False, markup=False)
    for s in r.target_report():
        console.print(f"◎ {s}", highlight=False, markup=False)
    tab = r.explain_table()
    if region:
        tab = tab[tab["affected"].str.contains(f"{region}/") | tab["constraint"].str.contains(region)]
    if len(tab):
        tab = tab.assign(rank_value=tab["saves"].fillna(tab["dual"].abs())) \
            .sort_values("rank_value", ascending=False, kind="stable")
        t = Table(title="Binding constraints, ranked by what relaxing each by one unit saves "
                  f"({r.currency})")
        for c in ("constraint", "period", "saving", "affected shortfalls"):
            t.add_column(c, justify="right" if c == "saving" else "left", overflow="fold")
        for row in tab.head(top).itertuples():
            t.add_row(row.constraint, row.period, f"{row.rank_value:,.2f}", row.affected[:80])
        console.print(t)
    if out:
        write_set(out, {"explain.csv": tab.to_csv(index=False),
                        "causes.csv": r.shortfall_causes().to_csv(index=False)})


def _base_of(model, vs: str | None):
    """The model to compare with: --vs, else the scenario it extends; None to skip."""
    from rareflow import load

    if vs:
        return None if vs.lower() == "none" else load(vs)
    files = [f for f in model.files if Path(f).is_file()]
    return load(files[-2]) if len(files) >= 2 else None  # the `extends` chain, base first


@app.command()
def validate(files: list[Path] = typer.Argument(..., help="scenario files to check")) -> None:
    """Check scenario files; print every problem at once; exit 1 if any."""
    from rareflow.scenario.loader import load_scenario

    bad = 0
    for f in files:
        try:
            scn, _ = load_scenario(f)
        except ScenarioError as e:
            bad += 1
            err.print(f"[red]✗ {f}[/red]: {len(e.problems)} problem(s)")
            for p in e.problems:
                err.print(f"  - {p}", markup=False, highlight=False)
            continue
        console.print(f"[green]✓ {f}[/green]: valid ({scn.name})")
    if bad:
        raise typer.Exit(1)


@app.command()
def scenarios() -> None:
    """List the built-in scenarios."""
    import yaml

    from rareflow.scenario.loader import builtin_dir, builtin_names

    t = Table(title="Built-in scenarios")
    t.add_column("name")
    t.add_column("extends")
    t.add_column("description")
    for name in builtin_names():
        data = yaml.safe_load((builtin_dir() / f"{name}.yaml").read_text()) or {}
        t.add_row(name, str(data.get("extends") or ""), str(data.get("description", "")))
    console.print(t)


def _register_area_commands() -> None:
    """Each area's commands live in their own module of this package (`cli/sweep.py`, …)
    with `register(app)`; heavy imports happen inside the commands, so start-up stays cheap."""
    from rareflow.cli import analyze, backtest, report, store, sweep, web

    for area in (analyze, sweep, report, store, web, backtest):
        area.register(app)


_register_area_commands()


def main() -> None:
    debug = "--debug" in sys.argv or os.environ.get("RAREFLOW_DEBUG")
    if "--debug" in sys.argv:
        sys.argv.remove("--debug")
    try:
        app()
    except RareflowError as e:
        err.print(f"[red]error:[/red] {e}", highlight=False)
        sys.exit(1)
    except KeyboardInterrupt:
        err.print("[yellow]interrupted[/yellow]")
        sys.exit(130)
    except Exception as e:  # an internal bug: say so plainly, keep the traceback for --debug
        if debug:
            raise
        err.print(f"[red]internal error:[/red] {type(e).__name__}: {e}\n"
                  "This is a bug in rareflow; rerun with --debug for the traceback and report it.")
        sys.exit(2)


if __name__ == "__main__":
    main()
