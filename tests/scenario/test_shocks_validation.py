"""Validation of the keys for real shocks (period blocks, recipes, stock floors and final
levels, demand tiers): each error names the file, the path and the fix."""

import copy

import pytest
import yaml

import rareflow
from rareflow.scenario.loader import load_scenario
from tests.scenario.test_validation import BASE


def recipes(d, procs):
    f = d["facilities"][0]
    del f["process"]
    f["processes"] = procs


MONTHS_2024 = {"start": "2024-01", "end": "2024-12", "step": "month"}

CASES = [
    # (id, mutation, expected path, words in message, words in fix)
    ("gap", lambda d: d.update(periods=[{"start": "2024-01", "end": "2024-10", "step": "month"},
                                        {"start": 2025, "end": 2026}]),
     "periods[1].start", "a gap between block 1 (ending with 2024-10) and block 2",
     "must end with a whole year"),
    ("gap-months", lambda d: d.update(periods=[MONTHS_2024, {"start": "2025-03", "end": "2025-06",
                                                             "step": "month"}]),
     "periods[1].start", "2025-01 to 2025-02 are in no block", "start block 2 at 2025-01"),
    ("overlap", lambda d: d.update(periods=[{"start": "2024-01", "end": "2025-03",
                                             "step": "month"}, {"start": 2025, "end": 2026}]),
     "periods[1].start", "overlaps block 1, which runs to 2025-03", "whole year"),
    ("overlap-years", lambda d: d.update(periods=[MONTHS_2024, {"start": 2024, "end": 2026}]),
     "periods[1].start", "block 2 (starting 2024) overlaps block 1", "start block 2 at 2025"),
    ("block-end", lambda d: d.update(periods=[MONTHS_2024, {"start": 2026, "end": 2025}]),
     "periods[1].end", "before start", "swap"),
    ("block-key", lambda d: d.update(periods=[{"start": "2024-13", "end": 2025}]),
     "periods[0].start", "not a period", "2025-05"),
    ("labels-and-blocks", lambda d: d.update(periods=[MONTHS_2024, 2025]),
     "periods", "mixes period labels and {start, end, step} blocks", "every item as a block"),
    ("list-overlap", lambda d: d.update(periods=[2024, "2024-06", 2025]),
     "periods", "period 2024 overlaps the next one, 2024-06", "no two may overlap"),
    ("max-share", lambda d: recipes(d, {"mine": {}, "make": {"max_share": 1.5}}),
     "facilities[0].processes.make.max_share", "fraction between 0 and 1", "0.3"),
    ("max-share-negative", lambda d: recipes(d, {"mine": {}, "make": {"max_share": -0.1}}),
     "facilities[0].processes.make.max_share", "zero or more", ""),
    ("process-and-processes", lambda d: d["facilities"][0].update(processes={"mine": {}}),
     "facilities[0]", "both 'process' and 'processes'", "process: null"),
    ("neither", lambda d: d["facilities"][0].pop("process"),
     "facilities[0]", "'process' is required (or 'processes'", "processes: {"),
    ("empty-processes", lambda d: recipes(d, {}), "facilities[0]", "'processes' is empty",
     "at least one recipe"),
    ("unknown-recipe", lambda d: recipes(d, {"mine": {}, "mien": {}}),
     "facilities[0].processes.mien", "unknown process 'mien'", "make, mine"),
    ("recipe-key", lambda d: recipes(d, {"mine": {"cots": 3}}),
     "facilities[0].processes.mine.cots", "unknown key 'cots'", "did you mean 'cost'"),
    ("only-recipe-share", lambda d: recipes(d, {"mine": {"max_share": 0.5}}),
     "facilities[0].processes.mine.max_share", "can never run", "add another recipe"),
    ("tier-sum", lambda d: d["demands"][0].update(tiers=[{"share": 0.6, "priority": 1},
                                                          {"share": 0.5, "priority": 2}]),
     "demands[0].tiers", "sum to 1.1, over 1", "1 or less"),
    ("tier-share", lambda d: d["demands"][0].update(tiers=[{"share": 2, "priority": 1}]),
     "demands[0].tiers[0].share", "fraction between 0 and 1", ""),
    ("tier-priority", lambda d: d["demands"][0].update(tiers=[{"share": 0.2}]),
     "demands[0].tiers[0].priority", "required", "add 'priority:'"),
    ("final-above-capacity", lambda d: d["stocks"][0].update(final={"min": 5}),
     "stocks[0].final.min", "final level 5 t exceeds the capacity 3 t", "raise the capacity"),
    ("final-word", lambda d: d["stocks"][0].update(final={"min": "initail"}),
     "stocks[0].final.min", "expected 'initial' or a number", "min: initial"),
    ("final-negative", lambda d: d["stocks"][0].update(final={"min": -1}),
     "stocks[0].final.min", "zero or more", ""),
    ("final-key", lambda d: d["stocks"][0].update(final={"max": 1}),
     "stocks[0].final.max", "unknown key 'max'", "min"),
    ("floor-above-capacity", lambda d: d["stocks"][0].update(minimum={2025: 4}),
     "stocks[0].minimum", "floor 4 t exceeds the capacity 3 t in 2025", "lower the minimum"),
]


