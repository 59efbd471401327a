"""Writing results to disk so an interrupted run never leaves a half-written result.

The tables become CSV texts here; `rareflow.results.output` writes them as one set into a
folder rareflow owns (a reader sees the old complete set or the new one, never a mix), and
refuses a folder that holds anything it did not write.
"""

from __future__ import annotations

import json
from pathlib import Path

import pandas as pd

from rareflow.results.output import (  # noqa: F401  (re-exported: the writing functions)
    MARKER,
    OutputError,
    atomic_write,
    check_out,
    default_out,
    safe_name,
    set_parts,
    write_file,
    write_set,
)
from rareflow.results.result import Results
from rareflow.results.schema import TABLES

# the columns of each CSV file, in order: the result schema's (results/schema.py)
CSV_COLUMNS = {name: t.names for name, t in TABLES.items()}


def _table_csv(name: str, df: pd.DataFrame) -> str:
    """A declared table with its declared columns, without the rows where its `nonzero` column
    is 0; any other table (a sweep's, read back from the store) as it is."""
    table = TABLES.get(name)
    if table is None:
        return df.to_csv(index=False)
    if table.nonzero is not None:
        df = df[df[table.nonzero].abs() > 0]
    return df.reindex(columns=table.names).to_csv(index=False)


def write_results(results: Results, out: Path, extra: dict[str, str | bytes] | None = None,
                  command: str = "rareflow run") -> list[Path]:
    """All tables as CSV plus summary.json (and `extra` files); returns the final paths."""
    texts: dict[str, str | bytes] = {
        f"{name}.csv": _table_csv(name, df) for name, df in results.tables().items()
        if len(df) or not (name in TABLES and TABLES[name].optional)}
    for name, df in results.metrics().items():
        if name != "prices":
            texts[f"metrics_{name}.csv"] = df.to_csv(index=False)
    texts.update(extra or {})
    texts["summary.json"] = json.dumps(results.summary(), indent=2, default=str)
    return write_set(out, texts, command)


