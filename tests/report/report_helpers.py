"""Reading the figures back out of a report file."""

from __future__ import annotations

import json
import re

FIG = re.compile(r"<script type='application/json' class='rf-figure' id='fig-([\w-]+)' "
                 r"data-target='[\w-]+'>(.*?)</script>", re.S)


def figures(html: str) -> dict[str, dict]:
    return {m.group(1): json.loads(m.group(2).replace("<\\/", "</")) for m in FIG.finditer(html)}


def trade_links(trace: dict) -> dict[str, float]:
    """route id → link value for the trade links of one Sankey trace."""
    out: dict[str, float] = {}
    for (kind, ref, _text), v in zip(trace["link"]["customdata"], trace["link"]["value"],
                                     strict=True):
        if kind == "trade":
            out[ref] = out.get(ref, 0.0) + v
    return out
