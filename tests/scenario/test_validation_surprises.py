"""Validation of `announced`, `no_transit` and `subsidy`: path, message and fix."""

import copy

import pytest
import yaml

import rareflow
from rareflow.scenario.loader import load_scenario
from tests.scenario.test_validation import BASE

BAN = {"type": "export_ban", "exporter": "CHN", "commodity": "mag", "to": ["JPN"],
       "start": 2025}
SUBSIDY = {"type": "subsidy", "region": "IND", "process": "make", "amount": 100}


def problems(tmp_path, **over):
    data = copy.deepcopy(BASE)
    data.update(over)
    f = tmp_path / "s.yaml"
    f.write_text(yaml.safe_dump(data, sort_keys=False))
    with pytest.raises(rareflow.ScenarioError) as e:
        load_scenario(f)
    assert all(p.file.endswith("s.yaml") for p in e.value.problems)
    return {p.path: p for p in e.value.problems}


@pytest.mark.parametrize("policy,where,words,fix", [
    ({**BAN, "announced": 2026}, "policies[0].announced", "after start 2025", "at or before 2025"),
    ({**BAN, "announced": "2025-02"}, "policies[0].announced", "after start 2025",
     "at or before"),
    ({**BAN, "announced": 2030}, "policies[0].announced", "outside the horizon", "inside"),
    ({**BAN, "announced": 2020}, "policies[0].announced", "outside the horizon", "drop"),
    ({**BAN, "start": None, "announced": 2025}, "policies[0].announced", "in force from 2024",
     "give the measure a 'start'"),
    ({**BAN, "announced": "soon"}, "policies[0].announced", "not a period", "2025Q2"),
    ({**SUBSIDY, "process": "mkae"}, "policies[0].process", "unknown process 'mkae'", "make, mine"),
    ({**SUBSIDY, "region": "XX"}, "policies[0].region", "unknown region 'XX'", "CHN, IND, JPN"),
    ({**SUBSIDY, "amount": -1}, "policies[0].amount", "zero or more", "positive"),
    ({**SUBSIDY, "budget": -5}, "policies[0].budget", "zero or more", "positive"),
    ({"type": "tariff", "commodity": "mag", "rate": 1, "no_transit": True},
     "policies[0].no_transit", "unknown key 'no_transit'", "use one of"),
    ({"type": "agreement", "exporter": "IND", "importer": "JPN", "commodity": "ore",
      "breach_cost": 1, "no_transit": True}, "policies[0].no_transit", "unknown key", "use one of"),
])
def test_policy_keys_are_checked(tmp_path, policy, where, words, fix):
    policy = {k: v for k, v in policy.items() if v is not None}
    p = problems(tmp_path, policies=[policy])
    assert where in p, p
    assert words in p[where].message, p[where]
    assert fix in p[where].fix, p[where]


def test_event_announced_after_a_policy_start_names_the_event(tmp_path):
    ev = {"id": "ev", "date": "2025-01-01", "headline": "h", "source": "s", "announced": 2026,
          "policies": [BAN]}
    p = problems(tmp_path, events=[ev])
    assert "after start 2025" in p["events[0].announced"].message


def test_event_policy_own_announcement_wins(tmp_path):
    ev = {"id": "ev", "date": "2025-01-01", "headline": "h", "source": "s", "announced": 2026,
          "policies": [{**BAN, "announced": 2025}]}
    data = copy.deepcopy(BASE)
    data["events"] = [ev]
    scn = rareflow.from_mapping(data).scenario
    assert [p.announced for p in scn.all_policies() if p.type == "export_ban"] == [2025]


def test_valid_keys_load_and_solve():
    data = copy.deepcopy(BASE)
    data["policies"] += [{**BAN, "announced": 2025, "no_transit": True},
                         {**SUBSIDY, "budget": 1000, "start": 2025}]
    r = rareflow.from_mapping(data).solve()
    assert r.status == "optimal"
    assert list(r.stages["policies"]) == ["agreement-1, subsidy-3", "export_ban-2"]
