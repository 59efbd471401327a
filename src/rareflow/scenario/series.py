"""Series values: `{period: value}` means "from this period on"; before the first key, 0."""

from __future__ import annotations

import numpy as np

from rareflow.scenario.periods import Periods, parse_key


def values(series: float | dict | None, periods: Periods, default: float = 0.0) -> np.ndarray:
    """The value of `series` in each period (a number is constant over the horizon)."""
    if series is None:
        return np.full(periods.n, default, dtype=float)
    if not isinstance(series, dict):
        return np.full(periods.n, float(series))
    if not series:
        return np.zeros(periods.n)
    items = sorted((parse_key(k)[0], float(v)) for k, v in series.items())
    keys = np.array([k for k, _ in items])
    vals = np.array([v for _, v in items])
    pos = np.searchsorted(keys, periods.start, side="right") - 1
    out = np.where(pos >= 0, vals[np.clip(pos, 0, None)], 0.0)
    return out.astype(float)
