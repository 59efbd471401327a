"""The loader's public overlay API: `overlay` lays an overlay exactly as `extends:` and
`load(..., overrides=)` do; `combine_overlays` joins several into one that lays like them in turn."""

from __future__ import annotations

import copy
from pathlib import Path

import pytest

from rareflow.errors import ScenarioError
from rareflow.scenario.loader import (
    combine_overlays,
    from_dict,
    item_id,
    load_raw,
    load_scenario,
    overlay,
)

MINI = Path(__file__).parents[1] / "report" / "scenarios"

A = {"facilities": [{"id": "jpn-metal", "capacity": 100},
                    {"id": "new-metal", "region": "IND", "process": "metal", "capacity": 50}],
     "processes": {"metal": {"inputs": {"ndpr_oxide": 1.3}, "outputs": {"ndpr_metal": 1}}},
     "routes": [{"from": "AUS", "to": "JPN", "commodity": "ndpr_oxide", "cost": 900}]}
B = {"facilities": [{"id": "jpn-metal", "cost": 650}, {"id": "new-metal", "capacity": 80},
                    {"id": "lynas-mining", "remove": True}],
     "policies": [{"id": "ind-jpn-2012", "remove": True}],
     "regions": {"AUS": {"label": "Australia (Lynas)"}}}


def _raw(name: str) -> dict:
    return load_raw(MINI / f"{name}.yaml")[0]


def test_overlay_lays_as_load_with_overrides_does():
    raw = _raw("mini-controls")
    before = copy.deepcopy(raw)
    laid = overlay(raw, A)
    assert raw == before  # the base is not changed
    laid.pop("extends", None)
    assert from_dict(laid) == load_scenario(MINI / "mini-controls.yaml", overrides=A)[0]
    facs = {f["id"]: f for f in laid["facilities"]}
    assert facs["jpn-metal"]["capacity"] == 100 and facs["jpn-metal"]["process"] == "metal"
    assert facs["new-metal"]["capacity"] == 50


def test_extends_is_the_same_merge():
    """mini-controls laid over mini by hand equals the file that extends mini."""
    import yaml

    own = yaml.safe_load((MINI / "mini-controls.yaml").read_text())
    assert overlay(_raw("mini"), own) == _raw("mini-controls")


def test_combined_overlays_lay_like_the_parts_in_turn():
    raw = _raw("mini")
    one = overlay(raw, combine_overlays(A, B))
    two = overlay(overlay(raw, A), B)
    assert one == two
    facs = {f["id"]: f for f in one["facilities"]}
    assert facs["jpn-metal"]["capacity"] == 100 and facs["jpn-metal"]["cost"] == 650
    assert facs["new-metal"]["capacity"] == 80 and "lynas-mining" not in facs
    assert not any(p.get("id") == "ind-jpn-2012" for p in one["policies"])
    assert one["regions"]["AUS"] == {"label": "Australia (Lynas)"}
    assert combine_overlays() == {} and A["facilities"][1]["capacity"] == 50  # parts unchanged


def test_item_id_names_items_by_id_or_their_key_fields():
    assert item_id("facilities", {"id": "x"}) == "x"
    assert item_id("routes", {"from": "IND", "to": "JPN", "commodity": "c"}) == "IND-JPN-c"
    assert item_id("routes", "not an item") is None


def _deep(levels: int) -> dict:
    node: dict = {}
    top = node
    for _ in range(levels):
        node["k"] = {}
        node = node["k"]
    return top


@pytest.mark.parametrize("bad, message", [
    (["facilities"], "must be a mapping"),
    ({"facilities": [{"id": "x", "n": _deep(60)}]}, "nesting deeper"),  # no scenario is that deep
])
def test_a_bad_overlay_is_refused_with_its_file(bad, message):
    with pytest.raises(ScenarioError) as e:
        overlay(_raw("mini"), bad, "<my overlay>")
    [p] = e.value.problems
    assert message in p.message and p.file == "<my overlay>" and p.fix
