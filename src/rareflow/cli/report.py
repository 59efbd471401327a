"""`rareflow report`: solve a scenario (and a base) and write the self-contained HTML report."""

from __future__ import annotations

import re
from pathlib import Path

import typer
from rich.console import Console

from rareflow.cli.options import NoStoreOption, ReuseOption, StoreOption, open_store

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
_RUN = re.compile(r"^run:(\d+)$")


def _obtain(name: str, store, reuse: bool):
    """A solved run: `run:ID` from the store, else a scenario solved (and recorded)."""
    from rareflow import load
    from rareflow.errors import RareflowError
    from rareflow.store import solve_and_record

    m = _RUN.match(name)
    if m:
        if store is None:
            raise RareflowError(f"'{name}' names a stored run; drop --no-store")
        return store.get(int(m.group(1))), int(m.group(1)), True
    done = solve_and_record(load(name), {}, store, reuse=reuse, origin="report")
    if done.warning:
        err.print(f"[yellow]warning:[/yellow] {done.warning}", highlight=False)
    return done.results, done.run_id, done.reused


def register(app: typer.Typer) -> None:
    @app.command()
    def report(
        scenario: str = typer.Argument(..., help="built-in scenario name, YAML path, or run:ID "
                                       "(a stored run)"),
        vs: str = typer.Option(None, "--vs", help="base to compare with (name, path or run:ID)"),
        out: Path = typer.Option(Path("report.html"), "--out", "-o", help="the HTML file to write"),
        region: str = typer.Option(None, "--region", "-r", help="the Sankey's region, or 'all' "
                                   "(default: where unserved demand changes most)"),
        period: str = typer.Option(None, "--period", "-p", help="period the Sankey opens on "
                                   "(default: where the shortfall, or its change, is largest)"),
        store: StoreOption = None,
        no_store: NoStoreOption = False,
        reuse: ReuseOption = False,
    ) -> None:
        """Write one self-contained HTML report (opens offline): Sankey of the chain, shortfall
        and price time series, supplier shares, the comparison with --vs, explanations, sources."""
        from rareflow.report.html import write_report
        st = open_store(store, no_store, reuse)
        results, rid, reused = _obtain(scenario, st, reuse)
        base = None
        if vs:
            base, bid, _ = _obtain(vs, st, reuse)
        path = write_report(results, out, base=base, region=region, period=period)
        size = path.stat().st_size / 1e6
        what = f"run #{rid}" if rid else "this run"
        console.print(f"report written to {path} ({size:.1f} MB, opens offline); "
                      f"{what}{' (reused)' if reused else ''}"
                      + (f" compared with {vs}" if vs else ""))
