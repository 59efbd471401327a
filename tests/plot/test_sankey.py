"""The chain diagram reads left to right by stage, names nodes by label, keeps mass, and puts
discards aside (plot/sankey.py), on the hand-worked loop world (conftest.py) and the mini
scenarios."""

from __future__ import annotations

import re

import pytest

import rareflow
from rareflow.plot.sankey import sankey_all_periods, sankey_figure, sankey_links
from tests.report.report_helpers import trade_links


def _xs(trace: dict) -> list[float]:
    return trace["node"]["x"]


def _check_directions(trace: dict) -> None:
    """Every band runs to a column further right, or stays within its stage for trade
    (`meta.columns`: the stage columns, 2k + 1 for commodities of stage k, before scaling)."""
    xs, cols = _xs(trace), trace["meta"]["columns"]
    assert sorted(range(len(xs)), key=xs.__getitem__) == sorted(range(len(xs)),
                                                                 key=cols.__getitem__)
    for s, t, (kind, _, _) in zip(trace["link"]["source"], trace["link"]["target"],
                                  trace["link"]["customdata"], strict=True):
        if kind == "trade":
            assert xs[t] > xs[s], "trade runs from the exporter's side to the importer's"
            assert round(cols[t]) == round(cols[s]), "trade stays within its stage column"
        else:
            assert xs[t] > xs[s], f"{kind} band runs backwards"


def test_loop_world_links_by_hand(loop):
    nodes, links = sankey_links(loop, "2025")
    by = {(s, t): v for s, t, v in zip(links["source"], links["target"], links["value"],
                                      strict=True)}
    # 120 t of magnets in CHN, 20 t in JPN; 70 t CHN → JPN; 90 t of JPN auto served
    assert by[("proc:CHN:press", "com:CHN:mag")] == pytest.approx(120)
    assert by[("com:CHN:mag", "com:JPN:mag")] == pytest.approx(70)
    assert by[("com:JPN:mag", "dem:JPN:auto")] == pytest.approx(90)
    assert by[("short", "dem:JPN:medical")] == pytest.approx(60)
    # the presses' swarf (0.1 t of oxide per t of magnet) enters the oxide node from beside it
    assert by[("back:CHN:press:ox", "com:CHN:ox")] == pytest.approx(12)
    assert ("proc:CHN:press", "com:CHN:ox") not in by
    # the co-product nobody buys (0.8 × 266 t) is not drawn
    assert not any("junk" in t for t in links["target"])


def test_every_band_runs_left_to_right(loop, mini_runs):
    for r, p in [(loop, "2025"), (mini_runs[0], "2027"), (mini_runs[1], "2024")]:
        for region in (None, "JPN"):
            fig = sankey_figure(r, p, region)
            _check_directions(fig["data"][0])


def test_stage_columns_in_order(loop):
    fig = sankey_figure(loop, "2025")
    tr = fig["data"][0]
    nodes, _ = sankey_links(loop, "2025")
    x = dict(zip([n["label"] for n in nodes], _xs(tr), strict=True))
    order = ["China · Digging", "China · Ore concentrate", "China · Splitting",
             "China · Red oxide", "China · Smelting", "China · Red metal", "China · Pressing",
             "China · Red magnet", "China · wind"]
    assert [x[n] for n in order] == sorted(x[n] for n in order)
    heads = [a["text"] for a in fig["layout"]["annotations"] if a["text"].startswith("<b>")]
    assert heads == ["<b>mine</b>", "<b>concentrate</b>", "<b>oxide</b>", "<b>metal</b>",
                     "<b>magnet</b>", "<b>sector</b>"]


def test_labels_are_labels_not_ids(loop):
    """One scheme, "Country · thing"; a small process node is named on hover only."""
    nodes, _ = sankey_links(loop, "2025")
    tr = sankey_figure(loop, "2025")["data"][0]
    ids = {"rock", "ox", "junk", "met", "mag", "dig", "split", "smelt", "press", "CHN", "JPN"}
    for n, label, long in zip(nodes, tr["node"]["label"], tr["node"]["customdata"], strict=True):
        for text in (n["label"], long):
            assert not set(re.split(r"[\s·,]+", text)) & ids, text
        assert label in (n["label"], "") and (label or n["kind"] in ("process", "recycled"))
        assert n["label"] == "unserved demand" or " · " in n["label"], n["label"]
    assert "China · Red magnet" in tr["node"]["label"]


def test_a_one_country_view_names_its_own_nodes_without_the_country(mini_runs):
    """Japan's view: "NdFeB magnet", not "Japan · NdFeB magnet" (the title says Japan);
    other countries keep their name; the hover names every node in full."""
    halt, _ = mini_runs
    nodes, _ = sankey_links(halt, "2027", "JPN")
    tr = sankey_figure(halt, "2027", "JPN")["data"][0]
    own = [(n, lab) for n, lab in zip(nodes, tr["node"]["label"], strict=True)
           if n["region"] == "JPN" and lab]
    assert own and all(not lab.startswith("Japan") and n["label"] == f"Japan · {lab}"
                       for n, lab in own)
    assert "Australia · NdPr oxide" in tr["node"]["label"]  # Japan's supplier keeps its name
    assert all(long.startswith(("Japan", "China", "India", "Australia", "unserved"))
               for long in tr["node"]["customdata"])
    assert "Japan" in sankey_figure(halt, "2027", "JPN")["layout"]["title"]["text"]


