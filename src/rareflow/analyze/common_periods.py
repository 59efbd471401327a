"""Common periods of two runs with different time axes, so that they can be compared.

A monthly run (china-controls-2025: months for 2024–2026, years after) and a yearly one
(baseline-2024) share no period label for the months, yet share every year boundary. The
coarsest partition both refine is made of the boundaries they have in common: each of its
periods is a whole number of periods of either run, so amounts (flows, shortfalls, output)
are summed into it exactly, and prices are averaged weighted by period length. Only the
stretch of time both horizons cover is compared.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import pandas as pd

from rareflow.errors import RareflowError
from rareflow.scenario.periods import Periods, label_of

STEP_WORDS = {1: "months", 3: "quarters", 12: "years"}


@dataclass
class Common:
    """The common periods and, for each run, the common label of each of its periods (None
    where the period lies outside the stretch both runs cover)."""

    labels: list[str]
    months: dict[str, int]  # common label → its length in months
    of_base: dict[str, str | None]
    of_scenario: dict[str, str | None]
    note: str


def _bounds(h: Periods) -> set[int]:
    return {int(s) for s in h.start} | {int(h.start[-1] + h.months[-1])}


def structure(h: Periods) -> str:
    """'months for 2024–2026, then years to 2035': how a horizon is cut, in words."""
    parts: list[str] = []
    k = 0
    while k < h.n:
        step = int(h.months[k])
        j = k
        while j + 1 < h.n and int(h.months[j + 1]) == step:
            j += 1
        first, last = int(h.start[k]) // 12, int(h.start[j] + h.months[j] - 1) // 12
        word = STEP_WORDS.get(step, f"{step}-month periods")
        when = str(first) if first == last else f"{first}–{last}"
        parts.append(f"{word} for {when}" if not parts else f"then {word} to {last}")
        k = j + 1
    return ", ".join(parts)


def common_periods(base_name: str, base: Periods, scen_name: str, scen: Periods) -> Common:
    """The coarsest partition both horizons refine, over the time both cover. Raises a
    RareflowError saying why when there is none (the horizons do not overlap, or no
    boundary inside the overlap is shared)."""
    lo = max(int(base.start[0]), int(scen.start[0]))
    hi = min(int(base.start[-1] + base.months[-1]), int(scen.start[-1] + scen.months[-1]))
    if hi <= lo:
        raise RareflowError(
            f"Cannot compare '{scen_name}' with '{base_name}': their horizons do not overlap "
            f"({base.labels[0]}–{base.labels[-1]} and {scen.labels[0]}–{scen.labels[-1]}). "
            "Give one of them periods that cover the other's years.")
    cuts = sorted(b for b in _bounds(base) & _bounds(scen) if lo <= b <= hi)
    if len(cuts) < 2 or cuts[0] != lo or cuts[-1] != hi:
        raise RareflowError(
            f"Cannot compare '{scen_name}' with '{base_name}': their periods share no common "
            f"boundaries over the years both cover ({structure(base)} against "
            f"{structure(scen)}). Give both runs periods that start and end on the same "
            "months (for instance whole years).")
    by_start = {int(s): lab for s, lab in zip(base.start, base.labels, strict=True)}
    by_start_s = {int(s): lab for s, lab in zip(scen.start, scen.labels, strict=True)}
    labels: list[str] = []
    months: dict[str, int] = {}
    for a, b in zip(cuts[:-1], cuts[1:], strict=True):
        if b - a == 12 and a % 12 == 0:
            lab = label_of(a, "year")
        elif b - a == 3 and a % 3 == 0:
            lab = label_of(a, "quarter")
        elif b - a == 1:
            lab = label_of(a, "month")
        else:
            lab = f"{by_start.get(a, by_start_s.get(a))}–{label_of(b - 1, 'month')}"
        labels.append(lab)
        months[lab] = b - a

    def mapping(h: Periods) -> dict[str, str | None]:
        k = np.searchsorted(np.asarray(cuts), h.start, side="right") - 1
        return {p: (labels[i] if lo <= int(s) < hi else None)
                for p, s, i in zip(h.labels, h.start, k, strict=True)}

    coarse = {STEP_WORDS.get(m, "periods") for m in months.values()}
    word = "year" if coarse == {"years"} else "common period"
    finer = [(n, h) for n, h in ((base_name, base), (scen_name, scen))
             if list(h.labels) != labels]
    note = f"Compared per {word}: " + " and ".join(f"{n} has {structure(h)}" for n, h in finer)
    note += ("; amounts are summed over the periods of each, prices averaged weighted by "
             "length")
    if (lo, hi) != (int(base.start[0]), int(base.start[-1] + base.months[-1])) or \
            (lo, hi) != (int(scen.start[0]), int(scen.start[-1] + scen.months[-1])):
        note += f"; only {labels[0]}–{labels[-1]}, the time both cover, is compared"
    return Common(labels, months, mapping(base), mapping(scen), note + ".")


def same_axis(base: Periods, scen: Periods) -> bool:
    """Whether two horizons can be compared period by period as they are: every period of the
    time both cover has the same label in both (different ends are fine). Horizons that do
    not overlap are left as they are when cut alike (the comparison has always shown them side
    by side)."""
    lo = max(int(base.start[0]), int(scen.start[0]))
    hi = min(int(base.start[-1] + base.months[-1]), int(scen.start[-1] + scen.months[-1]))
    if hi <= lo:
        return set(base.months.tolist()) == set(scen.months.tolist())

    def inside(h: Periods) -> list[tuple[int, int]]:
        return [(int(s), int(m)) for s, m in zip(h.start, h.months, strict=True) if lo <= s < hi]
    return inside(base) == inside(scen)


def regroup(df: pd.DataFrame, keys: list[str], mapping: dict[str, str | None],
            value_cols: list[str], lengths: dict[str, int] | None = None) -> pd.DataFrame:
    """`df` with its `period` column moved to the common periods and `value_cols` summed over
    them, by `keys` (which include "period"); periods outside the common stretch are dropped.
    With `lengths` (original period → months) the values are averaged weighted by length
    instead (prices)."""
    if not len(df):
        return df
    df = df[[*keys, *value_cols]].copy()
    orig = df["period"].astype(str)
    df["period"] = orig.map(mapping)
    keep = df["period"].notna().to_numpy()
    df, orig = df[keep], orig[keep]
    if lengths is None:
        return df.groupby(keys, as_index=False, sort=False)[value_cols].sum()
    df["_w"] = orig.map(lengths).astype(float).to_numpy()
    for c in value_cols:
        df[c] = df[c] * df["_w"]
    g = df.groupby(keys, as_index=False, sort=False)[[*value_cols, "_w"]].sum()
    for c in value_cols:
        g[c] = g[c] / g["_w"]
    return g.drop(columns="_w")
