"""Which routes a trade policy covers: its exporter, commodities, and `to` or `except` lists."""

from __future__ import annotations

import numpy as np

from .base import RuleBuild


def trade_routes(pol, b: RuleBuild) -> np.ndarray:
    return b.match_routes(pol.exporter, pol.commodities(), pol.to, pol.except_)
