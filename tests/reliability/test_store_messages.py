"""A damaged, foreign or read-only run store gets a plain message that fits its cause
(issue 15, defect 9): never "internal error", never "Close the program that holds it" when
no program holds it."""

import os
import subprocess
import sys
from pathlib import Path

import duckdb
import pytest

from rareflow.store import RunStore, StoreError

ROOT = Path(__file__).resolve().parents[2]


def cli(*args):
    env = {**os.environ, "PYTHONPATH": str(ROOT / "src")}
    return subprocess.run([sys.executable, "-m", "rareflow.cli", *map(str, args)],
                          capture_output=True, text=True, env=env, timeout=120)


@pytest.fixture(scope="module")
def store_bytes(tmp_path_factory):
    d = tmp_path_factory.mktemp("store")
    p = cli("run", "toy", "--store", d / "s.duckdb", "--out", d / "o")
    assert p.returncode == 0, p.stderr
    return (d / "s.duckdb").read_bytes()


@pytest.mark.parametrize("keep", [0.005, 0.3, 0.75, 0.999])
def test_runs_on_a_truncated_store_is_a_plain_message(tmp_path, store_bytes, keep):
    f = tmp_path / "cut.duckdb"
    f.write_bytes(store_bytes[:int(len(store_bytes) * keep)])
    for cmd in (["runs"], ["runs", "show", "1"]):
        p = cli(*cmd, "--store", f)
        assert p.returncode in (0, 1), (cmd, p.stderr)
        assert "internal error" not in p.stderr and "Traceback" not in p.stderr
        if p.returncode == 1:
            assert "Close the program" not in p.stderr, p.stderr
            assert "damaged" in p.stderr or "no run 1" in p.stderr, p.stderr


def test_a_file_that_is_not_a_store(tmp_path):
    f = tmp_path / "notes.duckdb"
    f.write_text("my notes\n")
    p = cli("runs", "--store", f)
    assert p.returncode == 1
    assert "not a rareflow run store" in p.stderr and "Close the program" not in p.stderr
    assert f.read_text() == "my notes\n"


def test_a_read_only_store_says_so(tmp_path, monkeypatch):
    def ro(*a, **k):
        raise duckdb.IOException(f'IO Error: Cannot open file "{tmp_path}/s.duckdb": '
                                 "Read-only file system")

    monkeypatch.setattr(duckdb, "connect", ro)
    with pytest.raises(StoreError) as e:
        RunStore(tmp_path / "s.duckdb")._connect()
    assert "read-only" in str(e.value) and "Close the program" not in str(e.value)
    assert "--no-store" in str(e.value)


def test_a_lock_still_says_close_the_program(tmp_path, monkeypatch):
    import rareflow.store.db as db

    def locked(*a, **k):
        raise duckdb.IOException('IO Error: Could not set lock on file "x": Conflicting lock '
                                 "is held in python (PID 1)")

    monkeypatch.setattr(duckdb, "connect", locked)
    monkeypatch.setattr(db, "LOCK_WAIT_SECONDS", 0.0)
    with pytest.raises(StoreError, match="Close the program that holds it"):
        RunStore(tmp_path / "s.duckdb")._connect()
