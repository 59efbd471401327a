"""Checkpoints of a running sweep, so that a killed sweep resumes where it stopped.

Every finished chunk of samples is written as one `.npz` file (temp file, fsync, rename: a
file is there whole or not at all) in a folder named after the plan (the LP and the
uncertainty block), the seed and the sample count. A sample's answer depends only on (plan,
seed, index), so `--resume` loads the chunks that are there, solves only the missing indices,
however the work is cut now, and the result is identical to an uninterrupted sweep. The
folder is removed when the sweep completes.

A chunk is trusted only if it proves it belongs: it carries the sweep's fingerprint (plan,
seed, n) and a checksum of its arrays, its indices lie in 0..n−1 without repeats, its arrays
agree in length, and no chunk accepted before it holds the same samples. Anything else — a
truncated or bit-flipped file, a chunk copied from another sweep, one that overlaps — is set
aside and its samples are solved again; `rejected` says how many chunks that was and why.
"""

from __future__ import annotations

import hashlib
import os
import shutil
import tempfile
from pathlib import Path

import numpy as np

KEYS = ("index", "objective", "unserved", "periods_short", "requested", "events", "method",
        "iterations", "cold_objective", "seconds", "status")
FORMAT = "rareflow-sweep-chunk-3"  # 3: groups are region × sector × commodity


def default_root() -> Path:
    """Beside the run store: `$RAREFLOW_STORE`'s folder, else ~/.rareflow, then `sweeps/`."""
    from rareflow.store import default_path

    return default_path().parent / "sweeps"


def fingerprint(plan_key: str, seed: int, n: int) -> str:
    """What makes a chunk this sweep's: the plan (LP and uncertainty), the seed and n."""
    return hashlib.sha256(f"{FORMAT}|{plan_key}|{int(seed)}|{int(n)}".encode()).hexdigest()


def checksum(part: dict) -> str:
    """SHA-256 of every array: its name, dtype, shape and bytes, in KEYS order."""
    h = hashlib.sha256()
    for k in KEYS:
        a = np.ascontiguousarray(part[k])
        h.update(f"{k}|{a.dtype.str}|{a.shape}|".encode())
        h.update(a.tobytes())
    return h.hexdigest()


class Checkpoint:
    def __init__(self, root: Path, plan_key: str, seed: int, n: int) -> None:
        self.dir = Path(root).expanduser() / f"{plan_key}-seed{seed}-n{n}"
        self.n = int(n)
        self.fingerprint = fingerprint(plan_key, seed, n)
        self.rejected: dict[str, list[str]] = {}  # why → chunk file names, after load()

    @property
    def n_rejected(self) -> int:
        return sum(len(v) for v in self.rejected.values())

    def load(self) -> list[dict]:
        """The chunks already solved that can be trusted; the rest are noted in `rejected`
        (and re-solved by the caller, since their indices are not among the done ones)."""
        self.rejected = {}
        parts: list[dict] = []
        if not self.dir.is_dir():
            return parts
        done = np.zeros(self.n, dtype=bool)
        for f in sorted(self.dir.glob("chunk-*.npz")):
            part, why = self._read(f)
            if part is not None:
                idx = part["index"]
                if done[idx].any():
                    part, why = None, "overlapping"
                else:
                    done[idx] = True
            if part is None:
                self.rejected.setdefault(why, []).append(f.name)
                f.unlink(missing_ok=True)  # its samples are solved again and saved anew
                continue
            parts.append(part)
        return parts

    def _read(self, f: Path) -> tuple[dict | None, str]:
        try:
            with np.load(f, allow_pickle=False) as z:
                if "fingerprint" not in z or "checksum" not in z:
                    return None, "from an older version"
                part = {k: z[k] for k in KEYS}
                fp, cs = str(z["fingerprint"]), str(z["checksum"])
        except Exception:  # noqa: BLE001 - BadZipFile, EOFError, zlib.error, OSError, …
            return None, "damaged"
        if fp != self.fingerprint:
            return None, "from another sweep"
        if cs != checksum(part):
            return None, "damaged"
        idx = part["index"]
        k = len(idx) if idx.ndim == 1 else -1
        if k < 0 or idx.dtype.kind not in "iu" or any(
                part[key].ndim == 0 or part[key].shape[0] != k for key in KEYS):
            return None, "damaged"
        if k and (int(idx.min()) < 0 or int(idx.max()) >= self.n):
            return None, "out of range"
        if len(np.unique(idx)) != k:
            return None, "overlapping"
        part["index"] = idx.astype(np.int64)
        return part, ""

    def clear(self) -> None:
        shutil.rmtree(self.dir, ignore_errors=True)

    def save(self, part: dict) -> None:
        self.dir.mkdir(parents=True, exist_ok=True)
        idx = part["index"]
        name = f"chunk-{int(idx.min()):09d}-{int(idx.max()):09d}.npz"
        fd, tmp = tempfile.mkstemp(dir=self.dir, prefix=".tmp-", suffix=".npz")
        try:
            with os.fdopen(fd, "wb") as fh:
                arrays = {k: np.asarray(part[k]) for k in KEYS}
                np.savez(fh, **arrays, fingerprint=np.array(self.fingerprint),
                         checksum=np.array(checksum(arrays)))
                fh.flush()
                os.fsync(fh.fileno())
            os.replace(tmp, self.dir / name)
        except BaseException:
            Path(tmp).unlink(missing_ok=True)
            raise

    def describe_rejected(self) -> str:
        """'3 checkpoint chunks (2 damaged, 1 from another sweep) were set aside …', or ''."""
        k = self.n_rejected
        if not k:
            return ""
        why = ", ".join(f"{len(v)} {w}" for w, v in sorted(self.rejected.items()))
        return (f"{k} checkpoint chunk{'s' if k != 1 else ''} ({why}) could not be trusted; "
                "their samples were solved again")


def done_indices(parts: list[dict]) -> set[int]:
    return {int(i) for p in parts for i in p["index"]}
