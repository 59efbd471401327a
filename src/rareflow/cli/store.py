"""`rareflow runs`: list, show and query the runs recorded in the DuckDB store."""

from __future__ import annotations

from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from rareflow.cli.options import StoreOption

console = Console(soft_wrap=True)



def _store(path: Path | None):
    from rareflow.store.db import RunStore

    return RunStore(path)


def _frame_table(df, title: str | None = None, digits: int = 1, keep: tuple = ()) -> Table:
    t = Table(title=title)
    num = [c for c in df.columns if df[c].dtype.kind in "fi"]
    for c in df.columns:
        width = max([len(str(c)), *(len(str(v)) for v in df[c])]) if c in keep else None
        t.add_column(str(c), justify="right" if c in num else "left", no_wrap=c in keep,
                     min_width=width)
    for row in df.itertuples(index=False):
        cells = []
        for c, v in zip(df.columns, row, strict=True):
            if c in num and v == v and v is not None:
                cells.append(f"{v:,.{digits}f}" if df[c].dtype.kind == "f" else f"{v:,}")
            else:
                cells.append("" if v is None else str(v))
        t.add_row(*cells)
    return t


def register(app: typer.Typer) -> None:
    runs = typer.Typer(help="The runs recorded in the DuckDB run store: list, show, SQL.",
                       no_args_is_help=False, invoke_without_command=True)

    @runs.callback()
    def _list(ctx: typer.Context,
              store: StoreOption = None,
              limit: int = typer.Option(30, "--limit", "-n", help="how many runs to list"),
              scenario: str = typer.Option(None, "--scenario", help="only runs of this scenario")
              ) -> None:
        """List the recorded runs, newest first (`rareflow runs show ID` for one)."""
        import pandas as pd

        ctx.obj = {"store": store}
        if ctx.invoked_subcommand is not None:
            return
        st = _store(store)
        df = st.list(limit=limit, scenario=scenario)
        if df.empty:
            console.print(f"No runs recorded in {st.path} yet. `rareflow run SCENARIO` records one.")
            return
        df = pd.DataFrame({
            "id": df["id"], "created (UTC)": df["created"].astype(str).str.slice(0, 16),
            "scenario": df["name"],  # with the levers or overrides it was run with
            "status": df["status"],
            "unserved t": df["unserved_total"].map(lambda v: f"{v:,.0f}"),
            "objective M": (df["objective"] / 1e6).map(lambda v: f"{v:,.1f}"),
            "from": df["origin"]})
        # ids, dates and figures keep whole; a scenario's name with long levers may fold
        long = df["scenario"].astype(str).str.len().max() > 30
        keep = tuple(c for c in df.columns if not (long and c == "scenario"))
        t = _frame_table(df, title=f"Runs in {st.path} (newest first)", keep=keep)
        console.print(t)

    @runs.command("show")
    def show(ctx: typer.Context, run_id: int = typer.Argument(..., help="run id (from `rareflow runs`)"),
             store: StoreOption = None,
             out: Path = typer.Option(None, "--out", "-o", help="also write its tables as CSV here"),
             report: Path = typer.Option(None, "--report", help="also write an HTML report here"),
             top: int = typer.Option(10, help="how many flows to show")) -> None:
        """One run: its scenario, hash, status, timings, shortfalls and top flows."""
        st = _store(store or (ctx.obj or {}).get("store"))
        run = st.get(run_id)
        r = run.row
        console.print(f"[bold]run #{run.run_id}[/bold] {r['scenario']} ({r['created']:%Y-%m-%d %H:%M:%S} "
                      f"UTC, from {r['origin']})")
        console.print(f"  {r['description'] or ''}", highlight=False)
        console.print(f"  hash {r['hash']}")
        console.print(f"  status {r['status']}, objective {r['objective']:,.0f} {r['currency']}; "
                      f"unserved {r['unserved_total']:,.1f} t")
        console.print(f"  built in {r['build_seconds'] or 0:.3f} s, solved in "
                      f"{r['solve_seconds'] or 0:.3f} s; rareflow {r['rareflow_version']}")
        if r.get("overrides") and r["overrides"] != "null":
            console.print(_folded_overrides(r["overrides"], run.run_id), highlight=False, markup=False)
        for s in run.explanation():
            console.print(f"  • {s}", highlight=False)
        un = run.unserved
        if len(un):
            un = un[un["amount"] > 0]
            if len(un):
                console.print(_frame_table(un[["region", "sector", "commodity", "period",
                                               "requested", "amount"]],
                                           title="Unserved demand (t)"))
        fl = run.flows
        if len(fl):
            fl = fl[fl["amount"] > 0].sort_values("amount", ascending=False).head(top)
            if len(fl):
                console.print(_frame_table(fl[["origin", "destination", "commodity", "period",
                                               "amount"]], title=f"Top {len(fl)} flows (t)"))
        if out:
            from rareflow.results.tables import write_results

            write_results(run, out)
            console.print(f"[dim]tables written to {out}/[/dim]")
        if report:
            from rareflow.report import write_report

            write_report(run, report)
            console.print(f"[dim]report written to {report}[/dim]")

    @runs.command("sql")
    def sql(ctx: typer.Context,
            query: str = typer.Argument(..., help="a SELECT over runs, flows, unserved, prices, …"),
            store: StoreOption = None,
            csv: bool = typer.Option(False, "--csv", help="print CSV instead of a table")) -> None:
        """Query the store with SQL (read-only), e.g.
        rareflow runs sql "SELECT run_id, sum(amount) FROM unserved GROUP BY run_id"."""
        st = _store(store or (ctx.obj or {}).get("store"))
        df = st.sql(query)
        if csv:
            typer.echo(df.to_csv(index=False), nl=False)
        else:
            console.print(_frame_table(df, digits=3))

    @runs.command("delete")
    def delete(ctx: typer.Context, run_id: int = typer.Argument(...),
               store: StoreOption = None) -> None:
        """Delete one run and its tables."""
        st = _store(store or (ctx.obj or {}).get("store"))
        if not st.delete(run_id):
            from rareflow.store.db import StoreError

            raise StoreError(f"no run {run_id} in {st.path}")
        console.print(f"run #{run_id} deleted")

    app.add_typer(runs, name="runs")


def _folded_overrides(raw: str, run_id: int | str = "…", limit: int = 40) -> str:
    """A run's overrides as indented YAML (one key a line) rather than one long JSON line; a
    long one is cut after `limit` lines, saying how much is left and how to read it in full."""
    import json

    import yaml

    try:
        text = yaml.safe_dump(json.loads(raw), sort_keys=False, width=96, allow_unicode=True)
    except (ValueError, TypeError):
        text = str(raw)
    lines = text.rstrip().splitlines()
    if len(lines) > limit:
        rest = "\n".join(lines[limit:])
        lines = lines[:limit] + [
            f"… {len(lines) - limit:,} more lines ({len(rest):,} more characters); in full:",
            f"  rareflow runs sql \"SELECT overrides FROM runs WHERE run_id = {run_id}\""]
    return "  overrides:\n" + "\n".join("    " + line for line in lines)
