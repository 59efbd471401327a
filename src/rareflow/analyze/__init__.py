"""Metrics, comparisons and every sentence about solved results.

Importing this package registers its functions as the bodies of `Results.explain()`,
`.metrics()`, `.compare()`, … (results/result.py: the analysis registry); the first call of one
imports it. `Results.backtest` registers from analyze/backtest.py, imported on its own first
call, so a run never loads the observations.
"""

from rareflow.analyze import overrides as _overrides  # noqa: F401  (registers Results.bound_check)
from rareflow.analyze import sentences  # noqa: F401  (registers the explanation sections)
from rareflow.analyze.compare import Comparison, closest_optimum, compare
from rareflow.analyze.home import home_supply, home_supply_sentences, tolling_sentences
from rareflow.analyze.metrics import (
    balances,
    days_of_cover,
    hhi_imports,
    hhi_output,
    metrics,
    self_sufficiency,
    shortfall_by_sector,
)
from rareflow.analyze.plans import build_plan, target_report
from rareflow.analyze.shortfalls import (
    shortfall_sentences,
    shortfall_series,
)

__all__ = ["balances", "self_sufficiency", "hhi_imports", "hhi_output", "shortfall_by_sector",
           "days_of_cover", "metrics", "compare", "Comparison", "closest_optimum", "home_supply",
           "home_supply_sentences", "tolling_sentences", "build_plan", "target_report",
           "shortfall_series", "shortfall_sentences"]