def test_band_widths_keep_mass(mini_runs):
    """Trade bands sum to the flows table; served + unserved = requested per sector."""
    halt, _ = mini_runs
    for region in (None, "JPN", "IND"):
        for p in halt.periods:
            nodes, links = sankey_links(halt, p, region)
            fl = halt.flows
            fl = fl[(fl["period"] == p) & (fl["amount"] > 1e-6)]
            if region:
                fl = fl[(fl["origin"] == region) | (fl["destination"] == region)]
            trade = links[links["kind"] == "trade"]["value"].sum()
            assert trade == pytest.approx(fl["amount"].sum(), abs=1e-6)
            un = halt.unserved
            un = un[un["period"] == p]
            if region:
                un = un[un["region"] == region]
            dem = links[links["target"].str.startswith("dem:")]["value"].sum()
            assert dem == pytest.approx(un["requested"].sum(), abs=1e-6)


def test_commodity_nodes_balance(loop):
    """In = out at every commodity node of the loop world (discards left out on both sides)."""
    nodes, links = sankey_links(loop, "2025")
    for n in nodes:
        if n["kind"] != "commodity":
            continue
        inn = links.loc[links["target"] == n["id"], "value"].sum()
        out = links.loc[links["source"] == n["id"], "value"].sum()
        assert inn == pytest.approx(out, abs=1e-6), n["id"]


def test_discards_are_never_the_widest_band(loop):
    fig = sankey_figure(loop, "2025")
    tr = fig["data"][0]
    widest = max(range(len(tr["link"]["value"])), key=tr["link"]["value"].__getitem__)
    assert "junk" not in tr["link"]["customdata"][widest][1]
    assert tr["link"]["value"][widest] == pytest.approx(266.0)  # rock into the splitter
    notes = [a["text"] for a in fig["layout"]["annotations"] if a.get("name") == "notes"]
    assert notes and "213 t of Leftover oxide" in notes[0]  # 0.8 × 266 = 212.8 t


def test_nodes_do_not_overlap(loop, mini_runs):
    """Within a column, slots (node height or a line of text) do not overlap."""
    for r, p in [(loop, "2025"), (mini_runs[0], "2027")]:
        tr = sankey_figure(r, p)["data"][0]
        px = tr["meta"]["plot_px"]
        vals = [0.0] * len(tr["node"]["label"])
        ins, outs = vals[:], vals[:]
        for s, t, v in zip(tr["link"]["source"], tr["link"]["target"], tr["link"]["value"],
                           strict=True):
            outs[s] += v
            ins[t] += v
        h = [max(a, b) / tr["meta"]["t_per_px"] for a, b in zip(ins, outs, strict=True)]
        cols: dict[float, list[int]] = {}
        for i, x in enumerate(tr["node"]["x"]):
            cols.setdefault(round(x, 6), []).append(i)
        for members in cols.values():
            spans = sorted((tr["node"]["y"][i] * px - max(h[i], 12) / 2,
                            tr["node"]["y"][i] * px + max(h[i], 12) / 2) for i in members)
            for (_, b), (c, _) in zip(spans, spans[1:], strict=False):
                assert c >= b - 1e-6


def test_trade_in_report_figure_equals_flows(mini_runs):
    halt, controls = mini_runs
    fig = sankey_all_periods(halt, "JPN", base=controls)
    for tr in fig["data"]:
        fl = halt.flows
        fl = fl[(fl["period"] == tr["name"]) & (fl["amount"] > 1e-6)]
        fl = fl[(fl["origin"] == "JPN") | (fl["destination"] == "JPN")]
        got = trade_links(tr)
        assert got.keys() == set(fl["route"])
        for route, v in zip(fl["route"], fl["amount"], strict=True):
            assert got[route] == pytest.approx(v, abs=1e-9)


def test_the_slider_legend_names_only_the_countries_on_screen():
    """Two years of the loop world; in 2026 Japan asks for nothing, so nothing moves in or to
    Japan: that year's legend must not list Japan, while 2025's (when Japan imports oxide and
    magnets) does."""
    from tests.plot.conftest import loop_world

    w = loop_world(periods=[2025, 2026])
    for d in w["demands"]:
        if d["region"] == "JPN":
            d["amount"] = {2025: d["amount"], 2026: 0}
    r = rareflow.from_mapping(w).solve()
    fig = sankey_all_periods(r)
    steps = {s["label"]: s["args"][1] for s in fig["layout"]["sliders"][0]["steps"]}
    k = next(i for i, a in enumerate(fig["layout"]["annotations"]) if a.get("name") == "legend")
    legend_of = {p: steps[p][f"annotations[{k}].text"] for p in ("2025", "2026")}
    assert "Japan" in legend_of["2025"] and "China" in legend_of["2025"]
    assert "Japan" not in legend_of["2026"] and "China" in legend_of["2026"]
    assert fig["layout"]["annotations"][k]["text"] == legend_of["2025"]  # the period shown first
