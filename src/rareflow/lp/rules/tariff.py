"""tariff: an extra cost per tonne on the matching routes while it is in force."""

from __future__ import annotations

from .base import RuleBuild


def apply(pol, b: RuleBuild) -> None:
    """An extra cost per tonne on the matching routes while the tariff is in force."""
    to = [pol.importer] if pol.importer else None
    routes = b.match_routes(pol.exporter, pol.commodities(), to, None)
    mask = b.active(pol.start, pol.end)
    cols = b.route_cols[routes][:, mask]
    b.add_cost(cols, pol.rate * b.disc[mask][None, :], owner=pol)
