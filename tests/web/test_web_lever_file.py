"""The levers file: what the dashboard's levers are, as data, checked with errors that name the
file, the field and the fix; a different file gives different levers with the same mechanism."""

from __future__ import annotations

from pathlib import Path

import pytest

import rareflow
from rareflow.scenario.loader import builtin_names
from rareflow.web.lever_file import LeverFileError, builtin_levers_file, read_levers
from rareflow.web.levers import Catalog
from tests.web.conftest import MINI, make_app


def _write(tmp_path: Path, text: str) -> Path:
    p = tmp_path / "levers.yaml"
    p.write_text(text)
    return p


def _problems(path: Path, scenarios=None) -> list:
    with pytest.raises(LeverFileError) as e:
        Catalog(scenarios, levers=path)
    assert all(p.file == str(path) for p in e.value.problems)
    assert str(path) in str(e.value) and "levers file" in str(e.value)
    return e.value.problems


def test_the_builtin_file_names_only_builtin_scenarios():
    spec = read_levers(builtin_levers_file())
    assert spec.opens_on in builtin_names()
    assert [lv.id for lv in spec.levers] == ["china_controls", "india_halt", "irel_output",
                                            "tolling", "magnet_plant"]
    for _where, name in spec.scenarios():
        assert name in builtin_names()


@pytest.mark.parametrize("text, path, message, fix", [
    ("levers:\n  - {id: a, type: scenario, lable: A, scenario: mini}\n",
     "levers[0].lable", "unknown key 'lable'", "did you mean 'label'?"),
    ("levers:\n  - {id: a, type: toggle, label: A, scenario: mini}\n",
     "levers[0]", "unknown type 'toggle'", "'scenario'"),
    ("levers:\n  - {id: a, type: scenario, label: A}\n",
     "levers[0].scenario", "'scenario' is required", "add 'scenario:'"),
    ("levers:\n  - {id: a, type: scenario, label: A, scenario: mini}\n"
     "  - {id: a, type: scenario, label: B, scenario: mini-halt}\n",
     "levers", "lever id 'a' is used twice", "its own id"),
    ("levers:\n  - {id: s, type: scale, label: S, facilities: {owner: IREL}, max: 90}\n",
     "levers[0]", "leaves out 100 %", "min ≤ 100 ≤ max"),
    ("levers:\n  - {id: s, type: scale, label: S, facilities: {}}\n",
     "levers[0].facilities", "picks no facility", "'owner:'"),
    ("levers:\n  - {id: s, type: scale, label: S, facilities: {owner: X}, help: 'of {plant}'}\n",
     "levers[0].help", "unknown placeholder {plant}", "{ids}"),
    ("levers:\n  - {id: s, type: scale, label: S, facilities: {owner: X}, help: 'a { b'}\n",
     "levers[0].help", "unmatched", "{{"),
    ("levers:\n  - {id: Bad-Id, type: scenario, label: A, scenario: mini}\n",
     "levers[0].id", "'Bad-Id' is not a lever id", "lower-case letters"),
    ("levers:\n  - {id: s, type: scale, label: S, facilities: {owner: X}, step: 0}\n",
     "levers[0].step", "not above zero", "positive"),
    ("levers:\n  - {id: s, type: scale, label: S, facilities: {owner: X}, min: -5}\n",
     "levers[0]", "below zero", "0 or more"),
    ("opens_on: ../etc\nlevers: []\n", "opens_on", "not a scenario name", "built-in scenario"),
])
def test_a_bad_levers_file_names_the_field_and_the_fix(tmp_path, text, path, message, fix):
    probs = _problems(_write(tmp_path, text), MINI)
    assert path in [p.path for p in probs], probs
    p = next(p for p in probs if p.path == path)
    assert message in p.message and fix in p.fix, p


