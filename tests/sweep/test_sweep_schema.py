"""The `uncertainty` block: its schema, and unknown references reported with path and fix."""

import copy

import pytest

import rareflow
from rareflow.errors import ScenarioError
from tests.sweep.helpers import pinned, small_world


def problems(mapping):
    with pytest.raises(ScenarioError) as e:
        rareflow.from_mapping(mapping)
    return e.value.problems


def with_event(i, **change):
    w = small_world()
    ev = w["uncertainty"]["events"][i]
    for k, v in change.items():
        if v is None:
            ev.pop(k, None)
        else:
            ev[k] = v
    return w


def test_the_small_world_block_is_valid():
    m = rareflow.from_mapping(small_world())
    assert [e.id for e in m.scenario.uncertainty.events] == \
        ["embargo", "squeeze", "mine-out", "strait", "surge"]


@pytest.mark.parametrize("i, change, path, words, fix", [
    (2, {"facility": ["P1-mine", "atlantis-mine"]}, "uncertainty.events[2].facility[1]",
     "unknown facility 'atlantis-mine'", "P1-mag, P1-mine"),
    (0, {"to": ["B1", "MARS"]}, "uncertainty.events[0].to[1]", "unknown region 'MARS'", "B1, B2"),
    (0, {"exporter": "XX"}, "uncertainty.events[0].exporter", "unknown region 'XX'", "P1"),
    (3, {"route": "P9-B3-mag"}, "uncertainty.events[3].route", "unknown route 'P9-B3-mag'",
     "P1-B1-mag"),
    (4, {"sector": "aerospace"}, "uncertainty.events[4].sector", "unknown sector 'aerospace'",
     "auto, electronics, wind"),
    (1, {"commodity": "tin"}, "uncertainty.events[1].commodity", "unknown commodity 'tin'", "mag"),
    (0, {"start": 2031}, "uncertainty.events[0].start", "outside the horizon", "horizon"),
])
def test_unknown_references_name_the_path_and_the_known_ids(i, change, path, words, fix):
    probs = problems(with_event(i, **change))
    hit = [p for p in probs if p.path == path]
    assert hit, [str(p) for p in probs]
    assert words in hit[0].message
    assert fix in hit[0].fix


def test_an_export_event_matching_no_route_is_an_error():
    probs = problems(with_event(0, to=["P2"]))
    assert any(p.path == "uncertainty.events[0]" and "no route carries" in p.message for p in probs)


@pytest.mark.parametrize("change, path, words", [
    ({"colour": "red"}, "uncertainty.events[1].colour", "unknown key 'colour'"),
    ({"probability": None}, "uncertainty.events[1]", "exactly one of"),
    ({"annual_probability": 0.2}, "uncertainty.events[1]", "exactly one of"),
    ({"probability": 1.5}, "uncertainty.events[1].probability", "fraction"),
    ({"duration": {"distribution": "uniform", "low": 5, "high": 2}},
     "uncertainty.events[1].duration", "below low"),
    ({"duration": {"distribution": "gamma", "shape": 2}}, "uncertainty.events[1].duration",
     "unknown type 'gamma'"),
])
def test_schema_errors(change, path, words):
    probs = problems(with_event(1, **change))
    assert any(p.path.startswith(path) and words in p.message for p in probs), \
        [str(p) for p in probs]


def test_duplicate_event_ids():
    w = small_world()
    w["uncertainty"]["events"].append(copy.deepcopy(w["uncertainty"]["events"][0]))
    probs = problems(w)
    assert any(p.path == "uncertainty.events[5].id" and "duplicate" in p.message for p in probs)


def test_a_scenario_without_the_block_still_loads_and_cannot_be_swept():
    w = small_world()
    del w["uncertainty"]
    m = rareflow.from_mapping(w)
    assert m.scenario.uncertainty is None
    from rareflow.sweep import sweep

    with pytest.raises(rareflow.RareflowError, match="no 'uncertainty' block"):
        sweep(m, n=3, workers=1)


def test_an_event_that_alone_makes_the_model_infeasible_is_refused_before_sampling():
    # A's plant must run 50 t/yr and its only ore comes from A's mine: a full mine outage
    # leaves the minimum unreachable, in any year the outage can reach.
    w = pinned()
    from rareflow.sweep import sweep

    with pytest.raises(ScenarioError) as e:
        sweep(rareflow.from_mapping(w), n=5, workers=1)
    (p,) = e.value.problems
    assert p.path == "uncertainty.events[1]" and "leaves no feasible plan" in p.message
    assert "start" in p.fix
    w["uncertainty"]["events"].pop()
    assert sweep(rareflow.from_mapping(w), n=5, workers=1).n == 5
