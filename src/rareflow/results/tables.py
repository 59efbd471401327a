"""Writing results to disk so an interrupted run never leaves a half-written result.

The tables become CSV texts here; `rareflow.results.output` writes them as one set into a
folder rareflow owns (a reader sees the old complete set or the new one, never a mix), and
refuses a folder that holds anything it did not write.
"""

from __future__ import annotations

import csv
import io
import json
from pathlib import Path

import numpy as np
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


def csv_text(df: pd.DataFrame) -> str:
    """`df.to_csv(index=False)`, byte for byte, written with less machinery around it.

    pandas writes a frame's columns through the standard library's csv writer after turning
    each into plain values: float64 as numpy's shortest text of each number (`astype(str)`),
    missing as "", integers and booleans as Python objects, text as is. This does the same
    for those column types and hands the rows to the same writer (`,`, `"` quoting only where
    needed, `\n` line ends); a frame with any other column type (dates, categories, nullable
    extension types) is left to pandas. It spares pandas' per-file set-up, about a third of
    the time of the ~16 files a run writes (issue 17); tests/results/test_tables.py compares
    the two on every table of several runs and on awkward values."""
    cols = []
    for _, s in df.items():
        dt = s.dtype
        if dt == np.float64:
            v = s.to_numpy()
            out = v.astype(str).astype(object)
            out[np.isnan(v)] = ""
        elif isinstance(dt, np.dtype) and dt.kind in "iub":
            out = s.to_numpy().astype(object)
        elif isinstance(dt, pd.StringDtype):
            out = s.to_numpy(dtype=object, na_value="")
        elif isinstance(dt, np.dtype) and dt.kind == "O":
            out = s.to_numpy().copy()
            out[pd.isna(out)] = ""
        else:
            return df.to_csv(index=False)
        cols.append(out)
    if not cols:
        return df.to_csv(index=False)
    buf = io.StringIO()
    w = csv.writer(buf, lineterminator="\n")
    w.writerow([str(c) for c in df.columns])
    w.writerows(zip(*cols, strict=True))
    return buf.getvalue()


def _table_csv(name: str, df: pd.DataFrame) -> str:
    """A declared table with its declared columns, without the rows where its `nonzero` column
    is 0; any other table (a sweep's, read back from the store) as it is."""
    table = TABLES.get(name)
    if table is None:
        return csv_text(df)
    if table.nonzero is not None:
        df = df[df[table.nonzero].abs() > 0]
    return csv_text(df.reindex(columns=table.names))


def write_results(results: Results, out: Path, extra: dict[str, str | bytes] | None = None,
                  command: str = "rareflow run") -> list[Path]:
    """All tables as CSV plus summary.json (and `extra` files); returns the final paths."""
    texts: dict[str, str | bytes] = {
        f"{name}.csv": _table_csv(name, df) for name, df in results.tables().items()
        if len(df) or not (name in TABLES and TABLES[name].optional)}
    for name, df in results.metrics().items():
        if name != "prices":
            texts[f"metrics_{name}.csv"] = csv_text(df)
    texts.update(extra or {})
    texts["summary.json"] = json.dumps(results.summary(), indent=2, default=str)
    return write_set(out, texts, command)


