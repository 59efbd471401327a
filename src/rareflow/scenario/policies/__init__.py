"""Policy types, one module each. `POLICY_TYPES` is the registry the schema is built from."""

from __future__ import annotations

from rareflow.scenario.policies.agreement import Agreement
from rareflow.scenario.policies.base import PolicyBase
from rareflow.scenario.policies.capacity_change import CapacityChange
from rareflow.scenario.policies.export_ban import ExportBan
from rareflow.scenario.policies.export_licence import ExportLicence
from rareflow.scenario.policies.export_quota import ExportQuota
from rareflow.scenario.policies.subsidy import Subsidy
from rareflow.scenario.policies.tariff import Tariff
from rareflow.scenario.policies.tolling import Tolling

POLICY_TYPES: tuple[type[PolicyBase], ...] = (
    ExportBan, ExportQuota, ExportLicence, Tariff, Agreement, Tolling, CapacityChange,
    Subsidy)

__all__ = ["POLICY_TYPES", "PolicyBase", *(p.__name__ for p in POLICY_TYPES)]
