"""export_ban: no exports of a commodity from one region to some (or all but some) others."""

from __future__ import annotations

from typing import Literal

from rareflow.scenario.policies.routes_match import TradePolicy


class ExportBan(TradePolicy):
    type: Literal["export_ban"]
