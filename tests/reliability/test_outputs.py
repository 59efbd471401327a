"""rareflow never loses what it did not write (issue 15, defects 1–3, 8, 9).

`--out` at a folder of the user's files, at a file, or chosen by a scenario's `name:` must
delete nothing; replacing rareflow's own earlier set is one step and leaves nothing hidden
behind after a crash; a read-only file system gets a plain message, not "internal error".
"""

import errno
import json
import os
import signal
import stat
import subprocess
import sys
import textwrap
import time
from pathlib import Path

import pytest

import rareflow
from rareflow.results import output
from rareflow.results.tables import MARKER, OutputError, check_out, safe_name, write_set

ROOT = Path(__file__).resolve().parents[2]
EXAMPLE = ROOT / "examples" / "export-ban.yaml"


def cli(*args, cwd=None):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "rareflow.cli", *map(str, args)],
                          capture_output=True, text=True, cwd=cwd, env=env, timeout=120)


def snapshot(d: Path) -> dict:
    """Every path under d with its content (files) and mode."""
    out = {}
    for p in sorted(d.rglob("*")):
        st = p.lstat()
        out[str(p.relative_to(d))] = (stat.S_IMODE(st.st_mode),
                                      p.read_bytes() if p.is_file() else None)
    out["."] = stat.S_IMODE(d.lstat().st_mode)
    return out


def test_out_at_a_folder_of_user_files_deletes_nothing(tmp_path):
    d = tmp_path / "d"
    (d / "sub").mkdir(parents=True)
    (d / "thesis.docx").write_text("x")
    (d / "sub" / "notes.txt").write_text("keep me")
    before = snapshot(d)
    p = cli("run", EXAMPLE, "--no-store", "--out", d)
    assert p.returncode == 1, p.stdout + p.stderr
    assert "thesis.docx" in p.stderr and "did not write" in p.stderr
    assert "--out" in p.stderr and "Traceback" not in p.stderr
    assert snapshot(d) == before  # same files, same content, same modes
    assert sorted(x.name for x in tmp_path.iterdir()) == ["d"]  # nothing half-written beside it


def test_out_at_a_file_leaves_the_file(tmp_path):
    f = tmp_path / "f.txt"
    f.write_text("x")
    p = cli("run", EXAMPLE, "--no-store", "--out", f)
    assert p.returncode == 1
    assert "is a file" in p.stderr and "Give a new folder name" in p.stderr
    assert f.read_text() == "x"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["f.txt"]


@pytest.mark.parametrize("name", ["/ABS", "../../victim", "..", "a\\b"])
def test_a_scenario_name_that_is_a_path_is_refused(tmp_path, name):
    victim = tmp_path / "victim"
    victim.mkdir()
    (victim / "data.txt").write_text("precious")
    work = tmp_path / "a" / "b"
    work.mkdir(parents=True)
    text = EXAMPLE.read_text().replace("name: export-ban", f"name: '{name}'".replace(
        "/ABS", str(victim)))
    f = work / "sent-to-you.yaml"
    f.write_text(text)
    for cmd in (["validate", f], ["run", f, "--no-store"]):
        p = cli(*cmd, cwd=work)
        assert p.returncode == 1, (cmd, p.stdout, p.stderr)
        assert "name: " in p.stderr and "looks like a path" in p.stderr, p.stderr
        assert "Traceback" not in p.stderr
    assert (victim / "data.txt").read_text() == "precious"
    assert sorted(x.name for x in victim.iterdir()) == ["data.txt"]
    assert sorted(x.name for x in work.iterdir()) == ["sent-to-you.yaml"]


def test_default_folder_is_a_safe_slug_under_the_working_directory(tmp_path):
    text = EXAMPLE.read_text().replace("name: export-ban", "name: 'Ban: CHN → JPN (draft)'")
    (tmp_path / "s.yaml").write_text(text)
    p = cli("run", tmp_path / "s.yaml", "--no-store", cwd=tmp_path)
    assert p.returncode == 0, p.stderr
    out = tmp_path / "rareflow-out" / "Ban-CHN-JPN-draft"
    assert (out / "summary.json").is_file() and (out / MARKER).is_file()
    assert safe_name("..") == "scenario" and safe_name(".hidden") == "hidden"
    assert "/" not in safe_name("x" * 500) and len(safe_name("x" * 500)) == 100


def test_replacing_its_own_set_keeps_the_folder_mode_and_leaves_nothing(tmp_path):
    out = tmp_path / "res"
    write_set(out, {"a.csv": "1\n", "summary.json": "{}"})
    assert json.loads((out / MARKER).read_text())["files"] == ["a.csv", "summary.json"]
    os.chmod(out, 0o750)
    write_set(out, {"b.csv": "2\n", "summary.json": "{}"})
    assert sorted(x.name for x in out.iterdir()) == [MARKER, "b.csv", "summary.json"]
    assert stat.S_IMODE(out.stat().st_mode) == 0o750
    assert sorted(x.name for x in tmp_path.iterdir()) == ["res"]


