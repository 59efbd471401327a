"""The `rareflow` command: run, validate and list scenarios.

Errors on input are printed as lists of problems (file, path, fix) with exit code 1; a
traceback reaches the user only with --debug.
"""

from __future__ import annotations

import gc
import os
import sys
from pathlib import Path

import typer
from rich.console import Console
from rich.table import Table

from rareflow.cli.options import (
    SET_HELP,
    NoStoreOption,
    ReuseOption,
    StoreOption,
    open_store,
    set_overrides,
)
from rareflow.cli.options import solver_options as _options
from rareflow.errors import RareflowError, ScenarioError

app = typer.Typer(add_completion=False, no_args_is_help=True, pretty_exceptions_enable=False,
                  help="rareflow: rare-earth supply chains as a linear program.")
console = Console(soft_wrap=True)
err = Console(stderr=True, soft_wrap=True)


@app.command()
def run(
    scenario: str = typer.Argument(..., help="built-in scenario name or path to a YAML file"),
    out: Path = typer.Option(None, "--out", "-o", help="folder for the CSV/JSON results "
                             "(default: rareflow-out/<scenario>); a new or empty folder, or one "
                             "rareflow wrote before (it never replaces other files)"),
    solver_option: list[str] = typer.Option([], "--solver-option", help="HiGHS option KEY=VALUE"),
    top: int = typer.Option(10, help="how many trade links to show"),
    report: bool = typer.Option(False, "--report", help="also write report.html beside the CSVs"),
    store: StoreOption = None,
    no_store: NoStoreOption = False,
    reuse: ReuseOption = False,
    set_: list[str] = typer.Option([], "--set", help=SET_HELP),
) -> None:
    """Solve a scenario, print a summary and write its result tables."""
    from rareflow import load
    from rareflow.results.tables import check_out, default_out, set_parts, write_results
    from rareflow.store import solve_and_record

    st = open_store(store, no_store, reuse)
    sets = set_overrides(set_)
    model = load(scenario, overrides=sets or None)
    # where the tables go is settled before the solve: a refused --out costs nothing and
    # leaves no run recorded without its files
    out = out or default_out(model.name)
    check_out(out)
    done = solve_and_record(model, _options(solver_option), st, reuse=reuse, origin="cli",
                            overrides=sets or None,
                            levers=" ".join(f"--set {x}" for x in set_) or None)
    results = done.results
    extra = {}
    if report:
        from rareflow.report import build_report

        extra["report.html"] = build_report(results)
    write_results(results, out, extra=extra)
    _print_summary(results, top, scenario)
    if done.warning:
        err.print(f"[yellow]warning:[/yellow] {done.warning}", highlight=False)
    # dim lines as written: rich's number-and-path highlighter is not needed on them (its
    # patterns are compiled on first use, ~5-8 ms of the run; issue 17)
    if done.reused:
        console.print(f"[dim]reused stored run #{done.run_id} (identical scenario) from "
                      f"{st.path}[/dim]", highlight=False)
    elif done.run_id is not None:
        console.print(f"[dim]recorded as run #{done.run_id} in {st.path}[/dim]", highlight=False)
    console.print(f"[dim]results written to {out}/ (summary.json, *.csv"
                  f"{', report.html' if report else ''})[/dim]", highlight=False)
    others = [n for cmd, names in set_parts(out).items() if cmd != "rareflow run" for n in names]
    if others:  # say what other commands left there: it is of an earlier solve
        console.print(f"[dim]kept there, written earlier by other rareflow commands and not "
                      f"redone by this run: {', '.join(others)}[/dim]", highlight=False)


