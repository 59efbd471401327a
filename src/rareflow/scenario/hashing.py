"""A resolved scenario as canonical JSON, and its hash: identical inputs, identical hash.

The run store keys runs by this hash (so an identical scenario is reused instead of solved
again), stores the JSON beside each run (so a stored run knows the scenario it answers) and the
web service recognises a repeated request by it. It is pure data, so it lives with the scenario.
"""

from __future__ import annotations

import hashlib
import json

from rareflow.scenario.schema import Scenario


def scenario_json(scenario: Scenario) -> str:
    """The fully resolved scenario as canonical JSON text (infinity kept as `Infinity`)."""
    return json.dumps(scenario.model_dump(mode="python", by_alias=True), default=str,
                      separators=(",", ":"), allow_nan=True)


def scenario_hash(scenario: Scenario) -> str:
    """sha256 of the fully resolved scenario: identical inputs, identical hash."""
    return hashlib.sha256(scenario_json(scenario).encode()).hexdigest()


def scenario_from_json(text: str) -> Scenario:
    """The scenario back from `scenario_json` (what a stored run answers)."""
    return Scenario.model_validate(json.loads(text))
