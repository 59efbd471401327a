"""`rareflow compare A B`: what changed, region by region."""

from __future__ import annotations

import json
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

console = Console(soft_wrap=True)


# narrow headers and status words so a flows table fits 80 columns without cutting an id
HEADS = {"period": "periods", "origin": "from", "destination": "to", "status": "flow"}
STATUS = {"appeared": "new", "vanished": "gone", "changed": ""}


def _num(v: float) -> str:
    """Tonnes and prices to the unit from 10 up, one decimal below (a change of 0.4 t shows)."""
    return f"{v:,.0f}" if abs(v) >= 10 or v == 0 else f"{v:,.1f}"


def _table(title: str, df, cols: list[str], limit: int, periods) -> Table:
    """Rows of a comparison in period order, with runs of consecutive periods that carry the
    same numbers folded into one row ('2026–2035'); groups with the largest change first."""
    from rareflow.analyze import words

    keys = [c for c in cols if c != "period" and df[c].dtype.kind not in "fi"]
    nums = [c for c in cols if df[c].dtype.kind in "fi"]
    order = {p: k for k, p in enumerate(periods)}
    df = df.assign(korder=df["period"].map(lambda p: order.get(p, len(order))))
    groups = sorted(df.groupby(keys, sort=False),
                    key=lambda kv: -kv[1]["change"].abs().sum())
    t = Table(title=title)
    for c in cols:  # ids, spans and numbers never cut; only the status word may fold
        t.add_column(HEADS.get(c, c), justify="right" if c in nums else "left",
                     no_wrap=c != "status", overflow="fold")
    n = 0
    for key, g in groups:
        g = g.sort_values("korder")
        runs: list[list] = []
        for row in g.itertuples(index=False):
            d = row._asdict()
            vals = tuple(round(float(d[c]), 1) for c in nums)
            if runs and runs[-1][2] == vals and d["korder"] == runs[-1][3] + 1:
                runs[-1][1], runs[-1][3] = d["period"], d["korder"]
            else:
                runs.append([d["period"], d["period"], vals, d["korder"]])
        key = key if isinstance(key, tuple) else (key,)
        for first, last, vals, _k in runs:
            if n >= limit:
                return t
            cells = dict(zip(keys, map(str, key), strict=True))
            cells["period"] = words.span([first, last]) if first != last else first
            cells.update({c: _num(v) for c, v in zip(nums, vals, strict=True)})
            if "status" in cells:
                cells["status"] = STATUS.get(cells["status"], cells["status"])
            t.add_row(*[cells[c] for c in cols])
            n += 1
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
        from rareflow.results.tables import check_out, write_set

        if out:
            check_out(out)  # a refused folder costs no solve
        ra, rb = load(base).solve(), load(scenario).solve()
        c = rb.compare(ra)
        from rareflow.cli import _money_change

        console.print(f"[bold]{c.scenario_name}[/bold] against [bold]{c.base_name}[/bold]: "
                      f"{_money_change(rb, ra)}.", highlight=False)
        for s in c.sentences:
            console.print(f"• {s}", markup=False, highlight=False)
        if len(c.unserved):
            console.print(_table("Unserved demand (t)", c.unserved.sort_values(
                "change", key=abs, ascending=False),
                ["region", "sector", "commodity", "period", "base", "scenario", "change"], limit, rb.periods))
        else:
            console.print("[green]Unserved demand is unchanged.[/green]")
        if len(c.flows):
            console.print(_table("Flows that changed (t)", c.flows.sort_values(
                "change", key=abs, ascending=False),
                ["origin", "destination", "commodity", "period", "base", "scenario", "change",
                 "status"], limit, rb.periods))
        if len(c.prices):
            console.print(_table("Scarcity prices that changed (per t)", c.prices.sort_values(
                "change", key=abs, ascending=False),
                ["region", "commodity", "period", "base", "scenario", "change"], limit, rb.periods))
        if out:
            texts = {f"{k}.csv": v.to_csv(index=False) for k, v in c.tables().items()}
            texts["summary.json"] = json.dumps({"base": c.base_name, "scenario": c.scenario_name,
                                                "base_objective": ra.objective,
                                                "scenario_objective": rb.objective,
                                                "sentences": c.sentences}, indent=2)
            write_set(out, texts, "rareflow compare")
            console.print(f"[dim]comparison written to {out}/[/dim]")
