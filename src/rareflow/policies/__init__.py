"""Policy types, one module each. `POLICY_TYPES` is the registry the schema is built from."""

from __future__ import annotations

from .agreement import Agreement
from .base import PolicyBase
from .capacity_change import CapacityChange
from .export_ban import ExportBan
from .export_licence import ExportLicence
from .export_quota import ExportQuota
from .tariff import Tariff
from .tolling import Tolling

POLICY_TYPES: tuple[type[PolicyBase], ...] = (
    ExportBan, ExportQuota, ExportLicence, Tariff, Agreement, Tolling, CapacityChange)

__all__ = ["POLICY_TYPES", "PolicyBase", *(p.__name__ for p in POLICY_TYPES)]