def _print_summary(r, top: int, ref: str | None = None) -> None:
    """What happened first (shortfalls in tonnes, costs by kind in money that would be paid,
    penalty valuations apart), then why, then the LP's own numbers last."""
    s = r.summary()
    console.print(f"[bold]{s['scenario']}[/bold]: {s['status']}", highlight=False)
    console.print(_shortfall_headline(r), highlight=False, markup=False)
    for line in _money_lines(r):
        console.print(line, highlight=False, markup=False)
    for line in r.bound_check() if r.live else []:  # what the overlay's changed limits did
        console.print(f"◇ {line}", highlight=False, markup=False)
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
    console.print(f"[dim]LP objective (costs + penalty valuations) {s['objective']:,.0f} "
                  f"{s['currency']}; {s['variables']:,} variables, {s['constraints']:,} "
                  f"constraints; built in {s['build_seconds']:.3f} s, solved in "
                  f"{s['solve_seconds']:.3f} s; mass balance within "
                  f"{s['max_balance_residual_t']:.1e} t[/dim]", highlight=False)


def _horizon(r) -> str:
    from rareflow.analyze import words

    return words.span(list(r.periods))


def _shortfall_headline(r, region: str | None = None) -> str:
    """'Shortfalls: 4,012 t of demand unserved, 0.3% of all demand in 2024-01–2035; worst: EU
    industrial ndfeb_magnet, 582 t in 2025-04–2025-06 (0.4% of that demand in 2024-01–2035).'
    — shares by the one definition (analyze/shortfalls.py): unserved
    ÷ requested, same keys, the whole horizon, and each says what it is a share of."""
    from rareflow.analyze import words
    from rareflow.analyze.shortfalls import share_words, shortfall_shares

    un = r.unserved
    if region:
        un = un[un["region"] == region]
    short = un[un["amount"] > 0]
    where = f" in {region}" if region else ""
    if not len(short):
        return f"Shortfalls{where}: none — all demand is served in every period."
    total, asked = float(short["amount"].sum()), float(un["requested"].sum())
    shares = shortfall_shares(r, region)
    if not len(shares):  # shortfalls below what is shown
        return f"Shortfalls{where}: {words.tonnes(total)} of demand unserved."
    worst = shares.iloc[0]
    reg, sec, com = worst["region"], worst["sector"], worst["commodity"]
    when = words.period_runs(short[(short["region"] == reg) & (short["sector"] == sec)
                                   & (short["commodity"] == com)]["period"], r.periods)
    of_all = share_words(total, asked, f"{region}'s demand" if region else "all demand",
                         _horizon(r))
    of_worst = share_words(worst["unserved_t"], worst["requested_t"], "that demand", worst["span"])
    return (f"Shortfalls{where}: {words.tonnes(total)} of demand unserved"
            f"{f', {of_all}' if of_all else ''}; worst: {reg} {sec} {com}, "
            f"{words.tonnes(worst['unserved_t'])} in {when}"
            f"{f' ({of_worst})' if of_worst else ''}.")


def _money_lines(r) -> list[str]:
    """Costs by kind — money that would be paid — then the penalty valuations of tonnes not
    delivered, labelled as valuations (nobody pays them; they rank what the LP serves first)."""
    from rareflow.analyze import words

    try:
        terms = _terms(r)
    except (AttributeError, TypeError):  # a run stored before costs were recorded has none
        return []
    paid, vals = words.split_costs(terms)
    cur = r.currency
    parts = [f"{k} {words.money(v, cur)}" for k, v in sorted(paid.items(), key=lambda kv: -abs(kv[1]))
             if abs(v) >= 0.5]
    out = [f"Costs (money that would be paid, discounted): {words.money(sum(paid.values()), cur)}"
           + (f" — {', '.join(parts)}" if parts else "") + "."]
    tonnes = {"unserved-demand penalty": r.total_unserved(),
              "target-shortfall penalty": float(r.targets["shortfall"].sum()) if len(r.targets) else 0.0}
    what = {"unserved-demand penalty": "of demand unserved",
            "target-shortfall penalty": "of targets missed"}
    val = [f"{words.tonnes(tonnes[k])} {what[k]} valued at {words.money(v, cur)}"
           for k, v in vals.items() if abs(v) >= 0.5]
    if val:
        out.append(f"Penalty valuations (not money paid; how the model weighs what is not "
                   f"delivered): {'; '.join(val)}.")
    return out


