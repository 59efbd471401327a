"""One colour per country, per sector and per commodity, the same in every figure.

The report, the dashboard and `r.plot.*` all colour through this module, so Japan is the same
blue in the chain diagram and in the price chart, and "automotive" the same colour in the two
shortfall charts side by side. Well-known ids of the embedded dataset have fixed colours (so
they are also stable across scenarios); any other id takes the next free colour of a fixed list
in the order the scenario declares it (regions and commodities in their file order, sectors in
the order the demands first name them), so a user's scenario is coloured the same way each time.
"""

from __future__ import annotations

from collections.abc import Iterable

COUNTRY = {
    "CHN": "#d62728", "IND": "#ff7f0e", "JPN": "#1f77b4", "USA": "#3b4cc0", "KOR": "#9467bd",
    "AUS": "#bcbd22", "MMR": "#8c564b", "VNM": "#17becf", "MYS": "#e377c2", "EU": "#2f4b7c",
    "EUR": "#2f4b7c", "DEU": "#4d4d4d", "RUS": "#7f3c8d", "BRA": "#2ca02c", "CAN": "#a05195",
    "ARG": "#6aaed6", "MWI": "#5c8a3a", "EST": "#665191", "GBR": "#003f5c", "THA": "#ffa600",
    "LAO": "#9c755f", "KAZ": "#76b7b2", "ZAF": "#59a14f", "TZA": "#edc948", "GRL": "#86bcb6",
    "ROW": "#9d9d9d",
}
SECTOR = {
    "automotive": "#4e79a7", "wind": "#59a14f", "electronics": "#f28e2b", "medical": "#b07aa1",
    "defence": "#e15759", "industrial": "#9c755f", "non_magnet": "#bab0ac",
}
COMMODITY = {
    "reo_bastnaesite": "#8c6d31", "reo_bayan_obo": "#bd9e39", "reo_monazite": "#e7ba52",
    "reo_mt_weld": "#ad494a", "reo_ionic_clay": "#d6616b", "mixed_re_oxide": "#e7969c",
    "ndpr_oxide": "#1f77b4", "dytb_oxide": "#9467bd", "other_reo": "#9d9d9d",
    "ndpr_metal": "#17becf", "dytb_metal": "#c5b0d5", "ndfeb_magnet": "#2ca02c",
    "ferrite_magnet": "#7f7f7f",
}
PALETTE = ["#4e79a7", "#f28e2b", "#59a14f", "#b07aa1", "#76b7b2", "#edc948", "#9c755f",
           "#ff9da7", "#af7aa1", "#86bcb6", "#d37295", "#a0cbe8", "#8cd17d", "#b6992d",
           "#e15759", "#499894", "#fabfd2", "#79706e"]
SHORTFALL = "#8b0000"
DISCARD = "#b8b8b8"
NEUTRAL = "#9d9d9d"


def assign(ids: Iterable[str], fixed: dict[str, str]) -> dict[str, str]:
    """Colours for `ids` in their order: a fixed colour where there is one, else the next colour
    of PALETTE not already taken by a fixed one in this set (cycling when all are taken)."""
    ids = list(dict.fromkeys(str(i) for i in ids))
    out = {i: fixed[i] for i in ids if i in fixed}
    free = [c for c in PALETTE if c not in set(out.values())] or PALETTE
    k = 0
    for i in ids:
        if i not in out:
            out[i] = free[k % len(free)]
            k += 1
    return out


def sectors_of(scenario) -> list[str]:
    """Sectors in the order the scenario's demands first name them."""
    return list(dict.fromkeys(d.sector for d in scenario.demands))


def region_colours(scenario) -> dict[str, str]:
    return assign(scenario.regions, COUNTRY)


def sector_colours(scenario) -> dict[str, str]:
    return assign(sectors_of(scenario), SECTOR)


def commodity_colours(scenario) -> dict[str, str]:
    return assign(scenario.commodities, COMMODITY)


def colour(kind: str, ident: str, scenario) -> str:
    """The colour of one region, sector or commodity (`kind`) of `scenario`."""
    table = {"region": region_colours, "sector": sector_colours,
             "commodity": commodity_colours}[kind](scenario)
    return table.get(str(ident), NEUTRAL)


def rgba(hex_colour: str, alpha: float) -> str:
    h = hex_colour.lstrip("#")
    r, g, b = (int(h[i:i + 2], 16) for i in (0, 2, 4))
    return f"rgba({r},{g},{b},{alpha})"
