"""The time axis: period labels, their start times and lengths.

Time is counted in whole months so that years, quarters and months compare exactly
(no float drift when a lead time of 3 years is added to 2025Q2).
"""

from __future__ import annotations

import re
from dataclasses import dataclass

import numpy as np

_YEAR = re.compile(r"^(\d{4})$")
_QUARTER = re.compile(r"^(\d{4})Q([1-4])$")
_MONTH = re.compile(r"^(\d{4})-(0[1-9]|1[0-2])$")
STEP_MONTHS = {"year": 12, "quarter": 3, "month": 1}
FIRST_YEAR, LAST_YEAR = 1900, 2200  # beyond these a period is a typo, not a scenario
MAX_PERIODS = 2400  # 200 years of months


def _year(y: int) -> int:
    if not FIRST_YEAR <= y <= LAST_YEAR:
        raise ValueError(f"year {y} is outside {FIRST_YEAR}–{LAST_YEAR}; use a year such as 2025")
    return y


def parse_key(key: object) -> tuple[int, int]:
    """A period key → (start month, length in months). Raises ValueError with the accepted forms."""
    if isinstance(key, bool):
        raise ValueError(f"{key!r} is not a period")
    if isinstance(key, int):
        return _year(key) * 12, 12
    if isinstance(key, float) and key.is_integer():
        return _year(int(key)) * 12, 12
    s = str(key).strip()
    if m := _YEAR.match(s):
        return _year(int(m[1])) * 12, 12
    if m := _QUARTER.match(s):
        return _year(int(m[1])) * 12 + (int(m[2]) - 1) * 3, 3
    if m := _MONTH.match(s):
        return _year(int(m[1])) * 12 + int(m[2]) - 1, 1
    raise ValueError(f"'{key}' is not a period; use a year (2025), a quarter (2025Q2) or a month (2025-05)")


def label_of(month: int, step: str) -> str:
    year, m = divmod(month, 12)
    if step == "year":
        return str(year)
    if step == "quarter":
        return f"{year}Q{m // 3 + 1}"
    return f"{year}-{m + 1:02d}"


def block_span(start: object, end: object, step: str) -> tuple[int, int]:
    """(first month, month after the last period) of a `{start, end, step}` range.

    `start` is moved back to the beginning of its step (2025-05 in yearly steps is 2025);
    `end` is inclusive (its whole span is in the horizon), and the last period is whole."""
    s0, _ = parse_key(start)
    e0, elen = parse_key(end)
    k = STEP_MONTHS[step]
    s0 -= s0 % k
    stop = e0 + elen
    if stop > s0:
        stop = s0 + -(-(stop - s0) // k) * k  # the last period that starts before `stop`, whole
    return s0, stop


@dataclass(frozen=True)
class Periods:
    labels: tuple[str, ...]
    start: np.ndarray  # start month of each period
    months: np.ndarray  # length in months

    @property
    def n(self) -> int:
        return len(self.labels)

    @property
    def length(self) -> np.ndarray:
        """Length in years: flow rates per year are multiplied by this."""
        return self.months / 12.0

    @property
    def years_from_first(self) -> np.ndarray:
        return (self.start - self.start[0]) / 12.0

    @classmethod
    def from_range(cls, start: object, end: object, step: str) -> Periods:
        starts = np.arange(*block_span(start, end, step), STEP_MONTHS[step], dtype=np.int64)
        k = STEP_MONTHS[step]
        return cls(tuple(label_of(int(m), step) for m in starts), starts, np.full(len(starts), k))

    @classmethod
    def from_blocks(cls, blocks: list) -> Periods:
        """Blocks `{start, end, step}` one after another (months first, years after): the same
        horizon as the explicit list of their labels. Contiguity is checked by validation."""
        parts = [cls.from_range(b.start, b.end, b.step) for b in blocks]
        return cls(tuple(lab for p in parts for lab in p.labels),
                   np.concatenate([p.start for p in parts]),
                   np.concatenate([p.months for p in parts]))

    @classmethod
    def from_list(cls, keys: list) -> Periods:
        parsed = [parse_key(k) for k in keys]
        starts = np.array([p[0] for p in parsed], dtype=np.int64)
        months = np.array([p[1] for p in parsed], dtype=np.int64)
        labels = tuple(str(k) for k in keys)
        return cls(labels, starts, months)

    @property
    def end_month(self) -> int:
        return int(self.start[-1] + self.months[-1])

    def first_at_or_after(self, key: object) -> int:
        """Index of the first period starting at or after `key` (n if none)."""
        m, _ = parse_key(key)
        return int(np.searchsorted(self.start, m, side="left"))

    def mask(self, start: object | None, end: object | None) -> np.ndarray:
        """Periods inside [start, end], both inclusive; `end: 2026` covers all of 2026."""
        lo = parse_key(start)[0] if start is not None else -(10**9)
        if end is None:
            hi = 10**9
        else:
            e, elen = parse_key(end)
            hi = e + elen
        return (self.start >= lo) & (self.start < hi)

    def contains(self, key: object) -> bool:
        m, _ = parse_key(key)
        return int(self.start[0]) <= m < self.end_month

    def index_of(self, label: str) -> int:
        return self.labels.index(label)


def make_periods(scn) -> Periods:
    """The horizon a scenario declares: a range with a step, a list of such ranges (blocks),
    or an explicit list of labels."""
    p = scn.periods
    if isinstance(p, list):
        if p and all(hasattr(b, "step") for b in p):
            return Periods.from_blocks(p)
        return Periods.from_list(p)
    return Periods.from_range(p.start, p.end, p.step)


def period_runs(hit, periods, empty: str = "") -> str:
    """'2025–2026, 2028': the periods of `hit`, in the order of `periods`, with consecutive
    ones joined by an en dash (periods not in `periods` are left out); `empty` if none. Here,
    in the lowest layer, so that sentences (analyze/words.py) and the LP's own messages
    (lp/diagnose.py) write spans of periods the same way."""
    index = {p: k for k, p in enumerate(periods)}
    idx = sorted({index[p] for p in hit if p in index})
    if not idx:
        return empty
    runs: list[list[int]] = [[idx[0], idx[0]]]
    for i in idx[1:]:
        if i == runs[-1][1] + 1:
            runs[-1][1] = i
        else:
            runs.append([i, i])
    return ", ".join(periods[s] if s == e else f"{periods[s]}–{periods[e]}" for s, e in runs)
