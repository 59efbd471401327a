"""Checkpoints of a running sweep, so that a killed sweep resumes where it stopped.

Every finished chunk of samples is written as one `.npz` file (temp file, fsync, rename: a
file is there whole or not at all) in a folder named after the plan (the LP and the
uncertainty block), the seed and the sample count. A sample's answer depends only on (plan,
seed, index), so `--resume` loads the chunks that are there, solves only the missing indices,
however the work is cut now, and the result is identical to an uninterrupted sweep. The
folder is removed when the sweep completes.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

KEYS = ("index", "objective", "unserved", "periods_short", "requested", "events", "method",
        "iterations", "cold_objective", "seconds", "status")


def default_root() -> Path:
    """Beside the run store: `$RAREFLOW_STORE`'s folder, else ~/.rareflow, then `sweeps/`."""
    from rareflow.store import default_path

    return default_path().parent / "sweeps"


class Checkpoint:
    def __init__(self, root: Path, plan_key: str, seed: int, n: int) -> None:
        self.dir = Path(root).expanduser() / f"{plan_key}-seed{seed}-n{n}"

    def load(self) -> list[dict]:
        """The chunks already solved (unreadable leftovers are ignored and re-solved)."""
        parts = []
        if not self.dir.is_dir():
            return parts
        for f in sorted(self.dir.glob("chunk-*.npz")):
            try:
                with np.load(f) as z:
                    part = {k: z[k] for k in KEYS}
            except (OSError, ValueError, KeyError):
                continue
            parts.append(part)
        return parts

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def save(self, part: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        idx = part["index"]
        name = f"chunk-{int(idx.min()):09d}-{int(idx.max()):09d}.npz"
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                np.savez(fh, **{k: part[k] for k in KEYS})
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.dir / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise


def done_indices(parts: list[dict]) -> set[int]:
    return {int(i) for p in parts for i in p["index"]}
