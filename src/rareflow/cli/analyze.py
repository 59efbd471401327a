"""`rareflow compare A B`: what changed, region by region."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console(soft_wrap=True)


def _table(title: str, df, cols: list[str], limit: int) -> Table:
    t = Table(title=title)
    for c in cols:
        t.add_column(c, justify="right" if df[c].dtype.kind in "fi" else "left")
    for row in df.head(limit).itertuples(index=False):
        d = row._asdict()
        t.add_row(*[f"{d[c]:,.1f}" if isinstance(d[c], float) else str(d[c]) for c in cols])
    return t


def register(app: typer.Typer) -> None:
    @app.command()
    def compare(
        base: str = typer.Argument(..., help="the reference scenario (name or file)"),
        scenario: str = typer.Argument(..., help="the scenario to compare against it"),
        out: Path = typer.Option(None, "--out", "-o", help="directory for the comparison CSVs"),
        limit: int = typer.Option(15, help="rows per table"),
    ) -> None:
        """Compare two scenarios: unserved by sector, flows that appeared or vanished, prices."""
        from rareflow import load
        from rareflow.results.tables import write_set

        ra, rb = load(base).solve(), load(scenario).solve()
        c = rb.compare(ra)
        console.print(f"[bold]{c.scenario_name}[/bold] against [bold]{c.base_name}[/bold]: "
                      f"objective {ra.objective:,.0f} → {rb.objective:,.0f} "
                      f"{ra.currency}")
        for s in c.sentences:
            console.print(f"• {s}", markup=False, highlight=False)
        if len(c.unserved):
            console.print(_table("Unserved demand (t)", c.unserved.sort_values(
                "change", key=abs, ascending=False),
                ["region", "sector", "commodity", "period", "base", "scenario", "change"], limit))
        else:
            console.print("[green]Unserved demand is unchanged.[/green]")
        if len(c.flows):
            console.print(_table("Flows that changed (t)", c.flows.sort_values(
                "change", key=abs, ascending=False),
                ["origin", "destination", "commodity", "period", "base", "scenario", "change",
                 "status"], limit))
        if len(c.prices):
            console.print(_table("Scarcity prices that changed (per t)", c.prices.sort_values(
                "change", key=abs, ascending=False),
                ["region", "commodity", "period", "base", "scenario", "change"], limit))
        if out:
            texts = {f"{k}.csv": v.to_csv(index=False) for k, v in c.tables().items()}
            texts["summary.json"] = json.dumps({"base": c.base_name, "scenario": c.scenario_name,
                                                "base_objective": ra.objective,
                                                "scenario_objective": rb.objective,
                                                "sentences": c.sentences}, indent=2)
            write_set(out, texts)
            console.print(f"[dim]comparison written to {out}/[/dim]")
