"""How numbers and periods are written in sentences: one home for each habit.

Every sentence rareflow writes (explain, compare, build plans, home supply, report and web
text) formats tonnes and spans of periods through these few functions, so that "1,200 t" and
"2025–2027" read the same everywhere.
"""

from __future__ import annotations

from collections.abc import Iterable, Sequence


def tonnes(v: float, small: int = 1, plain_zero: bool = False) -> str:
    """'3,596 t' from 10 t up; below that with `small` decimals ('2.5 t'); zero as '0 t' when
    `plain_zero` (a count of nothing) rather than '0.0 t' (an amount that happens to be 0)."""
    if abs(v) >= 10 or (plain_zero and v == 0):
        return f"{v:,.0f} t"
    return f"{v:,.{small}f} t"


def span(periods: Sequence[str]) -> str:
    """'2026' for one period, '2026–2030' from the first to the last of several."""
    return periods[0] if len(periods) == 1 else f"{periods[0]}–{periods[-1]}"


def period_runs(hit: Iterable[str], periods: Sequence[str], empty: str = "") -> str:
    """'2025–2026, 2028': the periods of `hit`, in the order of `periods`, with consecutive
    ones joined by an en dash (periods not in `periods` are left out); `empty` if none."""
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
