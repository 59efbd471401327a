"""One rule per policy type: `RULES[policy.type](policy, build)`.

Adding a policy type is one data class in `rareflow.scenario.policies`, one module here with
an `apply(policy, b)` that uses only `RuleBuild` (base.py), one entry below, and its tests
(docs/architecture.md walks through it).
"""

from __future__ import annotations

from collections.abc import Callable

from . import (
    agreement,
    capacity_change,
    export_ban,
    export_licence,
    export_quota,
    subsidy,
    tariff,
    tolling,
)
from . import targets as _targets
from .base import RuleBuild

Rule = Callable[[object, RuleBuild], None]

RULES: dict[str, Rule] = {
    "export_ban": export_ban.apply,
    "export_quota": export_quota.apply,
    "export_licence": export_licence.apply,
    "tariff": tariff.apply,
    "agreement": agreement.apply,
    "tolling": tolling.apply,
    "capacity_change": capacity_change.apply,
    "subsidy": subsidy.apply,
    "domestic_share": _targets.domestic_share,
    "import_share": _targets.import_share,
}


def apply(policy, b: RuleBuild) -> None:
    """Turn one policy (or target) into bounds, rows and columns of `b`."""
    try:
        rule = RULES[policy.type]
    except KeyError:
        raise NotImplementedError(f"no LP rule for policy type '{policy.type}'") from None
    rule(policy, b)


__all__ = ["RULES", "Rule", "RuleBuild", "apply"]
