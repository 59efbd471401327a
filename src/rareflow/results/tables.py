"""Writing results to disk so an interrupted run never leaves a half-written result.

Single files are written to a temporary name and renamed into place. A result set is written
into a fresh sibling directory which then replaces the old one by rename, so a reader sees
either the old complete set or the new complete set, never a mix.
"""

from __future__ import annotations

import json
import os
import shutil
import tempfile
from pathlib import Path

import pandas as pd

from rareflow.results import policy_tables
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
    # written only when a scenario uses them (results/policy_tables.py)
    "stages": policy_tables.STAGE_COLUMNS,
    "transit": policy_tables.TRANSIT_COLUMNS,
    "subsidies": policy_tables.SUBSIDY_COLUMNS,
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


def write_results(results: Results, out: Path, extra: dict[str, str | bytes] | None = None
                  ) -> list[Path]:
    """All tables as CSV plus summary.json (and `extra` files); returns the final paths."""
    texts: dict[str, str | bytes] = {f"{name}.csv": _table_csv(name, df)
                                     for name, df in results.tables().items()}
    for name, df in results.metrics().items():
        if name != "prices":
            texts[f"metrics_{name}.csv"] = df.to_csv(index=False)
    texts.update(extra or {})
    texts["summary.json"] = json.dumps(results.summary(), indent=2, default=str)
    return write_set(out, texts)


def write_set(out: Path, texts: dict[str, str | bytes]) -> list[Path]:
    """Write a set of files as one unit: all of them replace the old set, or none do."""
    out = Path(out).absolute()
    out.parent.mkdir(parents=True, exist_ok=True)
    tmp = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.new-"))
    try:
        for fname, text in texts.items():
            with open(tmp / fname, "wb") as fh:
                fh.write(text.encode() if isinstance(text, str) else text)
                fh.flush()
                os.fsync(fh.fileno())
        if out.exists():
            old = Path(tempfile.mkdtemp(dir=out.parent, prefix=f".{out.name}.old-"))
            os.replace(out, old / "set")
            os.replace(tmp, out)
            shutil.rmtree(old, ignore_errors=True)
        else:
            os.replace(tmp, out)
    except BaseException:
        shutil.rmtree(tmp, ignore_errors=True)
        raise
    return [out / f for f in texts]
