"""The worked example in docs/scenario-format.md is a valid file whose printed answer is true.

The YAML block is taken from the page, validated and solved; the figures of the `rareflow run`
output shown beneath it (shortfalls, costs, the unserved and trade tables, the LP size) and the
claims of the prose after it are checked against that solve. Change the file or the model and
this fails until the page says what the program does (rerun the command the page shows).
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

import rareflow

PAGE = Path(__file__).resolve().parents[2] / "docs" / "scenario-format.md"
PENALTIES = ("unserved-demand penalty", "target-shortfall penalty")


def _section() -> str:
    text = PAGE.read_text()
    head = "## A complete worked example"
    assert head in text, f"{PAGE.name} lost its section '{head}'"
    return text.split(head, 1)[1]


def _blocks(lang: str) -> list[str]:
    return re.findall(rf"```{lang}\n(.*?)```", _section(), flags=re.S)


@pytest.fixture(scope="module")
def solved(tmp_path_factory):
    (text,) = _blocks("yaml")
    path = tmp_path_factory.mktemp("ex") / "worked-example.yaml"
    path.write_text(text)
    model = rareflow.load(path)  # validates: a bad file raises ScenarioError here
    return path, model, model.solve()


@pytest.fixture(scope="module")
def printed() -> str:
    (out,) = _blocks("text")
    return out


def _num(s: str) -> float:
    return float(s.replace(",", ""))


def _table(out: str, title: str) -> list[dict[str, str]]:
    """The rows of a rich table printed under a line starting with `title`."""
    lines = out.splitlines()
    start = next(i for i, ln in enumerate(lines) if ln.startswith(title))
    header = next(ln for ln in lines[start:] if ln.startswith("┃"))
    names = [c.strip() for c in header.strip("┃").split("┃")]
    rows = []
    for ln in lines[lines.index(header, start) + 1:]:
        if ln.startswith("└"):
            break
        if ln.startswith("│"):
            rows.append(dict(zip(names, [c.strip() for c in ln.strip("│").split("│")],
                                 strict=True)))
    return rows


def test_the_example_is_valid_and_uses_every_part(solved):
    _, model, r = solved
    scn = model.scenario
    assert r.periods[:2] == ["2025-01", "2025-02"] and r.periods[-2:] == ["2026", "2027"]
    assert len(r.periods) == 14
    assert any(d.tiers for d in scn.demands) and scn.stocks[0].final is not None
    (pol,) = scn.all_policies()
    assert pol.announced == "2025-04" and pol.no_transit
    assert len(r.stages) == 2  # planned without, then with the ban


def test_printed_shortfalls_and_costs_match_the_solve(solved, printed):
    _, _, r = solved
    total = re.search(r"Shortfalls: ([\d,]+) t of demand unserved", printed)
    assert total and _num(total.group(1)) == round(r.total_unserved())
    costs = r.costs.set_index("term")["amount"]
    paid = re.search(r"Costs \(money that would be paid, discounted\): ([\d.]+) M", printed)
    assert paid and _num(paid.group(1)) == round(costs.drop(list(PENALTIES), errors="ignore")
                                                  .sum() / 1e6, 1)
    valued = re.search(r"([\d,]+) t of demand unserved valued at ([\d.]+) M", printed)
    assert valued and _num(valued.group(2)) == round(costs["unserved-demand penalty"] / 1e6, 1)
    obj = re.search(r"LP objective \(costs \+ penalty valuations\) ([\d,]+) ", printed)
    assert obj and _num(obj.group(1)) == round(r.objective)
    size = re.search(r"([\d,]+) variables, ([\d,]+) constraints", printed)
    rows, cols = r.model.frozen.shape
    assert size and (_num(size.group(1)), _num(size.group(2))) == (cols, rows)


def test_printed_unserved_table_matches_the_solve(solved, printed):
    _, _, r = solved
    un = r.unserved[r.unserved["amount"] > 0]
    by = un.groupby(["region", "sector"])["amount"].sum()
    rows = _table(printed, "Unserved demand (t)")
    assert {(x["region"], x["sector"]) for x in rows} == set(by.index)
    for x in rows:
        assert _num(x["total"]) == round(by[(x["region"], x["sector"])])
        short = un[(un["region"] == x["region"]) & (un["sector"] == x["sector"])]
        first, last = short["period"].iloc[0], short["period"].iloc[-1]
        assert x["periods"] == (first if first == last else f"{first}–{last}")


def test_printed_trade_table_matches_the_solve(solved, printed):
    _, _, r = solved
    flows = r.flows.groupby(["origin", "destination", "commodity"])["amount"].sum()
    rows = _table(printed, "Top ")
    assert len(rows) == (flows > 0.5).sum()
    for x in rows:
        total = next(v for k, v in x.items() if k.startswith("total"))
        assert _num(total) == round(flows[(x["origin"], x["destination"], x["commodity"])])


def test_the_prose_after_the_output_is_true(solved):
    _, _, r = solved
    level = r.stocks.set_index("period")["level"]
    assert level["2025-01"] == pytest.approx(50)  # run down to the floor, not knowing
    assert level["2025-04"] == pytest.approx(200)  # refilled to capacity when announced
    un = r.pivot("unserved", index="region")
    assert un.loc["JPN", "2025-04"] == pytest.approx(20)
    assert un.loc["CHN", "2025-04"] == pytest.approx(22, abs=0.5)
    after = [p for p in r.periods if p >= "2025-10"]
    assert un[after].to_numpy().sum() == pytest.approx(0)
    assert r.transit["binding"].all() and set(r.transit["region"]) == {"VNM"}
    tiers = r.unserved_tiers
    tiers = tiers[(tiers["amount"] > 0) & (tiers["region"] == "JPN")]
    first_rest = tiers[tiers["tier"] == 0]["period"].min()
    assert first_rest == "2025-07"  # Japan's 400,000 USD/t slice: short from July
    assert set(tiers[tiers["period"] < "2025-07"]["tier"]) == {1}  # before: the cheap tier only
