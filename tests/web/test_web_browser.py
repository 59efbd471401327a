"""The dashboard in headless Chromium: flip a lever, the charts redraw to what the API says."""

from __future__ import annotations

from collections import defaultdict

import httpx
import pytest


def _chart(page, el: str) -> dict:
    """name → y of each trace drawn in a Plotly div (its data as the browser holds it)."""
    return page.evaluate(f"""() => {{
        const gd = document.getElementById('{el}');
        return (gd.data || []).map(t => [t.name, t.y, t.meta || null]);
    }}""")


def _wait_run(page, after: str | None) -> str:
    page.wait_for_function(
        "(after) => document.body.dataset.state === 'ready' && document.body.dataset.seq !== after",
        arg=after, timeout=30_000)
    return page.get_attribute("body", "data-seq")


def _expected_shortfall(api: dict, periods: list[str]) -> dict[tuple, list[float]]:
    """Unserved t by (region, sector, commodity) and period in the region the page shows."""
    acc: dict[tuple, dict[str, float]] = defaultdict(lambda: defaultdict(float))
    region = api["view"]["region"]
    for r in api["tables"]["unserved"]:
        if region and r["region"] != region:
            continue
        acc[(r["region"], r["sector"], r["commodity"])][r["period"]] += r["amount"]
    return {k: [v.get(p, 0.0) for p in periods] for k, v in acc.items() if max(v.values()) > 1e-6}


def test_flip_india_halt_redraws_shortfall_to_api_values(server, chromium):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    outside, errors = [], []
    page.on("request", lambda r: None if r.url.startswith(server) else outside.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/")
    seq = _wait_run(page, None)
    page.select_option("#scenario", "mini-controls")
    seq = _wait_run(page, seq)
    before = _chart(page, "shortfall")
    assert page.is_checked("#lever-china_controls") and not page.is_checked("#lever-india_halt")

    page.click("label[for=lever-india_halt]")  # "India halts exports to Japan"
    seq = _wait_run(page, seq)
    after = _chart(page, "shortfall")
    assert after != before

    # the page shows exactly what the API answers for the same request
    api = httpx.post(server + "/api/runs", json={
        "scenario": "mini-controls", "levers": {"india_halt": True}}, timeout=30).json()
    assert api["reused"] and str(api["run_id"]) == page.get_attribute("body", "data-run-id")
    periods = api["periods"]
    want = _expected_shortfall(api, periods)
    got = {(m["region"], m["sector"], m["commodity"]): y for _name, y, m in after}
    assert api["view"]["region"] == "JPN" and got.keys() == want.keys()
    for k, y in want.items():
        assert got[k] == pytest.approx(y), k
    # Japan runs shorter, and the Sankey (auto: Japan) changed with it
    jpn = sum(sum(y) for k, y in got.items() if k[0] == "JPN")
    jpn_before = sum(sum(y) for _n, y, m in before if m["region"] == "JPN")
    assert jpn > jpn_before
    assert "Japan" in page.evaluate("document.getElementById('sankey').layout.title.text")
    sankey = page.evaluate("document.getElementById('sankey').data[0].link.value")
    assert sankey == pytest.approx(api["figures"]["sankey"]["data"][0]["link"]["value"])
    assert "mini-controls" in page.inner_text("#comparison-title")
    assert outside == [] and errors == []

    # flip it back: the first answer again, from the store
    page.click("label[for=lever-india_halt]")
    _wait_run(page, seq)
    assert _chart(page, "shortfall") == before
    page.close()


def test_a_lever_that_changes_nothing_says_so(server, chromium):
    page = chromium.new_page()
    page.goto(server + "/#" + "%7B%22s%22%3A%22mini%22%2C%22l%22%3A%7B%22irel_output%22%3A150%7D%7D")
    _wait_run(page, None)
    shown = page.inner_text("#bound-check")
    assert "◇ The capacity you raised never binds: irel-mining runs at 750 t/yr" in shown
    assert "Nothing changes" in shown
    page.close()


def test_bad_lever_shows_the_error_with_its_fix(server, chromium):
    page = chromium.new_page()
    page.goto(server + "/#" + "%7B%22s%22%3A%22mini%22%2C%22r%22%3A%22XXX%22%7D")
    page.wait_for_function("document.body.dataset.state === 'error' || "
                           "document.body.dataset.state === 'ready'", timeout=30_000)
    assert page.get_attribute("body", "data-state") == "error"
    text = page.inner_text("#error")
    assert "region" in text and "use 'auto'" in text
    page.close()


def test_backtest_panel_shows_the_api_table_and_chart(server, chromium):
    page = chromium.new_page(viewport={"width": 1400, "height": 1000})
    outside, errors = [], []
    page.on("request", lambda r: None if r.url.startswith(server) else outside.append(r.url))
    page.on("pageerror", lambda e: errors.append(str(e)))
    page.goto(server + "/")
    seq = _wait_run(page, None)
    page.select_option("#scenario", "mini-halt")
    _wait_run(page, seq)
    # the cards keep money paid apart from the penalty valuation of what went unserved
    run = httpx.get(server + f"/api/runs/{page.get_attribute('body', 'data-run-id')}",
                    timeout=30).json()
    costs = run["summary"]["costs"]
    valued = sum(v for k, v in costs.items() if "penalty" in k)
    paid = sum(v for k, v in costs.items() if "penalty" not in k)
    assert valued > 0
    cards = page.inner_text("#cards").lower()  # the card keys are upper-cased by the style sheet
    assert f"cost (money paid)\n{paid / 1e6:,.0f} m usd" in cards
    assert f"penalty valuation\n{valued / 1e6:,.0f} m usd" in cards and "not money paid" in cards
    assert "objective" not in cards
    page.wait_for_function("document.body.dataset.backtest === 'mini-halt'", timeout=30_000)
    api = httpx.get(server + "/api/backtest/mini-halt", timeout=30).json()
    assert api["rows"], "mini-halt speaks to China's magnet exports"
    cells = page.evaluate("""() => [...document.querySelectorAll('#backtest-table tbody tr')]
        .map(tr => [...tr.querySelectorAll('td')].map(td => td.textContent))""")
    assert len(cells) == len(api["rows"])
    for got, want in zip(cells, api["rows"], strict=True):
        assert (got[0], got[1], got[4]) == (want["label"], want["period"], want["unit"])
        if want["unit"] == "t":
            assert got[2] == f"{want['observed']:,.0f}"
            assert got[3] == f"{want['model']:,.0f}"
    heads = page.evaluate("[...document.querySelectorAll('#backtest-table th')].map(t => t.textContent)")
    assert heads[:4] == ["Series", "Period", "Observed", "Model"]
    drawn = _chart(page, "backtest-chart")
    assert {name for name, _y, _m in drawn} == {"observed", "model"}
    assert page.is_visible("#backtest-chart") and not page.is_visible("#backtest-message")
    assert outside == [] and errors == []
    page.close()
