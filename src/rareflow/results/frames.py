"""Result tables shaped for pandas users: indexed by their key columns, or pivoted.

The long tables (`r.flows`, `r.unserved`, …) suit filtering and CSV; analysts also want
`r.frame("flows").loc[("AUS-JPN-ndpr_oxide", "2025")]` and a region × period grid without
writing the `set_index`/`pivot_table` calls each time. The key columns and the value column of
each table are declared once, in results/schema.py.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence

import pandas as pd

from rareflow.errors import RareflowError
from rareflow.results import schema


def frame(df: pd.DataFrame, name: str) -> pd.DataFrame:
    """`df` (the table `name`) indexed by its declared key columns (a MultiIndex when more than
    one); a table the schema does not declare is returned as it is."""
    table = schema.TABLES.get(name)
    keys = [k for k in (table.keys if table else ()) if k in df.columns]
    return df.set_index(keys) if keys else df


def pivot(df: pd.DataFrame, name: str, periods: Sequence[str], index: str | list[str],
          columns: str | list[str] | None = "period", values: str | None = None,
          aggfunc: str | Callable = "sum") -> pd.DataFrame:
    """A grid of one value of table `name`: `index` down, `columns` across (periods in the
    horizon's order), `values` (default the table's main value, e.g. `amount`) aggregated by
    `aggfunc` (default summed) and 0 where nothing was recorded."""
    table = schema.TABLES.get(name)
    values = values or (table.value if table else None)
    if values is None:
        raise RareflowError(f"table '{name}' declares no value column: pass values=…")
    wanted = [*([index] if isinstance(index, str) else index),
              *([columns] if isinstance(columns, str) else (columns or [])), values]
    missing = [c for c in wanted if c not in df.columns]
    if missing:
        raise RareflowError(f"table '{name}' has no column {', '.join(map(repr, missing))}; its "
                            f"columns are {', '.join(df.columns)}")
    out = pd.pivot_table(df, index=index, columns=columns, values=values, aggfunc=aggfunc,
                         fill_value=0, observed=True)
    return _in_period_order(out, list(periods))


def _in_period_order(out: pd.DataFrame, periods: list[str]) -> pd.DataFrame:
    """Period labels sort as text ('2025-05' before '2025Q2'); put them in the horizon's order."""
    rank = {p: i for i, p in enumerate(periods)}

    def order(axis: pd.Index) -> pd.Index | None:
        if "period" not in (axis.names or []):
            return None
        if isinstance(axis, pd.MultiIndex):
            lvl = axis.names.index("period")
            return axis[sorted(range(len(axis)), key=lambda i: (
                *[axis[i][k] for k in range(lvl)], rank.get(str(axis[i][lvl]), len(rank)),
                *[axis[i][k] for k in range(lvl + 1, axis.nlevels)]))]
        return pd.Index(sorted(axis, key=lambda p: rank.get(str(p), len(rank))), name=axis.name)

    cols, rows = order(out.columns), order(out.index)
    if cols is not None:
        out = out.reindex(columns=cols)
    if rows is not None:
        out = out.reindex(index=rows)
    return out
