"""The store reads its schema version when it opens a file: an older store is upgraded in place
(all or nothing), a newer one is refused with a message that says what to do."""

from __future__ import annotations

import json

import duckdb
import pytest

from rareflow.results.result import SECTIONS
from rareflow.store import SCHEMA_VERSION, RunStore, StoreError


def _version(path) -> str:
    with duckdb.connect(str(path), read_only=True) as con:
        return con.execute("SELECT value FROM meta WHERE key = 'schema_version'").fetchone()[0]


def _as_version_1(path, rid: int) -> list[str]:
    """Turn a store into what version 1 wrote: no targets table, one list of sentences per run
    (the sections in order), version 1 in meta. Returns that list."""
    with duckdb.connect(str(path)) as con:
        text = con.execute("SELECT explanation FROM runs WHERE id = ?", [rid]).fetchone()[0]
        sections = json.loads(text)
        flat = [s for name in SECTIONS for s in sections[name]]
        layout = json.loads(con.execute("SELECT table_names FROM runs WHERE id = ?",
                                        [rid]).fetchone()[0])
        layout.pop("targets")
        con.execute("UPDATE runs SET explanation = ?, table_names = ? WHERE id = ?",
                    [json.dumps(flat), json.dumps(layout), rid])
        con.execute("DROP TABLE targets")
        con.execute("UPDATE meta SET value = '1' WHERE key = 'schema_version'")
    return flat


@pytest.mark.parametrize("first_use", ["read", "write"])
def test_an_older_store_is_upgraded_when_opened(tmp_path, mini_results, first_use):
    path = tmp_path / "runs.duckdb"
    st = RunStore(path)
    rid = st.record(mini_results)
    flat = _as_version_1(path, rid)
    assert _version(path) == "1"
    if first_use == "read":  # even a read-only use (listing) upgrades it first
        assert list(RunStore(path).list()["id"]) == [rid]
    else:
        RunStore(path).record(mini_results)
    assert _version(path) == str(SCHEMA_VERSION) == "2"
    old = RunStore(path).get(rid)
    # a version-1 run kept one list of sentences: it reads back whole, as the `explain` section
    assert old.explanation() == flat and old.section("explain") == flat
    assert old.status == "optimal" and len(old.flows) == len(mini_results.flows)
    assert "targets" not in old.tables() and list(old.targets.columns) == ["target", "period",
                                                                          "shortfall", "met"]
    with duckdb.connect(str(path), read_only=True) as con:  # the declared tables exist now
        assert con.execute("SELECT count(*) FROM targets").fetchone()[0] == 0


def test_a_newer_store_is_refused_and_left_alone(tmp_path, mini_results):
    path = tmp_path / "runs.duckdb"
    RunStore(path).record(mini_results)
    with duckdb.connect(str(path)) as con:
        con.execute("UPDATE meta SET value = '99' WHERE key = 'schema_version'")
    before = path.read_bytes()
    for use in (lambda s: s.list(), lambda s: s.get(1), lambda s: s.record(mini_results)):
        with pytest.raises(StoreError, match=r"newer rareflow \(store schema 99; .* reads up to "
                                             r"2\)\. Upgrade rareflow, or give another path"):
            use(RunStore(path))
    assert path.read_bytes() == before


def test_an_older_store_that_cannot_be_written_says_what_to_do(tmp_path, mini_results,
                                                             monkeypatch):
    path = tmp_path / "runs.duckdb"
    _as_version_1(path, RunStore(path).record(mini_results))
    real = RunStore._open

    def no_writing(self, read_only):  # as on a read-only disk (chmod does not stop root)
        if not read_only:
            raise StoreError(f"cannot open the run store {self.path}: Permission denied")
        return real(self, read_only)

    monkeypatch.setattr(RunStore, "_open", no_writing)
    with pytest.raises(StoreError, match="schema version 1; this rareflow needs 2 .*Make the "
                                         "file writable once, or give another path"):
        RunStore(path).list()
    assert _version(path) == "1"
