"""Metrics computed from solved results: who depends on whom, how concentrated, how short."""

from rareflow.analyze.compare import Comparison, compare
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

__all__ = ["balances", "self_sufficiency", "hhi_imports", "hhi_output", "shortfall_by_sector",
           "days_of_cover", "metrics", "compare", "Comparison", "home_supply",
           "home_supply_sentences", "tolling_sentences"]