def test_a_new_set_has_an_ordinary_mode_not_0700(tmp_path):
    out = tmp_path / "res"
    write_set(out, {"a.csv": "1\n"})
    umask = output._umask()
    assert stat.S_IMODE(out.stat().st_mode) == 0o777 & ~umask


def test_an_empty_folder_is_adopted_as_it_is(tmp_path):
    out = tmp_path / "mine"
    out.mkdir()
    os.chmod(out, 0o711)
    ino = out.stat().st_ino
    write_set(out, {"a.csv": "1\n"})
    assert out.stat().st_ino == ino and stat.S_IMODE(out.stat().st_mode) == 0o711
    assert (out / "a.csv").read_text() == "1\n" and (out / MARKER).exists()


def test_user_files_inside_its_own_set_are_not_replaced(tmp_path):
    out = tmp_path / "res"
    write_set(out, {"a.csv": "1\n"})
    (out / "my-notes.txt").write_text("mine")
    with pytest.raises(OutputError, match="my-notes.txt"):
        write_set(out, {"a.csv": "2\n"})
    assert (out / "my-notes.txt").read_text() == "mine" and (out / "a.csv").read_text() == "1\n"


def test_a_set_written_by_an_older_version_is_recognised(tmp_path):
    out = tmp_path / "rareflow-out" / "toy"
    out.mkdir(parents=True)
    for n in ("summary.json", "flows.csv", "metrics_balances.csv"):
        (out / n).write_text("old")
    assert check_out(out) == "adopt"
    write_set(out, {"flows.csv": "new"})
    assert sorted(x.name for x in out.iterdir()) == [MARKER, "flows.csv"]
    (tmp_path / "x").mkdir()
    (tmp_path / "x" / "summary.json").write_text("{}")
    (tmp_path / "x" / "thesis.docx").write_text("{}")
    with pytest.raises(OutputError):
        check_out(tmp_path / "x")


def test_a_symlink_out_is_refused(tmp_path):
    (tmp_path / "real").mkdir()
    (tmp_path / "link").symlink_to(tmp_path / "real")
    with pytest.raises(OutputError, match="symbolic link"):
        write_set(tmp_path / "link", {"a.csv": "1"})
    assert not list((tmp_path / "real").iterdir())


def test_leftovers_of_a_crash_are_cleaned_by_the_next_write(tmp_path):
    """What an interruption between the two renames left (the old way: no result folder, the
    old set hidden in .res.old-*, the new one in .res.new-*) is removed by the next run; a
    hidden folder that is not rareflow's, or whose writer still runs, is left alone."""
    out = tmp_path / "res"
    dead = _dead_pid()
    old = tmp_path / f".res.old-{dead}-aaaa1111"
    new = tmp_path / f".res.new-{dead}-bbbb2222"
    legacy = tmp_path / ".res.old-k2j3h4g5"  # the older mkdtemp name, the set under set/
    for d in (old, new):
        d.mkdir()
        (d / MARKER).write_text("{}")
        (d / "flows.csv").write_text("x")
    (legacy / "set").mkdir(parents=True)
    (legacy / "set" / "summary.json").write_text("{}")
    foreign = tmp_path / ".res.new-zzzz"
    foreign.mkdir()
    (foreign / "thesis.docx").write_text("x")
    running = tmp_path / f".res.new-{os.getppid()}-cccc3333"
    running.mkdir()
    write_set(out, {"a.csv": "1"})
    assert sorted(x.name for x in tmp_path.iterdir()) == sorted(
        ["res", foreign.name, running.name])


def _dead_pid() -> int:
    p = subprocess.Popen([sys.executable, "-c", "pass"])
    p.wait()
    return p.pid


WRITER = textwrap.dedent("""
    import sys
    from rareflow.results.tables import write_set
    out = sys.argv[1]
    big = "x" * 200_000
    k = 0
    print("ready", flush=True)
    while True:
        k += 1
        write_set(out, {f"t{i}.csv": f"{k}\\n{big}" for i in range(20)} | {"summary.json": str(k)})
""")


