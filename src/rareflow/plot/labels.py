"""Short names for figures: one naming scheme, "Japan · NdPr oxide", never a raw id.

Dataset labels are written for tables ("NdPr (didymium) oxide, Nd2O3:Pr6O11 75:25"); a chart
needs the head of it. The short name drops parenthetical asides and what follows the first
comma or colon, then cuts at a word boundary; when two items of a kind would get the same short
name, they keep more of their label so they stay apart.
"""

from __future__ import annotations

import re

MAX = 32
SEP = " · "


def _head(text: str) -> str:
    t = re.sub(r"\s*\([^)]*\)", "", text).strip()
    t = t.replace(" -> ", " → ")
    t = re.split(r",\s|:\s|;\s", t, maxsplit=1)[0].strip()
    return t or text


def cut(text: str, limit: int = MAX) -> str:
    """`text` cut at a word boundary to at most `limit` characters (… marks a cut)."""
    text = " ".join(text.split())
    if len(text) <= limit:
        return text
    words, out = text.split(" "), ""
    for w in words:
        if len(out) + len(w) + (1 if out else 0) > limit - 1:
            break
        out = f"{out} {w}" if out else w
    if len(out) < limit * 0.6:  # a long word next: cut inside it rather than lose it all
        out = text[: limit - 1]
    return out.rstrip(",;:/ ") + "…"


def short_names(labels: dict[str, str], limit: int = MAX) -> dict[str, str]:
    """id → short name for one kind of item (commodities, processes, …), unique where the
    labels are: an item whose head clashes with another's keeps its cut full label."""
    heads = {k: cut(_head(v), limit) for k, v in labels.items()}
    seen: dict[str, int] = {}
    for h in heads.values():
        seen[h] = seen.get(h, 0) + 1
    out = {}
    for k, v in labels.items():
        h = heads[k]
        if seen[h] > 1:
            full = " ".join(re.sub(r"[()]", "", v).split())
            h = cut(full, limit + 14)
        out[k] = h
    return out


class Names:
    """The figure names of one scenario's regions, commodities, processes and sectors."""

    def __init__(self, scenario) -> None:
        self.scenario = scenario
        self.region = {r: cut(_head(v.label), 24) if v.label else r
                       for r, v in scenario.regions.items()}
        self.commodity = short_names({c: (v.label or c.replace("_", " "))
                                      for c, v in scenario.commodities.items()})
        self.process = short_names({p: (v.label or p.replace("_", " "))
                                    for p, v in scenario.processes.items()})

    def r(self, region: str | None) -> str:
        return self.region.get(region, region) if region else ""

    def c(self, commodity: str) -> str:
        return self.commodity.get(commodity, commodity.replace("_", " "))

    def p(self, process: str) -> str:
        return self.process.get(process, process.replace("_", " "))

    @staticmethod
    def s(sector: str) -> str:
        return sector.replace("_", " ")

    def at(self, region: str | None, what: str) -> str:
        """ "Japan · NdPr oxide": the one scheme every node and series name follows."""
        return f"{self.r(region)}{SEP}{what}" if region else what
