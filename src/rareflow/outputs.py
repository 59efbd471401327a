"""Writing results to disk so an interrupted run never leaves a half-written result.

Every file is written to a temporary name in the target directory and renamed into place;
`summary.json` goes last, so its presence marks a complete set.
"""

from __future__ import annotations

import json
import os
import tempfile
from pathlib import Path

import pandas as pd

from .solve.results import Results

CSV_COLUMNS = {
    "unserved": ["region", "commodity", "sector", "period", "amount", "requested", "demand"],
    "flows": ["origin", "destination", "commodity", "period", "amount", "route"],
    "activity": ["facility", "region", "process", "period", "amount", "kind"],
    "stocks": ["stock", "region", "commodity", "period", "level"],
    "prices": ["region", "commodity", "period", "price"],
    "builds": ["candidate", "region", "period", "amount", "process", "online"],
    "surplus": ["region", "commodity", "period", "amount"],
    "breaches": ["policy", "period", "side", "amount"],
}


def atomic_write(path: Path, data: str | bytes) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(data.encode() if isinstance(data, str) else data)
            fh.flush()
            os.fsync(fh.fileno())
        os.replace(tmp, path)
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _table_csv(name: str, df: pd.DataFrame) -> str:
    cols = [c for c in CSV_COLUMNS[name] if c in df.columns]
    value = "level" if name == "stocks" else ("price" if name == "prices" else "amount")
    if value in df.columns and name != "prices":
        df = df[df[value].abs() > 0]
    return df.reindex(columns=cols or CSV_COLUMNS[name]).to_csv(index=False)


def write_results(results: Results, out: Path) -> list[Path]:
    """All tables as CSV plus summary.json; returns the paths written."""
    out = Path(out)
    texts = {f"{name}.csv": _table_csv(name, df) for name, df in results.tables().items()}
    written = []
    for fname, text in texts.items():  # render everything first: no partial set on error
        atomic_write(out / fname, text)
        written.append(out / fname)
    atomic_write(out / "summary.json", json.dumps(results.summary(), indent=2, default=str))
    written.append(out / "summary.json")
    return written
