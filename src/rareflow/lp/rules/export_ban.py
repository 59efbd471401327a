"""export_ban: no exports of a commodity from one region to some (or all but some) others."""

from __future__ import annotations

from .base import RuleBuild
from .routes import trade_routes
from .transit import apply as no_transit


def apply(pol, b: RuleBuild) -> None:
    """Zero the bounds of the covered routes in the measure's periods."""
    no_transit(pol, b)  # rows only with `no_transit: true`
    mask = b.active(pol.start, pol.end)
    cols = b.route_cols[trade_routes(pol, b)][:, mask].ravel()
    b.set_bounds(cols, lb=0.0, ub=0.0, owner=pol)
