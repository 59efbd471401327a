"""Figures for the report and the web page, as plain Plotly JSON (dicts), built from a
`Results` (live or read back from the store): the report and the web page draw exactly the same
data, and `r.plot.*` draws the same figures as Plotly Figures.

The drawing itself lives in `rareflow.plot` (the chain diagram in plot/sankey.py, the series in
plot/series.py, colours in plot/palette.py); this module re-exports it under the names the
report and the web page have always used, and adds `compare` (the headline numbers and tables of
a comparison, from analyze's aligned one).

- `sankey_figure`: the chain in one period, left to right by stage; every link carries
  `customdata = [kind, ref, text]` so that its meaning can be checked (a `trade` link's ref is the
  route id and its value the route's flow).
- `shortfall_figure`, `price_figure`, `share_figure`, `change_figure`: time series and bars.

Shortfall sentences (`shortfall_sentences`) are analyze's (analyze/shortfalls.py); the choice of
what to show first, `default_view` (region, period and the reason, in words), is plot's. Both
are importable from here too, since the report and the web page ask for them beside the
figures.
"""

from __future__ import annotations

import pandas as pd

from rareflow.analyze.compare import compare as _compare
from rareflow.analyze.shortfalls import (  # noqa: F401  (re-exported: see the module doc)
    shortfall_sentences,
    shortfall_series,
)
from rareflow.plot.common import EPS, fmt_t  # noqa: F401
from rareflow.plot.palette import NEUTRAL, PALETTE, rgba  # noqa: F401
from rareflow.plot.palette import SHORTFALL as SHORTFALL_COLOUR  # noqa: F401
from rareflow.plot.sankey import (  # noqa: F401
    discards,
    sankey_all_periods,
    sankey_figure,
    sankey_height,
    sankey_links,
)
from rareflow.plot.series import (  # noqa: F401
    change_figure,
    price_figure,
    share_figure,
    shortfall_figure,
    supplier_shares,
    trade_figure,
)
from rareflow.plot.view import default_view  # noqa: F401
from rareflow.results.result import Results


def region_colours(view: Results) -> dict[str, str]:
    """Country → colour (plot/palette.py): the same in every figure."""
    from rareflow.plot.palette import region_colours as colours

    return colours(view.scenario)


# ---------------------------------------------------------------------------------------------
# Comparison with a base run
# ---------------------------------------------------------------------------------------------
def compare(view: Results, base: Results, top: int = 15) -> dict:
    """Differences scenario − base for the report and the web page: headline numbers,
    unserved by demand and period, and the trade flows and plant activity that changed most
    over the horizon (the replacement routes). From `analyze.compare`, so a live scenario is
    first moved to its optimum closest to the base (stored runs are compared as stored)."""
    c = _compare(base, view)
    un = c.unserved[["region", "sector", "commodity", "period", "scenario", "base", "change"]]

    def biggest(df: pd.DataFrame, keys: list[str]) -> pd.DataFrame:
        g = df.groupby(keys, sort=False)[["scenario", "base", "change"]].sum()
        g = g[g["change"].abs() > EPS]
        return g.reindex(g["change"].abs().sort_values(ascending=False).index).head(top) \
            .reset_index()

    fl = biggest(c.flows_all, ["origin", "destination", "commodity"])
    pr = biggest(c.production, ["region", "process"])
    return {
        "scenario": view.name, "base": base.name,
        "objective": view.objective, "objective_base": base.objective,
        "unserved": view.total_unserved(), "unserved_base": base.total_unserved(),
        "unserved_changes": un, "flow_changes": fl, "production_changes": pr,
    }