@pytest.mark.parametrize("mutate,where,words,fix", [c[1:] for c in CASES],
                         ids=[c[0] for c in CASES])
def test_each_new_rule_names_path_and_fix(tmp_path, mutate, where, words, fix):
    data = copy.deepcopy(BASE)
    mutate(data)
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(rareflow.ScenarioError) as e:
        load_scenario(f)
    probs = [p for p in e.value.problems if p.path == where]
    assert probs, f"no problem at {where}: {e.value}"
    assert any(words in p.message and fix in p.fix for p in probs), probs
    assert all(p.file.endswith("s.yaml") for p in probs)


@pytest.mark.parametrize("mutate", [
    lambda d: d.update(periods=[MONTHS_2024, {"start": 2025, "end": 2026, "step": "year"}]),
    lambda d: d.update(periods=[{"start": "2024-01", "end": "2024-06", "step": "month"},
                                {"start": "2024Q3", "end": "2024Q4", "step": "quarter"},
                                {"start": 2025, "end": 2026}]),
    lambda d: d.update(periods=["2024-11", "2024-12", 2025, 2026]),  # an explicit mixed list
    lambda d: recipes(d, {"mine": {}}),
    lambda d: recipes(d, {"mine": {"cost": 3}, "make": {"max_share": 0.2}}),
    lambda d: d["stocks"][0].update(minimum={2025: 1}, final={"min": "initial"}),
    lambda d: d["stocks"][0].update(minimum=3, final={"min": 3}),  # initial below the floor
    lambda d: d["demands"][0].update(tiers=[{"share": 0.5, "priority": 1},
                                            {"share": 0.5, "priority": 2}]),
], ids=["months-years", "months-quarters-years", "mixed-list", "one-recipe", "two-recipes",
        "floor-final", "fill-to-floor", "tiers-sum-1"])
def test_valid_uses_load_and_solve(mutate):
    data = copy.deepcopy(BASE)
    mutate(data)
    assert rareflow.from_mapping(data).solve().status == "optimal"


def test_an_overlay_can_switch_a_facility_to_recipes(tmp_path):
    (tmp_path / "base.yaml").write_text(yaml.safe_dump(BASE))
    (tmp_path / "over.yaml").write_text(
        "name: over\nextends: base.yaml\nfacilities:\n"
        "  - {id: m1, process: null, processes: {mine: {}, make: {max_share: 0.5}}}\n")
    scn, _ = load_scenario(tmp_path / "over.yaml")
    assert list(scn.facilities[0].recipes()) == ["mine", "make"]
    (tmp_path / "bad.yaml").write_text(
        "name: over\nextends: base.yaml\nfacilities:\n  - {id: m1, processes: {mine: {}}}\n")
    with pytest.raises(rareflow.ScenarioError) as e:
        load_scenario(tmp_path / "bad.yaml")
    p = e.value.problems[0]
    assert p.path == "facilities[0]" and "process: null" in p.fix
    assert p.file.endswith("bad.yaml")