def _print_unserved(r, limit: int = 15) -> None:
    """Shortfalls, one row per region × sector × commodity: when (as spans of periods), how
    much at the peak, in all, and as a share of that demand over the whole horizon (the one
    definition, analyze/shortfalls.py). Ids never truncate (they do not wrap; the period and
    peak cells fold instead), so the table reads at 80–100 columns."""
    from rareflow.analyze import words
    from rareflow.analyze.shortfalls import shortfall_shares

    un = r.unserved
    short = un[un["amount"] > 0]
    if not len(short):
        console.print("[green]All demand is served.[/green]", highlight=False)
        return
    keys = ["region", "sector", "commodity"]
    shares = shortfall_shares(r).set_index(keys)
    t = Table(title="Unserved demand (t); share = of that region's sector demand for the "
              f"commodity in {_horizon(r)}")
    for c in (*keys, "periods", "peak", "total", "share"):
        t.add_column(c, justify="right" if c in ("peak", "total", "share") else "left",
                     no_wrap=c in (*keys, "total", "share"), overflow="fold")
    # totals and peaks of every short demand at once; the cells (period spans) only for the
    # rows shown — the table costs what it prints, not a pandas lookup per demand (issue 17)
    g = short.groupby(keys)["amount"]
    totals = g.sum()
    peaks = short.index.get_indexer(g.idxmax().to_numpy())  # positions of each peak row
    vals = totals.to_numpy()
    order = sorted(range(len(vals)), key=lambda k: -vals[k])  # stable: ties by key
    shown = {totals.index[k] for k in order[:limit]}
    amount, period = short["amount"].to_numpy(), short["period"].to_numpy()
    periods_of: dict[tuple, list] = {}  # the periods of each shown demand, in one pass
    rows = zip(short["region"], short["sector"], short["commodity"], strict=True)
    for key, per in zip(rows, period, strict=True):
        if key in shown:
            periods_of.setdefault(key, []).append(per)
    requested = shares["requested_t"]
    for k in order[:limit]:
        key, total, peak = totals.index[k], vals[k], peaks[k]
        t.add_row(*key, words.period_runs(periods_of[key], r.periods),
                  f"{amount[peak]:,.0f} ({period[peak]})", f"{total:,.0f}",
                  words.share(total, float(requested.get(key, 0.0))))
    console.print(t)
    if len(order) > limit:
        rest = sum(vals[k] for k in order[limit:])
        console.print(f"[dim]… {len(order) - limit} more short demands ({words.tonnes(rest)}) in "
                      "unserved.csv[/dim]", highlight=False)


