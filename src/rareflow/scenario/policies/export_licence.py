"""export_licence: exports need licences, granted for an approved volume per destination.

China's April 2025 measure (MOFCOM Announcement No. 18) is a licensing regime, not a ban: the
approved volume is a share of a reference period's flow to each destination, or a fixed cap.
`rolling: true` makes the reference the period just before (a squeeze that compounds).
"""

from __future__ import annotations

from typing import Literal

import numpy as np
from pydantic import model_validator

from rareflow.errors import Problem
from rareflow.scenario.periods import parse_key
from rareflow.scenario.policies.routes_match import TradePolicy
from rareflow.scenario.types import Bound, Fraction, PeriodKey


class ExportLicence(TradePolicy):
    type: Literal["export_licence"]
    share: Fraction | None = None
    cap: Bound | None = None
    reference: PeriodKey | None = None
    rolling: bool = False

    @model_validator(mode="after")
    def _one_of(self) -> ExportLicence:
        if (self.share is None) == (self.cap is None):
            raise ValueError("give exactly one of 'share' (of the reference flow) and 'cap' (t/yr) "
                             "| e.g. share: 0.3 for licences covering 30 % of last year's volume")
        return self

    def check(self, scn, path):
        out = super().check(scn, path)
        if self.share is not None and not self.rolling:
            from rareflow.scenario.periods import make_periods

            P = make_periods(scn)
            ref = reference_index(self, P)
            if ref is None or ref < 0:
                out.append(Problem(f"{path}.reference", "the reference period is not inside the "
                                   f"horizon ({P.labels[0]}–{P.labels[-1]})",
                                   "set 'reference' to a period in the horizon before 'start', or "
                                   "use 'cap' instead of 'share'"))
        return out


def reference_index(pol: ExportLicence, P) -> int | None:
    """The period whose flow a share-based licence is a share of (None if outside the horizon)."""
    if pol.reference is not None:
        m = parse_key(pol.reference)[0]
        hits = np.flatnonzero(P.start == m)
        return int(hits[0]) if len(hits) else None
    first = int(np.argmax(P.mask(pol.start, pol.end)))
    return first - 1
