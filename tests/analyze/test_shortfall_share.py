"""One share of demand unserved everywhere: `run`, the report, the API and the sweep give the
same figure for the same demand and say what it is a share of."""

import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

import rareflow
from rareflow.analyze.shortfalls import share_of_demand, share_words, shortfall_shares
from rareflow.sweep.stats import group_summary, sector_summary

MINI_HALT = Path(__file__).parents[1] / "report" / "scenarios" / "mini-halt.yaml"


@pytest.fixture(scope="module")
def halt():
    return rareflow.load(MINI_HALT).solve()


def test_the_one_definition_by_hand(halt):
    # mini.yaml: IND automotive asks 2,000 t/yr in 2024-2027 and 3,000 t/yr in 2028-2030,
    # 4 × 2,000 + 3 × 3,000 = 17,000 t over the horizon; India's halt leaves 2,000 t unserved
    # in each of 2025-2027 = 6,000 t: 6,000 / 17,000 = 35.3 %
    sh = shortfall_shares(halt).set_index(["region", "sector", "commodity"])
    row = sh.loc[("IND", "automotive", "ndfeb_magnet")]
    assert row["requested_t"] == pytest.approx(17_000) and row["unserved_t"] == pytest.approx(6_000)
    assert row["share"] == pytest.approx(6_000 / 17_000)
    assert row["span"] == "2024–2030"
    assert row["text"] == "35% of IND's automotive ndfeb magnet demand in 2024–2030"
    assert share_of_demand(1.0, 0.0) is None and share_words(1.0, 0.0, "x", "2024") == ""


def test_run_report_and_api_print_the_same_share(halt, tmp_path):
    p = subprocess.run([sys.executable, "-m", "rareflow.cli", "run", str(MINI_HALT), "--no-store",
                        "--out", str(tmp_path / "o")], capture_output=True, text=True,
                       env={**os.environ, "COLUMNS": "120"})
    assert p.returncode == 0, p.stderr
    line = next(x for x in p.stdout.splitlines() if x.startswith("│ IND"))
    assert "automotive" in line and line.split("│")[-2].strip() == "35%"
    assert "share = of that region's sector demand for the commodity in 2024–2030" in p.stdout

    from rareflow.report.html import build_report

    html = build_report(halt)
    assert "6,000 t in total (35% of that demand in 2024–2030)" in html

    from fastapi.testclient import TestClient

    from tests.web.conftest import make_app

    with TestClient(make_app(tmp_path / "runs.duckdb")) as c:
        j = c.post("/api/runs", json={"scenario": "mini-halt"}).json()
    ind = next(s for s in j["shortfall_shares"] if (s["region"], s["sector"]) == ("IND", "automotive"))
    assert ind["share"] == pytest.approx(6_000 / 17_000)
    assert ind["text"] == "35% of IND's automotive ndfeb magnet demand in 2024–2030"
    assert any("(35% of that demand in 2024–2030)" in s for s in j["shortfalls"])


def test_sweep_shares_keep_commodities_apart():
    # one region and sector asking 100 t of NdFeB and 10,000 t of ferrite: 32 t of NdFeB short
    # is 32 % of the NdFeB demand, not 0.3 % of 10,100 t of two commodities added together
    groups = [("IND", "industrial", "ndfeb_magnet"), ("IND", "industrial", "ferrite_magnet")]
    un = np.array([[32.0, 0.0], [32.0, 0.0]])
    req = np.array([[100.0, 10_000.0], [100.0, 10_000.0]])
    s = group_summary(groups, un, np.zeros_like(un), req, 1e-6)
    assert list(s["commodity"]) == ["ndfeb_magnet", "ferrite_magnet"]
    assert s["expected_share_unserved"].tolist() == pytest.approx([0.32, 0.0])
    sec = sector_summary(groups, un, req, 1e-6).set_index(["sector", "commodity"])
    assert sec.loc[("industrial", "ndfeb_magnet"), "expected_share_unserved"] == pytest.approx(0.32)