def _print_links(r, top: int) -> None:
    """The largest trade links over the horizon, with their first and last period."""
    fl = r.flows
    fl = fl[fl["amount"] > 0]
    if not len(fl):
        return
    order = r.periods
    first, last = order[0], order[-1]
    keys = ["origin", "destination", "commodity"]
    links = fl.groupby(keys)["amount"].sum().rename("total").to_frame()
    for p in dict.fromkeys([first, last]):  # only the two periods shown, not a whole pivot
        at = fl[fl["period"] == p].groupby(keys)["amount"].sum()
        links[p] = at.reindex(links.index, fill_value=0.0)
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
    from rareflow.results.tables import check_out, write_set

    model = load(scenario)
    if out:
        check_out(out)
    r = model.solve()
    console.print(f"[bold]{r.name}[/bold]: {r.status}", highlight=False)
    console.print(_shortfall_headline(r, region), highlight=False, markup=False)
    for line in _money_lines(r):  # costs are the whole model's: --region does not split them
        line = f"{line.rstrip('.')} (all regions, not {region} alone)." if region else line
        console.print(line, highlight=False, markup=False)
    for s in r.explain(region, period):
        console.print(f"• {s}", highlight=False, markup=False)
    base = _base_of(model, vs)
    if base is not None:
        rb = base.solve()
        c = r.compare(rb)
        head = c.sentences[:4] if not region else \
            [x for x in c.sentences if x.startswith(f"{region}")][:4]
        more = f" ({_money_change(r, rb)})" if c.base_objective is not None else ""
        console.print(f"[bold]Against {base.name}[/bold]{more}:")
        for s in head or ["nothing changes in the flows, shortfalls or output."]:
            console.print(f"  ↳ {s}", highlight=False, markup=False)
    for s in r.build_plan():
        console.print(f"▸ {s}", highlight=False, markup=False)
    for s in r.target_report():
        console.print(f"◎ {s}", highlight=False, markup=False)
    # with --region, only its rows are computed; without --out, only those that can be shown
    # are measured (issue 17)
    tab = r.explain_table(region, top=None if out or top < 1 else top)
    if len(tab):
        tab = tab.assign(rank_value=tab["saves"].fillna(tab["dual"].abs())) \
            .sort_values("rank_value", ascending=False, kind="stable")
        t = Table(title="Binding constraints, ranked by what relaxing each by one unit saves "
                  f"({r.currency})")
        for c in ("policy or constraint", "period", "saving", "affected shortfalls"):
            t.add_column(c, justify="right" if c == "saving" else "left", overflow="fold",
                         no_wrap=c in ("period", "saving"))
        for row in tab.head(top).itertuples():
            t.add_row(_policy_cell(row.constraint), row.period, f"{row.rank_value:,.0f}",
                      _affected(row.affected, region, r.periods))
        console.print(t)
    if out:
        write_set(out, {"explain.csv": tab.to_csv(index=False),
                        "causes.csv": r.shortfall_causes().to_csv(index=False)},
                  "rareflow explain")


def _terms(r) -> dict[str, float]:
    return {k: float(v) for k, v in zip(r.costs["term"], r.costs["amount"], strict=True)}


def _target_t(r) -> float:
    return float(r.targets["shortfall"].sum()) if len(r.targets) else 0.0


def _money_change(r, base) -> str:
    """'total cost -271 M USD paid: operating -510 M USD, capital +224 M USD; 1,164 t more
    target shortfall, valued at +233 bn USD as a penalty (a valuation, not money paid)': the
    change in the objective split into money that would be paid and the valuations of tonnes
    not delivered, so a penalty never reads as a cost."""
    from rareflow.analyze import words

    cur = r.currency
    (pa, va), (pb, vb) = words.split_costs(_terms(r)), words.split_costs(_terms(base))
    paid = sum(pa.values()) - sum(pb.values())
    kinds = {k: pa.get(k, 0.0) - pb.get(k, 0.0) for k in set(pa) | set(pb)}
    big = sorted((kv for kv in kinds.items() if abs(kv[1]) >= 0.5), key=lambda kv: -abs(kv[1]))
    sign = "+" if paid >= 0 else "-"
    text = f"total cost {sign}{words.money(abs(paid), cur)} paid"
    if big:
        text += ": " + ", ".join(f"{k} {'+' if v >= 0 else '-'}{words.money(abs(v), cur)}"
                                 for k, v in big[:3])
    dval = sum(va.values()) - sum(vb.values())
    if abs(dval) >= 0.5:
        du, dt = r.total_unserved() - base.total_unserved(), _target_t(r) - _target_t(base)
        what = [f"{words.tonnes(abs(x))} {'more' if x > 0 else 'less'} {label}"
                for x, label in ((du, "demand unserved"), (dt, "target shortfall"))
                if abs(x) >= 0.05]
        text += (f"; {', '.join(what) or 'shortfalls shifted'}, valued at "
                 f"{'+' if dval >= 0 else '-'}{words.money(abs(dval), cur)} as a penalty "
                 "(a valuation, not money paid)")
    return text