def test_a_levers_file_naming_an_unknown_scenario_is_refused(tmp_path):
    f = _write(tmp_path, "opens_on: mini\nlevers:\n"
                         "  - {id: a, type: scenario, label: A, scenario: mini-halted}\n")
    [p] = _problems(f, MINI)
    assert p.path == "levers[0].scenario" and "mini-halted" in p.message
    assert "mini-halt" in p.fix
    with pytest.raises(LeverFileError, match="levers\\[0\\].scenario"):
        make_app(tmp_path / "s.duckdb", levers=f, seeds=None)


@pytest.mark.parametrize("text, message", [
    ("", "the file is empty"), ("- a\n- b\n", "a list"), ("levers: [\n", "invalid YAML")])
def test_an_unreadable_levers_file_is_refused(tmp_path, text, message):
    [p] = _problems(_write(tmp_path, text), MINI)
    assert message in p.message and p.fix


def test_a_key_given_twice_in_a_levers_file_names_both_lines(tmp_path):
    # YAML would silently keep the second `opens_on`; the file is refused as a scenario is
    f = _write(tmp_path, "opens_on: baseline-2024\nlevers: []\nopens_on: toy\n")
    with pytest.raises(LeverFileError) as e:
        read_levers(f)
    text = str(e.value)
    assert "the key 'opens_on' appears twice in one mapping (line 1 and line 3)" in text
    assert str(f) in text


def test_another_levers_file_gives_other_levers(tmp_path):
    """The mechanism reads every id from the file: a scale lever on Lynas's facilities, the
    halt scenario under another id, no policy switches, another opening scenario."""
    f = _write(tmp_path, """
opens_on: mini-halt
policy_toggles: false
levers:
  - {id: halt, type: scenario, label: "Halt", scenario: mini-halt, help: "my help"}
  - {id: lynas, type: scale, label: "Lynas output", facilities: {owner: lynas}, min: 50, max: 150,
     step: 10, help: "Lynas ({ids})"}
""")
    cat = Catalog(MINI, levers=f)
    levers = {lv.id: lv for lv in cat.levers("mini")}
    assert set(levers) == {"halt", "lynas"}
    assert levers["halt"].help == "my help" and levers["halt"].default is False
    lynas = levers["lynas"]
    assert (lynas.kind, lynas.min, lynas.max, lynas.step) == ("percent", 50, 150, 10)
    assert lynas.help == "Lynas (lynas-mining, lynas-separation)"
    over = cat.overlay("mini", {"lynas": 50, "halt": True})
    scaled = {p["facility"]: p["factor"] for p in over["policies"] if p["type"] == "capacity_change"}
    assert scaled == {"lynas-mining": 0.5, "lynas-separation": 0.5}
    assert [p["id"] for p in over["policies"] if p["type"] == "capacity_change"] == [
        "lever-lynas-lynas-mining", "lever-lynas-lynas-separation"]
    # the halt lever lays what the published halt scenario adds to the one it extends
    alone = cat.overlay("mini-controls", {"halt": True})
    assert rareflow.load(MINI["mini-controls"], overrides=alone).solve().objective == (
        pytest.approx(rareflow.load(MINI["mini-halt"]).solve().objective))
    with pytest.raises(rareflow.RareflowError, match="between 50 and 150"):
        cat.overlay("mini", {"lynas": 20})

    from fastapi.testclient import TestClient

    with TestClient(make_app(tmp_path / "s.duckdb", levers=f, seeds=None)) as c:
        assert 'data-opens-on="mini-halt"' in c.get("/").text
        got = [lv["id"] for lv in c.get("/api/scenarios/mini").json()["levers"]]
        assert got == ["halt", "lynas"]


def test_the_page_opens_on_the_scenario_the_file_names():
    from fastapi.testclient import TestClient

    from rareflow.web import create_app

    with TestClient(create_app(None), base_url="http://127.0.0.1") as c:
        page = c.get("/").text
    assert f'data-opens-on="{read_levers(builtin_levers_file()).opens_on}"' in page
