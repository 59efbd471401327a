"""Figures of a result, as Plotly: the chain diagram, shortfalls, prices, trade.

`r.plot.sankey()`, `r.plot.shortfalls()`, `r.plot.prices()`, `r.plot.trade()` return
`plotly.graph_objects.Figure`s; the report and the dashboard draw the same figures from the
same functions (as plain dicts, which is what they embed). Importing this package is light:
Plotly itself is imported only when a Figure is made.
"""

from rareflow.plot import accessor as _accessor  # noqa: F401  (registers Results.plot)
from rareflow.plot.view import default_view

__all__ = ["default_view"]