def test_kill_9_while_replacing_never_leaves_no_set_and_the_next_run_cleans_up(tmp_path, record):
    """A writer replacing its set in a loop is killed with SIGKILL at 20 moments: the result
    folder is always there and whole (every file of one generation), and the next write leaves
    no hidden folder behind."""
    out = tmp_path / "res"
    write_set(out, {"summary.json": "0"})
    script = tmp_path / "writer.py"
    script.write_text(WRITER)
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    kills = 20
    for k in range(kills):
        p = subprocess.Popen([sys.executable, str(script), str(out)], env=env,
                             stdout=subprocess.PIPE)
        assert p.stdout.readline().strip() == b"ready"
        time.sleep(0.02 + (k % 7) * 0.037)
        p.send_signal(signal.SIGKILL)
        p.wait()
        assert out.is_dir(), f"kill {k}: no result folder"
        gen = (out / "summary.json").read_text()
        for f in out.glob("t*.csv"):
            assert f.read_text().split("\n")[0] == gen, f"kill {k}: a mixed set"
    write_set(out, {"summary.json": "last"})
    assert sorted(x.name for x in tmp_path.iterdir()) == ["res", "writer.py"]
    record("outputs", "kill -9 of a process replacing its result set, at 20 moments; then one "
           "more write", kills, "the result folder was there and whole every time (one "
           "generation of files); the next write left no hidden .res.new-*/.res.old-* folder")


def test_read_only_file_system_is_a_plain_message(tmp_path, monkeypatch):
    def erofs(*a, **k):
        raise OSError(errno.EROFS, "Read-only file system")

    monkeypatch.setattr(output.os, "mkdir", erofs)
    with pytest.raises(OutputError, match="read-only") as e:
        write_set(tmp_path / "res", {"a.csv": "1"})
    assert "--out" in str(e.value)
    monkeypatch.undo()
    monkeypatch.setattr(output.os, "access", lambda *a, **k: False)
    monkeypatch.setattr(output.os, "statvfs", lambda p: type("S", (), {"f_flag": os.ST_RDONLY}))
    with pytest.raises(OutputError, match="read-only file system"):
        check_out(tmp_path / "res")


def test_read_only_file_system_via_the_cli_exits_1(tmp_path, monkeypatch, capsys):
    """`rareflow run … --out` on a read-only file system: exit 1 and words, checked before
    the solve (the main() the console script runs, in this process, with the check faked)."""
    from rareflow import cli as cli_mod

    monkeypatch.setattr(output.os, "access", lambda *a, **k: False)
    monkeypatch.setattr(output.os, "statvfs", lambda p: type("S", (), {"f_flag": os.ST_RDONLY}))
    solved = []
    monkeypatch.setattr(rareflow.Model, "solve", lambda *a, **k: solved.append(1))
    monkeypatch.setattr(sys, "argv", ["rareflow", "run", str(EXAMPLE), "--no-store", "--out",
                                      str(tmp_path / "ro" / "res")])
    with pytest.raises(SystemExit) as e:
        cli_mod.main()
    assert e.value.code == 1 and not solved
    err = capsys.readouterr().err
    assert "read-only file system" in err and "internal error" not in err


def test_sweep_and_explain_outputs_refuse_foreign_folders(tmp_path):
    d = tmp_path / "d"
    d.mkdir()
    (d / "summary.csv").write_text("my own summary")
    p = cli("sweep", ROOT / "examples" / "sweep-demo.yaml", "-n", "4", "--workers", "1",
            "--no-store", "--checkpoint", tmp_path / "ck", "--out", d)
    assert p.returncode == 1 and "did not write" in p.stderr, p.stderr
    p = cli("explain", EXAMPLE, "--out", d)
    assert p.returncode == 1 and "did not write" in p.stderr, p.stderr
    assert [x.name for x in d.iterdir()] == ["summary.csv"]
    assert (d / "summary.csv").read_text() == "my own summary"


def test_report_out_at_a_folder_is_a_plain_message(tmp_path):
    from rareflow.results.tables import atomic_write

    with pytest.raises(OutputError, match="is a folder"):
        atomic_write(tmp_path, "x")


def test_a_single_file_output_replaces_only_its_own_kind(tmp_path):
    """`rareflow report --out thesis.html` must not overwrite someone's file; an earlier report
    at the same name is replaced."""
    from rareflow.results.tables import atomic_write

    mine = tmp_path / "report.html"
    head = "<!DOCTYPE html><html lang='en'><head><meta charset='utf-8'><title>rareflow: "
    atomic_write(mine, head + "old</title>")
    atomic_write(mine, head + "new</title>")
    assert mine.read_text().endswith("new</title>")
    theirs = tmp_path / "thesis.html"
    theirs.write_text("<html><body>four years of work</body></html>")
    with pytest.raises(OutputError, match="not a file rareflow wrote"):
        atomic_write(theirs, head + "x")
    assert theirs.read_text() == "<html><body>four years of work</body></html>"
    assert sorted(x.name for x in tmp_path.iterdir()) == ["report.html", "thesis.html"]


def test_report_cli_does_not_overwrite_a_foreign_file(tmp_path):
    f = tmp_path / "report.html"
    f.write_text("my notes")
    p = cli("report", EXAMPLE, "--no-store", "--out", f)
    assert p.returncode == 1 and "not a file rareflow wrote" in p.stderr, p.stderr
    assert f.read_text() == "my notes"
