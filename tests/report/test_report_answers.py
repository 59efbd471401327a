"""The report carries the answers: compare sentences first, then explain, then figures; metric
tables with human column names and units; no empty charts; penalties apart from money paid;
the back-test beside what was observed."""

from __future__ import annotations

import html as htmlmod
import re

import pytest

import rareflow
from rareflow.report import build_report
from rareflow.report.html import cost_split
from tests.conftest import chain
from tests.report.report_helpers import figures


def visible(html: str) -> str:
    """The text a reader sees: no scripts, no styles, no tags."""
    html = re.sub(r"<script.*?</script>|<style.*?</style>", "", html, flags=re.S)
    return htmlmod.unescape(re.sub(r"<[^>]+>", " ", html))


def section(html: str, ident: str) -> str:
    found = re.search(rf"<section id='{ident}'>(.*?)</section>", html, re.S)
    assert found, f"no section {ident}"
    return found.group(1)


def rows(table_html: str) -> list[list[str]]:
    body = re.search(r"<tbody>(.*?)</tbody>", table_html, re.S).group(1)
    return [[htmlmod.unescape(c) for c in re.findall(r"<td[^>]*>(.*?)</td>", tr, re.S)]
            for tr in re.findall(r"<tr>(.*?)</tr>", body, re.S)]


def head(table_html: str) -> list[str]:
    return [htmlmod.unescape(h) for h in re.findall(r"<th(?:\s[^>]*)?>(.*?)</th>", table_html)]


@pytest.fixture(scope="module")
def report(mini_runs):
    halt, controls = mini_runs
    return build_report(halt, base=controls)


def test_compare_sentences_come_first_then_explain_then_figures(report, mini_runs):
    halt, controls = mini_runs
    said = halt.compare(controls).sentences
    assert said, "mini-halt changes Japan's supply: compare has sentences"
    changes = visible(section(report, "changes"))
    for s in said:
        assert " ".join(s.split()) in " ".join(changes.split())
    at = [report.index(f"<section id='{k}'>") for k in ("changes", "explanation", "sankey-section")]
    assert at == sorted(at)


def test_metric_tables_have_human_names_units_whole_counts_and_percent_shares(report, mini_runs):
    halt, _ = mini_runs
    text = visible(section(report, "metrics"))
    for raw in ("hhi_imports", "used_in_processes", "share_unserved", "top_share"):
        assert raw not in text
    assert "HHI (Herfindahl–Hirschman index)" in text  # explained in one line
    hhi = re.search(r"id='metric-hhi_imports'>.*?(<table>.*?</table>)", report, re.S).group(1)
    labels = head(hhi)
    got = rows(hhi)
    want = halt.metrics()["hhi_imports"]
    assert len(got) == len(want)
    sup = labels.index("Suppliers")
    share = labels.index("Largest supplier's share (%)")
    for r, w in zip(got, want.itertuples(), strict=True):
        assert r[sup] == f"{int(w.suppliers)}"            # a count, no decimals
        assert r[share] == f"{w.top_share:,.1f} %"       # already in %
    short = re.search(r"id='metric-shortfall_by_sector'>.*?(<table>.*?</table>)", report,
                      re.S).group(1)
    col = head(short).index("Unserved (% of that demand in that period)")
    want = halt.metrics()["shortfall_by_sector"]
    for r, w in zip(rows(short), want.itertuples(), strict=True):
        assert r[col] == f"{100 * w.share_unserved:,.1f} %"   # a fraction, shown in %


def test_penalties_are_a_valuation_apart_from_money_paid(report, mini_runs):
    halt, controls = mini_runs
    paid, valued = cost_split(halt)
    costs = halt.summary()["costs"]
    assert valued == pytest.approx(costs["unserved-demand penalty"]) and valued > 0
    assert paid + valued == pytest.approx(halt.objective)
    text = visible(report)
    assert f"Cost (money paid) {paid:,.0f} USD" in " ".join(text.split())
    assert "Penalty valuation" in text and "a valuation, not money paid" in text
    assert "Objective" not in text


def test_an_empty_chart_is_left_out_with_one_sentence(mini_runs):
    halt, _ = mini_runs
    html = build_report(halt, base=halt)   # nothing changes against itself
    figs = figures(html)
    assert "change" not in figs and "sankey" in figs
    note = re.search(r"<p class='note empty-chart' id='change-empty'>(.*?)</p>", html).group(1)
    assert "Unserved demand is the same as in mini-halt" in htmlmod.unescape(note)


def test_backtest_section_is_the_backtest_table_worst_first_with_its_chart(report, mini_runs):
    halt, _ = mini_runs
    bt = halt.backtest()
    assert len(bt) > 0, "mini-halt has China's magnet exports: it speaks to observations"
    sec = section(report, "backtest")
    assert "Back-test: the model beside what was observed" in sec
    labels = head(sec)
    assert labels[:6] == ["Series", "Period", "Observed", "Model", "Unit",
                          "Error (model ÷ observed − 1, %)"]
    got = rows(sec)
    assert len(got) == len(bt)
    for r, w in zip(got, bt.itertuples(), strict=True):
        assert (r[0], r[1], r[4]) == (w.label, w.period, w.unit)
        if w.unit == "t":
            assert r[3] == f"{w.model:,.0f}"
    errs = [abs(float(r[5].replace(" %", "").replace(",", ""))) for r in got if r[5] != "–"]
    assert errs == sorted(errs, reverse=True)
    # each chart draws into an element of its own id (one id shared with a section would have
    # Plotly draw over the section's table)
    ids = re.findall(r"\sid='([\w-]+)'", report)
    for name in figures(report):
        assert ids.count(name) == 1, name
    fig = figures(report)["backtest-chart"]
    assert fig["data"], "the back-test chart draws the observed and model series"
    assert {t["name"] for t in fig["data"]} == {"observed", "model"}


def test_backtest_section_says_so_when_nothing_can_be_compared():
    r = rareflow.from_mapping(chain(
        facilities=[{"id": "a", "region": "A", "process": "make", "capacity": 100, "cost": 1}],
        routes=[{"from": "A", "to": "B", "commodity": "m", "cost": 1}],
        demands=[{"region": "B", "commodity": "m", "sector": "s", "amount": 10,
                  "priority": 1e6}])).solve()
    html = build_report(r)
    sec = visible(section(html, "backtest"))
    assert "speaks to none of the observed series" in sec
    assert "<table>" not in section(html, "backtest") and "backtest-chart" not in figures(html)
