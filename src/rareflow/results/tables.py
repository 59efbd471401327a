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
    write_set,
)
from rareflow.results.result import Results

CSV_COLUMNS = {
    "unserved": ["region", "commodity", "sector", "period", "amount", "requested", "demand"],
    "flows": ["origin", "destination", "commodity", "period", "amount", "route"],
    "activity": ["facility", "region", "process", "period", "amount", "kind"],
    "stocks": ["stock", "region", "commodity", "period", "level"],
    "prices": ["region", "commodity", "period", "price"],
    "builds": ["candidate", "region", "period", "amount", "process", "online"],
    "surplus": ["region", "commodity", "period", "amount"],
    "breaches": ["policy", "period", "side", "amount"],
    "tolling": ["policy", "owner", "partner", "input", "output", "period", "amount", "input_amount"],
}


def _table_csv(name: str, df: pd.DataFrame) -> str:
    cols = [c for c in CSV_COLUMNS[name] if c in df.columns]
    value = "level" if name == "stocks" else ("price" if name == "prices" else "amount")
    if value in df.columns and name != "prices":
        df = df[df[value].abs() > 0]
    return df.reindex(columns=cols or CSV_COLUMNS[name]).to_csv(index=False)


def write_results(results: Results, out: Path, extra: dict[str, str | bytes] | None = None,
                  command: str = "rareflow run") -> list[Path]:
    """All tables as CSV plus summary.json (and `extra` files); returns the final paths."""
    texts: dict[str, str | bytes] = {f"{name}.csv": _table_csv(name, df)
                                     for name, df in results.tables().items()}
    for name, df in results.metrics().items():
        if name != "prices":
            texts[f"metrics_{name}.csv"] = df.to_csv(index=False)
    texts.update(extra or {})
    texts["summary.json"] = json.dumps(results.summary(), indent=2, default=str)
    return write_set(out, texts, command)


