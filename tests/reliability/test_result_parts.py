"""Commands that write into one scenario folder keep each other's files (issue 15's rule kept).

`rareflow backtest X` writes backtest.csv/.html into rareflow-out/X/, the folder `rareflow run
X` writes its tables into. Each command's files are a part of the folder's result set, listed in
its marker: a command replaces its own part and keeps the others; a file rareflow did not write
is still refused and left as it is.
"""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from rareflow.results.tables import MARKER, OutputError, check_out, set_parts, write_file, write_set

ROOT = Path(__file__).resolve().parents[2]
SCEN = "china-controls-2025"


def cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "rareflow.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=300)


def files(d: Path) -> dict[str, bytes]:
    return {p.name: p.read_bytes() for p in sorted(d.iterdir())}


# ---- the writer -----------------------------------------------------------------------------
def test_two_commands_keep_each_others_files_and_replace_their_own(tmp_path):
    out = tmp_path / "res"
    write_set(out, {"flows.csv": "1\n", "old.csv": "x\n", "summary.json": "{}"}, "rareflow run")
    write_set(out, {"backtest.csv": "b1\n"}, "rareflow backtest")
    assert sorted(files(out)) == [MARKER, "backtest.csv", "flows.csv", "old.csv", "summary.json"]
    # a new run replaces its own part whole (old.csv is gone) and keeps the back-test's
    write_set(out, {"flows.csv": "2\n", "summary.json": "{}"}, "rareflow run")
    got = files(out)
    assert sorted(got) == [MARKER, "backtest.csv", "flows.csv", "summary.json"]
    assert got["backtest.csv"] == b"b1\n" and got["flows.csv"] == b"2\n"
    marker = json.loads(got[MARKER])
    assert marker["files"] == ["backtest.csv", "flows.csv", "summary.json"]
    assert set_parts(out) == {"rareflow backtest": ["backtest.csv"],
                              "rareflow run": ["flows.csv", "summary.json"]}
    write_set(out, {"backtest.csv": "b2\n"}, "rareflow backtest")
    assert files(out)["backtest.csv"] == b"b2\n" and files(out)["flows.csv"] == b"2\n"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["res"]  # nothing left beside it


def test_a_foreign_file_is_still_refused_whatever_the_parts(tmp_path):
    out = tmp_path / "res"
    write_set(out, {"flows.csv": "1\n"}, "rareflow run")
    write_set(out, {"backtest.csv": "b\n"}, "rareflow backtest")
    (out / "notes.txt").write_text("mine")
    before = files(out)
    for cmd in ("rareflow run", "rareflow backtest"):
        with pytest.raises(OutputError, match="notes.txt"):
            write_set(out, {"flows.csv": "2\n"}, cmd)
    assert files(out) == before


def test_a_part_sharing_a_file_name_is_replaced_whole(tmp_path):
    """`compare --out` into a run's folder writes summary.json too: half a run beside a
    comparison would be read as a whole run, so the run's part goes."""
    out = tmp_path / "res"
    write_set(out, {"flows.csv": "1\n", "summary.json": "{}"}, "rareflow run")
    write_set(out, {"backtest.csv": "b\n"}, "rareflow backtest")
    write_set(out, {"unserved.csv": "u\n", "summary.json": "{\"c\": 1}"}, "rareflow compare")
    assert sorted(files(out)) == [MARKER, "backtest.csv", "summary.json", "unserved.csv"]


def test_an_older_set_with_the_backtest_beside_it_is_no_longer_refused(tmp_path):
    """What users have now: a run's set (marker without parts) with backtest.csv/.html that an
    earlier `rareflow backtest` wrote beside it without listing them."""
    out = tmp_path / "res"
    out.mkdir()
    (out / MARKER).write_text(json.dumps({"written_by": "rareflow 0.1.0", "command": "rareflow run",
                                          "files": ["flows.csv", "summary.json"]}))
    (out / "flows.csv").write_text("1\n")
    (out / "summary.json").write_text("{}")
    (out / "backtest.csv").write_text("kind,series,label,what,region\nx\n")
    (out / "backtest.html").write_text("<!doctype html>\n<html>\n<head><title>Back-test of x")
    assert check_out(out) == "replace"
    write_set(out, {"flows.csv": "2\n", "summary.json": "{}"}, "rareflow run")
    assert files(out)["backtest.csv"] == b"kind,series,label,what,region\nx\n"
    assert set_parts(out)["rareflow backtest"] == ["backtest.csv", "backtest.html"]
    # a file of that name that rareflow did not write is still the user's
    other = tmp_path / "other"
    write_set(other, {"flows.csv": "1\n"}, "rareflow run")
    (other / "backtest.csv").write_text("my own back-test")
    with pytest.raises(OutputError, match="backtest.csv"):
        write_set(other, {"flows.csv": "2\n"}, "rareflow run")
    assert (other / "backtest.csv").read_text() == "my own back-test"


def test_a_report_written_into_a_result_folder_joins_its_set(tmp_path):
    out = tmp_path / "res"
    write_set(out, {"flows.csv": "1\n"}, "rareflow run")
    write_file(out / "report.html", "<!DOCTYPE html>r1", "rareflow report")
    write_set(out, {"flows.csv": "2\n"}, "rareflow run")
    assert files(out)["report.html"] == b"<!DOCTYPE html>r1"
    # outside a result folder it is one file, as before
    write_file(tmp_path / "report.html", "<!DOCTYPE html>r2", "rareflow report")
    assert not (tmp_path / MARKER).exists()


# ---- the commands ---------------------------------------------------------------------------
def test_backtest_then_run_keeps_the_backtest(tmp_path):
    p = cli("backtest", SCEN, "--no-store", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    where = tmp_path / "rareflow-out" / SCEN
    bt = files(where)
    p = cli("run", SCEN, "--no-store", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    got = files(where)
    assert got["backtest.csv"] == bt["backtest.csv"] and got["backtest.html"] == bt["backtest.html"]
    assert "summary.json" in got and "flows.csv" in got
    assert "backtest.csv, backtest.html" in p.stdout and "not redone" in p.stdout


def test_run_then_backtest_keeps_the_run_and_a_foreign_file_is_refused(tmp_path):
    p = cli("run", SCEN, "--no-store", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    where = tmp_path / "rareflow-out" / SCEN
    run = files(where)
    p = cli("backtest", SCEN, "--no-store", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    got = files(where)
    assert {k: v for k, v in got.items() if k != MARKER and not k.startswith("backtest.")} == \
        {k: v for k, v in run.items() if k != MARKER}
    assert {"backtest.csv", "backtest.html"} <= got.keys()
    (where / "thesis.docx").write_text("x")
    before = files(where)
    for cmd in ("backtest", "run"):
        p = cli(cmd, SCEN, "--no-store", cwd=tmp_path)
        assert p.returncode == 1 and "thesis.docx" in p.stderr and "Traceback" not in p.stderr
    assert files(where) == before
