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

from rareflow.results.result import Results
from rareflow.results.schema import TABLES

# the columns of each CSV file, in order: the result schema's (results/schema.py)
CSV_COLUMNS = {name: t.names for name, t in TABLES.items()}


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
    """A declared table with its declared columns, without the rows where its `nonzero` column
    is 0; any other table (a sweep's, read back from the store) as it is."""
    table = TABLES.get(name)
    if table is None:
        return df.to_csv(index=False)
    if table.nonzero is not None:
        df = df[df[table.nonzero].abs() > 0]
    return df.reindex(columns=table.names).to_csv(index=False)


def write_results(results: Results, out: Path, extra: dict[str, str | bytes] | None = None
                  ) -> list[Path]:
    """All tables as CSV plus summary.json (and `extra` files); returns the final paths."""
    texts: dict[str, str | bytes] = {
        f"{name}.csv": _table_csv(name, df) for name, df in results.tables().items()
        if len(df) or not (name in TABLES and TABLES[name].optional)}
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
