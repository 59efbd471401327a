"""The HTML report: self-contained, its Sankey equal to the run's flows, offline."""

from __future__ import annotations

from pathlib import Path

import pytest
from typer.testing import CliRunner

import rareflow
from rareflow.cli import app
from rareflow.report import build_report, charts, write_report
from tests.report.report_helpers import figures, trade_links

SCENARIOS = Path(__file__).parent / "scenarios"


def _flows(results, period: str, region: str | None = None) -> dict[str, float]:
    fl = results.flows
    fl = fl[(fl["period"] == period) & (fl["amount"] > 1e-6)]
    if region:
        fl = fl[(fl["origin"] == region) | (fl["destination"] == region)]
    return dict(zip(fl["route"], fl["amount"], strict=True))


@pytest.mark.parametrize("region", ["all", "JPN", "IND"])
def test_sankey_link_values_equal_the_flows_of_the_run(mini_runs, region):
    halt, controls = mini_runs
    html = build_report(halt, base=controls, region=region)
    fig = figures(html)["sankey"]
    periods = list(halt.model.periods.labels)
    assert [t["name"] for t in fig["data"]] == periods  # one trace per period, slider between
    some = 0
    for trace in fig["data"]:
        got = trade_links(trace)
        want = _flows(halt, trace["name"], None if region == "all" else region)
        assert got.keys() == want.keys()
        for route, v in want.items():
            assert got[route] == pytest.approx(v, rel=1e-12, abs=1e-9)
        some += len(got)
    assert some > 0


def test_sankey_chain_and_demand_balance(mini_runs):
    """Process links carry activity × coefficient; served + unserved = requested per sector."""
    halt, _ = mini_runs
    view = halt
    nodes, links = charts.sankey_links(view, "2027")
    act = halt.activity
    act = act[(act["period"] == "2027") & (act["region"] == "JPN") & (act["process"] == "magnets")]
    made = links[(links["kind"] == "output") & (links["source"] == "proc:JPN:magnets")]
    assert made["value"].sum() == pytest.approx(act["amount"].sum() * 1.0)
    used = links[(links["kind"] == "input") & (links["target"] == "proc:JPN:magnets")]
    assert used["value"].sum() == pytest.approx(act["amount"].sum() * 0.3)
    un = halt.unserved
    un = un[(un["period"] == "2027") & (un["region"] == "JPN")]
    to_jpn = links[links["target"].str.startswith("dem:JPN:")]
    assert to_jpn["value"].sum() == pytest.approx(un["requested"].sum())
    short = to_jpn[to_jpn["kind"] == "unserved"]["value"].sum()
    assert short == pytest.approx(un["amount"].sum()) and short > 0
    kinds = {n["kind"] for n in nodes}
    assert {"process", "commodity", "demand", "shortfall", "stock"} <= kinds


def test_report_sections_and_charts(mini_runs):
    halt, controls = mini_runs
    html = build_report(halt, base=controls)
    figs = figures(html)
    assert {"sankey", "shortfall", "prices", "supplier-shares", "change"} <= figs.keys()
    # shortfall chart = unserved by region · sector per period
    un = halt.unserved
    for tr in figs["shortfall"]["data"]:
        m = tr["meta"]
        sel = un[(un["region"] == m["region"]) & (un["sector"] == m["sector"])
                 & (un["commodity"] == m["commodity"])]
        want = sel.groupby("period")["amount"].sum().reindex(tr["x"]).fillna(0.0)
        assert tr["y"] == pytest.approx(list(want))
    # the change chart is scenario − base
    d = {(t["meta"]["region"], t["meta"]["sector"]): t["y"] for t in figs["change"]["data"]}
    assert sum(d[("JPN", "automotive")]) == pytest.approx(
        halt.unserved.query("region == 'JPN' and sector == 'automotive'")["amount"].sum()
        - controls.unserved.query("region == 'JPN' and sector == 'automotive'")["amount"].sum())
    for section in ("id='comparison'", "id='sources'", "id='shortfalls-in-words'",
                    "Reuters, Jun 2025", "mini-halt compared with"):
        assert section in html
    # the Sankey opens on the region and period where the shortfall changes most
    d = (halt.unserved.groupby("period")["amount"].sum()
         - controls.unserved.groupby("period")["amount"].sum()).abs()
    title = figs["sankey"]["layout"]["title"]["text"]
    assert title.startswith(f"Material flows in {d.idxmax()}, Japan")
    if hasattr(halt, "explain"):
        assert "id='explanation'" in html


