"""`rareflow backtest [SCENARIO]`: the observed series against the model, worst first.

A measuring instrument, not a test: it exits 0 whatever the errors, so that it can be run on
any scenario while its data are being calibrated. Bad observation files are input errors
(exit 1, file, row and fix).
"""

from __future__ import annotations

import json
import math
import re
from pathlib import Path

import typer
from rich import box
from rich.console import Console
from rich.markup import escape
from rich.table import Table

from rareflow.cli.options import NoStoreOption, ReuseOption, StoreOption, open_store

console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)
DEFAULT_SCENARIO = "china-controls-2025"
_DATE = re.compile(r" \([^)]*\)")  # the terminal shows publications without dates


def _html(fig: dict, title: str) -> str:
    """A self-contained page (plotly.js inlined) that opens offline. The figure is already the
    dict Plotly's objects make (analyze.backtest.figure), so it is not validated again."""
    import plotly.io as pio

    return pio.to_html(fig, include_plotlyjs=True, full_html=True, validate=False,
                       config={"displaylogo": False}, default_width="100%") \
        .replace("<head>", f"<head><title>{title}</title>", 1)


def _jsonable(v):
    return None if isinstance(v, float) and math.isnan(v) else v


def register(app: typer.Typer) -> None:
    @app.command()
    def backtest(
        scenario: str = typer.Argument(DEFAULT_SCENARIO, help="built-in scenario name or path "
                                       "to a YAML file"),
        out: Path = typer.Option(None, "--out", "-o", help="directory for backtest.csv and "
                                 "backtest.html (default: rareflow-out/<scenario>)"),
        as_json: bool = typer.Option(False, "--json", help="print the table as JSON instead"),
        observed: Path = typer.Option(None, "--observed", help="a CSV file or directory of "
                                      "observed series (default: the ones shipped with rareflow)"),
        store: StoreOption = None,
        no_store: NoStoreOption = False,
        reuse: ReuseOption = False,
    ) -> None:
        """Compare the scenario's figures with what was observed (China's magnet exports by
        month, prices, mine output, Japan's import share): observed, model, error %, worst
        first; writes backtest.csv and an offline chart backtest.html. Exits 0 whatever the
        errors."""
        from rareflow import load
        from rareflow.analyze.backtest import figure as bt_figure
        from rareflow.analyze.backtest import (
            fmt,
            fmt_error,
            left_out_line,
            medians_line,
            run_backtest,
        )
        from rareflow.analyze.observations import load_observations
        from rareflow.results.tables import check_out, default_out, write_set
        from rareflow.store import solve_and_record

        st = open_store(store, no_store, reuse)
        obs = load_observations(observed)  # bad files fail before the solve
        model = load(scenario)
        # the run's result folder: the back-test's files join its set (a later `run` keeps
        # them); a folder holding files rareflow did not write is refused before the solve
        out = out or default_out(model.name)
        check_out(out)
        done = solve_and_record(model, {}, st, reuse=reuse, origin="backtest")
        if done.warning:
            err.print(f"[yellow]warning:[/yellow] {done.warning}", highlight=False)
        bt = run_backtest(done.results, obs)
        title = f"Back-test of {model.name}: observed against the model"
        write_set(out, {"backtest.csv": bt.table.to_csv(index=False),
                        "backtest.html": _html(bt_figure(bt, title), title)}, "rareflow backtest")
        say = err if as_json else console
        if as_json:
            rows = [{k: _jsonable(v) for k, v in r.items()} for r in bt.table.to_dict("records")]
            print(json.dumps({"scenario": model.name, "rows": rows, "left_out": bt.left_out,
                              "median_abs_error_pct": bt.medians()}, indent=2))
        else:
            t = Table(title=f"Back-test of {model.name}: observed vs model, worst first",
                      box=box.SIMPLE_HEAD, pad_edge=False)
            for c in ("series", "period", "observed", "model", "error", "unit", "source"):
                t.add_column(c, justify="right" if c in ("observed", "model", "error") else "left",
                             overflow="fold", no_wrap=c in ("observed", "model", "error"))
            for r in bt.table.itertuples():
                colour = "red" if abs(r.error_pct) > 35 else ("yellow" if abs(r.error_pct) > 15
                                                              else "green")
                err_txt = fmt_error(r.error_pct)
                if not math.isnan(r.error_pct):
                    err_txt = f"[{colour}]{err_txt}[/{colour}]"
                t.add_row(escape(r.what), r.period, fmt(r.observed, r.unit),
                          fmt(r.model, r.unit), err_txt, escape(r.unit),
                          escape(_DATE.sub("", r.source_short)))
            console.print(t)
            console.print(medians_line(bt), highlight=False)
            console.print(left_out_line(bt), highlight=False, markup=False)
        if done.reused:
            say.print(f"[dim]reused stored run #{done.run_id} (identical scenario)[/dim]")
        say.print(f"[dim]written to {out}/ (backtest.csv, backtest.html); how each model "
                  f"figure was made: the 'how' column of backtest.csv[/dim]", highlight=False)
