"""`r.plot`: the figures of one result as `plotly.graph_objects.Figure`s.

Registered with results/result.py's analysis registry under "plot", so `Results.plot` works
without the results layer importing this one. Plotly is imported when a Figure is made, not
when rareflow is.
"""

from __future__ import annotations

from rareflow.results.result import analysis


def _figure(spec: dict):
    import plotly.graph_objects as go

    return go.Figure(spec)


class Plots:
    """The figures of result `r`: `sankey`, `shortfalls`, `prices`, `trade`. Each returns a
    Plotly Figure (show it with `.show()`, save it with `.write_html(path)`); the report and
    the dashboard draw the same figures."""

    def __init__(self, r) -> None:
        self._r = r

    def __repr__(self) -> str:
        return f"<plots of {self._r.name}: sankey, shortfalls, prices, trade>"

    def default_view(self, base=None) -> tuple[str | None, str | None, str]:
        """(region, period, reason) the chain diagram opens on (plot/view.py)."""
        from rareflow.plot.view import default_view

        return default_view(self._r, base)

    def sankey(self, period: str | None = None, region: str | None = None, base=None):
        """The chain in one period, left to right by stage (mine → … → sector). Without
        `period`/`region`, where the run changes most against `base` (or has the largest
        shortfall); the reason is in `fig.layout.meta["reason"]`. `region="all"` for every
        region."""
        from rareflow.plot.sankey import sankey_figure
        from rareflow.plot.view import default_view

        r = self._r
        if base is not None:
            from rareflow.analyze import closest_optimum

            # as the report does: the optimum closest to the base, not equal-cost reshuffles
            r = closest_optimum(r, base)
        reg, per, why = default_view(r, base)
        if period is not None or region is not None:
            why = ""
        region = reg if region is None else (None if region in ("all", "*") else region)
        return _figure(sankey_figure(r, str(period or per), region, base=base, reason=why))

    def shortfalls(self, region: str | None = None, base=None):
        """Unserved demand by sector per period (t); with `base`, its change against it."""
        from rareflow.plot.series import change_figure, shortfall_figure

        if base is not None:
            return _figure(change_figure(self._r, base, region))
        return _figure(shortfall_figure(self._r, region))

    def prices(self, region: str | None = None):
        """Scarcity prices (value of one more tonne) per period: colour = commodity."""
        from rareflow.plot.series import price_figure

        return _figure(price_figure(self._r, region))

    def trade(self, commodity: str | None = None, period: str | None = None):
        """Trade in tonnes coloured by exporter: per period, or per importer in `period`."""
        from rareflow.plot.series import trade_figure

        return _figure(trade_figure(self._r, commodity, period))


analysis("plot")(Plots)
