"""export_quota: a yearly cap on the sum of an exporter's matching routes."""

from __future__ import annotations

from typing import Literal

from rareflow.scenario.policies.routes_match import TradePolicy
from rareflow.scenario.types import BoundSeries


class ExportQuota(TradePolicy):
    type: Literal["export_quota"]
    cap: BoundSeries