def test_report_is_self_contained():
    """No <script src> or <link href> to anywhere: Plotly's JS is inside the file."""
    import plotly

    html = build_report(rareflow.load("toy").solve())
    assert "<script src" not in html and "<link " not in html
    assert f"plotly.js v{plotly.__version__}" in html or "Plotly" in html[:6_000_000]
    assert "Nothing moves" in html or "Material flows" in html


def test_report_loads_with_no_network(tmp_path, mini_runs, chromium):
    """Open the file in Chromium with every network request refused: it draws all its charts
    and asks the network for nothing."""
    halt, controls = mini_runs
    path = write_report(halt, tmp_path / "report.html", base=controls)
    requests = []
    page = chromium.new_page()

    def block(route):
        requests.append(route.request.url)
        if route.request.url.startswith("file://"):
            return route.continue_()
        return route.abort()

    page.route("**/*", block)
    errors = []
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(path.as_uri())
    page.wait_for_function("document.querySelectorAll('.js-plotly-plot').length >= 5")
    assert [u for u in requests if not u.startswith("file://")] == []
    assert errors == []
    n_links = page.evaluate("document.getElementById('sankey').data.filter(t => t.visible)"
                            "[0].link.value.length")
    assert n_links > 0
    page.close()


def test_report_of_stored_run_equals_fresh(tmp_path, mini_runs):
    from rareflow.store import RunStore

    halt, controls = mini_runs
    st = RunStore(tmp_path / "s.duckdb")
    a, b = st.record(halt), st.record(controls)
    fresh = figures(build_report(halt, base=controls, region="JPN"))
    stored = figures(build_report(st.get(a), base=st.get(b), region="JPN"))
    for name in ("sankey", "shortfall", "change"):
        assert fresh[name]["data"] == stored[name]["data"]


def test_report_errors_name_the_fix(mini_runs):
    halt, _ = mini_runs
    with pytest.raises(rareflow.RareflowError, match="use one of IND, JPN"):
        build_report(halt, region="XXX")
    with pytest.raises(rareflow.RareflowError, match="2024"):
        build_report(halt, period="1999")


def test_cli_report_and_run_report(tmp_path):
    runner = CliRunner()
    out = tmp_path / "r.html"
    res = runner.invoke(app, ["report", str(SCENARIOS / "mini-halt.yaml"), "--vs",
                              str(SCENARIOS / "mini-controls.yaml"), "--out", str(out)])
    assert res.exit_code == 0, res.output
    assert "compared with" in res.output and out.stat().st_size > 1_000_000
    assert "trade" in str(figures(out.read_text())["sankey"]["data"][0]["link"]["customdata"])
    # the runs were recorded; a stored run can be reported again by id
    res = runner.invoke(app, ["report", "run:1", "--vs", "run:2", "-o", str(tmp_path / "s.html")])
    assert res.exit_code == 0, res.output
    # `rareflow run --report` writes report.html beside the CSVs
    res = runner.invoke(app, ["run", str(SCENARIOS / "mini.yaml"), "--out", str(tmp_path / "o"),
                              "--report"])
    assert res.exit_code == 0, res.output
    files = {p.name for p in (tmp_path / "o").iterdir()}
    assert {"report.html", "flows.csv", "summary.json"} <= files


def test_report_text_is_escaped(mini_runs):
    """Names and sentences are text, never markup: the template escapes what it is given."""
    halt, controls = mini_runs
    html = build_report(halt, base=controls, title="<img src=x onerror=alert(1)> & co")
    assert "<img src=x" not in html
    assert "<title>rareflow: &lt;img src=x onerror=alert(1)&gt; &amp; co</title>" in html
    assert "<h1>rareflow report: &lt;img src=x onerror=alert(1)&gt; &amp; co</h1>" in html
