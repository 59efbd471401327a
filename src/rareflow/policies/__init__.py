"""Policy types, one module each. `POLICY_TYPES` is the registry the schema is built from."""

from __future__ import annotations

from .agreement import Agreement
from .base import PolicyBase
from .export_ban import ExportBan

POLICY_TYPES: tuple[type[PolicyBase], ...] = (ExportBan, Agreement)

__all__ = ["POLICY_TYPES", "PolicyBase", "ExportBan", "Agreement"]
