"""`rareflow sweep` as a user runs it: progress bar, risk tables, CSV files, the run store."""

import csv
import json
import subprocess
import sys
from pathlib import Path

import yaml

from tests.sweep.helpers import small_world

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "sweep-demo.yaml"


def cli(*args, env=None):
    return subprocess.run([sys.executable, "-m", "rareflow.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=300)


def rows(path):
    with open(path) as fh:
        return list(csv.DictReader(fh))


def test_example_sweep_prints_risk_tables_writes_csv_and_records_the_run(tmp_path):
    p = cli("sweep", EXAMPLE, "-n", 200, "--workers", 2, "--out", tmp_path / "out")
    assert p.returncode == 0, p.stderr
    assert "200/200" in p.stderr  # the progress bar finished
    out = p.stdout
    assert "sweep-demo: 200 futures (seed 2025) solved on 2 processes" in out
    assert "Shortfall risk by region × sector" in out and "By sector" in out
    assert "embargo-japan" in out and "checked against cold solves" in out
    summary = rows(tmp_path / "out" / "summary.csv")
    assert {"region", "sector", "p_shortfall", "expected_unserved_t", "cvar95_t",
            "expected_periods_short", "p_worse_than_base"} <= set(summary[0])
    assert len(rows(tmp_path / "out" / "samples.csv")) == 200
    meta = json.loads((tmp_path / "out" / "sweep.json").read_text())
    assert meta["samples"] == 200 and meta["seed"] == 2025 and meta["verified_against_cold"] == 2
    assert "recorded as run #" in out
    from rareflow.store import RunStore

    runs = RunStore().list()
    assert (runs["origin"] == "sweep").any()


def test_a_scenario_without_uncertainty_says_what_to_do(tmp_path):
    p = cli("sweep", "toy", "-n", 5, "--workers", 1, "--no-store")
    assert p.returncode == 1
    assert "no 'uncertainty' block" in p.stderr and "--uncertainty" in p.stderr


def test_uncertainty_from_a_separate_file_and_same_seed_same_answer(tmp_path):
    w = small_world()
    unc = w.pop("uncertainty")
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(w))
    (tmp_path / "u.yaml").write_text(yaml.safe_dump({"uncertainty": unc}))
    a = cli("sweep", tmp_path / "w.yaml", "-u", tmp_path / "u.yaml", "-n", 30, "--seed", 9,
            "--workers", 1, "--no-store", "--out", tmp_path / "a")
    b = cli("sweep", tmp_path / "w.yaml", "-u", tmp_path / "u.yaml", "-n", 30, "--seed", 9,
            "--workers", 2, "--no-store", "--out", tmp_path / "b")
    assert a.returncode == 0 and b.returncode == 0, a.stderr + b.stderr
    assert (tmp_path / "a" / "summary.csv").read_text() == (tmp_path / "b" / "summary.csv").read_text()
    sa, sb = rows(tmp_path / "a" / "samples.csv"), rows(tmp_path / "b" / "samples.csv")
    for r in sa + sb:
        r.pop("seconds")
    assert len(sa) == 30 and sa == sb


def test_bad_uncertainty_file_lists_problems_with_paths(tmp_path):
    w = small_world()
    w.pop("uncertainty")
    (tmp_path / "w.yaml").write_text(yaml.safe_dump(w))
    (tmp_path / "u.yaml").write_text(yaml.safe_dump({"uncertainty": {"events": [
        {"id": "x", "type": "outage", "facility": "nowhere", "probability": 0.1, "duration": 2},
        {"id": "y", "type": "outage", "facility": "P1-mine", "probability": 0.1, "duration": 2,
         "colour": "red"}]}}))
    p = cli("sweep", tmp_path / "w.yaml", "-u", tmp_path / "u.yaml", "-n", 5, "--no-store")
    assert p.returncode == 1
    assert "uncertainty.events[1].colour: unknown key 'colour'" in p.stderr
    (tmp_path / "u.yaml").write_text(yaml.safe_dump({"uncertainty": {"events": [
        {"id": "x", "type": "outage", "facility": "nowhere", "probability": 0.1, "duration": 2}]}}))
    p = cli("sweep", tmp_path / "w.yaml", "-u", tmp_path / "u.yaml", "-n", 5, "--no-store")
    assert p.returncode == 1
    assert "uncertainty.events[0].facility: unknown facility 'nowhere'" in p.stderr
    assert "P1-mine" in p.stderr