def _affected(text: str, region: str | None, periods) -> str:
    """'JPN: automotive, electronics, industrial, wind in 2025-04–2025-06' from the explain
    table's 'JPN/automotive/2025-04, …' list: folded by region, periods as spans; only
    `region`'s when one was asked for."""
    from rareflow.analyze import words

    by: dict[str, tuple[set, set]] = {}
    for item in filter(None, (x.strip() for x in str(text or "").split(","))):
        parts = item.split("/")
        if len(parts) != 3 or (region and parts[0] != region):
            continue
        sec, per = by.setdefault(parts[0], (set(), set()))
        sec.add(parts[1])
        per.add(parts[2])
    if not by:
        return ""
    if len(by) == 1:
        (reg, (sec, per)), = by.items()
        return f"{reg}: {', '.join(sorted(sec))} in {words.period_runs(per, periods)}"
    sec = set().union(*(s for s, _ in by.values()))
    per = set().union(*(p for _, p in by.values()))
    return (f"{', '.join(by)}: {len(sec)} sector{'s' if len(sec) > 1 else ''} in "
            f"{words.period_runs(per, periods)}")


def _policy_cell(constraint: str) -> str:
    """The policy id first ('licence-dytb-2025-06 (export_licence)') where the constraint names
    one, so twenty rows of one measure read apart; other constraints as written."""
    import re

    m = re.search(r"\[(\w+) '([^']+)'\]\s*$", constraint)
    return f"{m.group(2)} ({m.group(1)})" if m else constraint


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
            err.print(f"[red]✗ {f}[/red]: {e.total:,} problem(s)")
            for p in e.problems:
                err.print(f"  - {p}", markup=False, highlight=False)
            if e.more:
                err.print(f"  … and {e.more:,} more, not listed: fix these first, then validate "
                          "again", markup=False, highlight=False)
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


_METAVARS = {"path": "PATH", "str": "TEXT", "int": "INTEGER", "float": "NUMBER",
             "list[str]": "TEXT", "list[path]": "PATH"}


def _tidy_help(cmd):
    """`--help` as people read it: `--out PATH`, `--top INTEGER`, flags with no value (this
    typer release writes every option's Python type, so a flag read `--report <bool>`), and
    arguments by name (`SCENARIO`). Walks the click command tree typer builds from `app`."""
    for p in cmd.params:  # typer may carry its own click: tell options by duck type
        if p.metavar is not None:
            continue
        if p.param_type_name == "option":
            if getattr(p, "is_flag", False):
                p.metavar = ""
            elif hasattr(p, "display_type"):
                label = str(p.display_type(None) or "").strip("<>")
                p.metavar = _METAVARS.get(label.lower(), label.upper() or None)
        elif p.param_type_name == "argument":
            p.metavar = (p.name or "").upper() + ("..." if p.nargs != 1 else "")
            if hasattr(p, "_usage_display_name"):  # this typer writes a required one as {NAME}
                p._usage_display_name = lambda p=p: p.metavar if p.required else f"[{p.metavar}]"
            if hasattr(p, "display_type"):
                label = str(p.display_type(None) or "").strip("<>")
                kind = _METAVARS.get(label.lower(), label.upper())
                p.display_type_rich = lambda ctx, kind=kind: kind
    make_help = cmd.get_help_option

    def help_option(ctx, make_help=make_help):
        opt = make_help(ctx)
        if opt is not None:
            opt.metavar = ""
        return opt

    cmd.get_help_option = help_option
    for sub in getattr(cmd, "commands", {}).values():
        _tidy_help(sub)
    return cmd


def command():
    """The click command of `app`, with the help text tidied (what `main` runs)."""
    return _tidy_help(typer.main.get_command(app))


def main() -> None:
    # Everything imported so far lives as long as the process: moved out of the collector's
    # generations, the collections the command triggers walk only what it allocates (a full
    # collection over the imported modules was ~0.1 s of `rareflow run`; issue 17). Objects
    # are only exempt from collection, never changed.
    gc.freeze()
    debug = "--debug" in sys.argv or os.environ.get("RAREFLOW_DEBUG")
    if "--debug" in sys.argv:
        sys.argv.remove("--debug")
    try:
        command()(standalone_mode=True)
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
