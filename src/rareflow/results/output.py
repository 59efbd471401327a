"""Where rareflow writes result sets, and the promise that it never loses what it did not write.

A result set is a folder that rareflow owns: it holds a marker file (`.rareflow-results`, a
small JSON naming the program, the command and the files it wrote). rareflow

- writes a new set into a fresh sibling folder (marker first, so a crash leaves a folder that
  is recognisably its own) and swaps it with the old set in one step (Linux `renameat2` with
  RENAME_EXCHANGE; elsewhere two renames), so a reader sees the old set or the new one;
- refuses an `--out` that is a file, a symbolic link, or a folder holding anything it did not
  write, with a message that says what to do; it deletes nothing there;
- keeps, in one folder, the parts that different commands wrote (`rareflow run`'s tables,
  `rareflow backtest`'s backtest.csv/.html, a report): the marker lists each part's files, and
  a command replaces only its own part; the other parts' files go into the new set unchanged
  (hard links), so `backtest` then `run` (or `run` then `backtest`) leaves both (a part
  sharing a file name with the new one is replaced whole);
- adopts an empty folder (writing into it; its mode is left as it is) and the folders that
  older versions wrote without a marker (only result files, no sub-folders);
- removes, before each write, the hidden `.NAME.new-*` / `.NAME.old-*` folders that an
  interrupted write of its own left beside the set (never one of a write still running).
"""

from __future__ import annotations

import ctypes
import errno
import json
import os
import re
import secrets
import shutil
import sys
import tempfile
from pathlib import Path

from rareflow.errors import RareflowError

MARKER = ".rareflow-results"
# what older versions wrote without a marker: result tables, summary.json, report.html
_LEGACY_FILE = re.compile(r"^[a-z][a-z0-9_]*\.(csv|json|html)$")
_LEGACY_KEY = ("summary.json", "sweep.json")
_SLUG_BAD = re.compile(r"[^A-Za-z0-9._-]+")


class OutputError(RareflowError):
    """An output path rareflow will not or cannot write to; the message says what to do."""


def safe_name(name: str, fallback: str = "scenario") -> str:
    """A scenario name as one safe folder name: letters, digits, `.`, `_`, `-` only, no
    leading dot, at most 100 characters (`India/Japan ..` → `India-Japan`)."""
    slug = _SLUG_BAD.sub("-", str(name)).strip(".-_")[:100].strip(".-_")
    return slug or fallback


def default_out(name: str, root: str | Path = "rareflow-out") -> Path:
    """The default folder for a scenario's results: `rareflow-out/<safe name>`, under the
    working directory whatever the scenario's name says."""
    return Path(root) / safe_name(name)


# ---- checking an output path ----------------------------------------------------------------
def _owned(d: Path) -> dict | None:
    """The marker's content when `d` is a result folder rareflow wrote, else None."""
    m = d / MARKER
    try:
        if m.is_file() and not m.is_symlink():
            data = json.loads(m.read_text() or "{}")
            return data if isinstance(data, dict) else {}
    except (OSError, ValueError):
        return {}  # a marker we cannot read is still our marker
    return None


# files that rareflow commands before result-set parts wrote into a run's folder without
# listing them in its marker (`rareflow backtest`), known by name and by how they begin
_EARLIER_BESIDE = {"backtest.csv": ("rareflow backtest", b"kind,series,label,what,"),
                   "backtest.html": ("rareflow backtest",
                                     b"<!doctype html>\n<html>\n<head><title>Back-test of ")}


def _earlier_beside(d: Path, entries: list[os.DirEntry], mine: dict) -> dict[str, str]:
    """{file: command} for the unlisted files of a marked set that an earlier rareflow wrote
    beside it (see _EARLIER_BESIDE): they are its own, so a new `run` keeps them rather than
    refusing the folder."""
    listed = set(mine.get("files") or [])
    found = {}
    for e in entries:
        known = _EARLIER_BESIDE.get(e.name)
        if known is None or e.name in listed or not e.is_file(follow_symlinks=False):
            continue
        try:
            with open(e.path, "rb") as fh:
                head = fh.read(len(known[1]))
        except OSError:
            continue
        if head == known[1]:
            found[e.name] = known[0]
    return found


def _legacy(entries: list[os.DirEntry]) -> bool:
    """A folder that an older rareflow wrote (no marker): only result files, one of them a
    summary."""
    names = {e.name for e in entries}
    return bool(names) and any(k in names for k in _LEGACY_KEY) and all(
        e.is_file(follow_symlinks=False) and _LEGACY_FILE.match(e.name) for e in entries)


def _entries(d: Path) -> list[os.DirEntry]:
    with os.scandir(d) as it:
        return list(it)


def _show(names: list[str], most: int = 4) -> str:
    more = f" and {len(names) - most} more" if len(names) > most else ""
    return ", ".join(names[:most]) + more


def check_out(out: str | Path, what: str = "--out") -> str:
    """Refuse an output folder rareflow must not write to; say what it will do otherwise:
    'new' (created), 'adopt' (an empty folder or an older result set), 'replace' (its own set).

    Call it before the work, so that a refused path costs nothing, and again when writing."""
    out = Path(out)
    try:
        if out.is_symlink():
            raise OutputError(f"{what} {out} is a symbolic link; rareflow writes its results only "
                              "into a real folder of its own. Give the folder itself or a new "
                              "folder name")
        if out.exists() and not out.is_dir():
            raise OutputError(f"{what} {out} is a file; rareflow writes a folder of results and "
                              f"will not replace it. Give a new folder name, e.g. {what} "
                              f"{out.with_suffix('')}-results")
        if not out.exists():
            _check_parent(out, what)
            return "new"
        entries = _entries(out)
    except OSError as e:
        raise _os_error(e, out, what) from None
    if not entries:
        _check_writable(out, what)
        return "adopt"
    _check_writable(out, what)  # a read-only place is said before the work, not after
    mine = _owned(out)
    if mine is None:
        if _legacy(entries):
            return "adopt"
        names = sorted(e.name + ("/" if e.is_dir() else "") for e in entries)
        raise OutputError(f"{what} {out} is a folder with files rareflow did not write "
                          f"({_show(names)}); rareflow replaces only the result folders it made "
                          f"(they hold {MARKER}), so nothing was written or deleted. Give a new "
                          f"or empty folder, e.g. {what} {out / 'rareflow-results'}")
    listed = set(mine.get("files") or []) | {MARKER} | set(_earlier_beside(out, entries, mine))
    foreign = sorted(e.name + ("/" if e.is_dir() else "") for e in entries
                     if e.name not in listed)
    if foreign and mine.get("files") is not None:
        raise OutputError(f"{what} {out} holds a rareflow result set and files it did not write "
                          f"({_show(foreign)}); replacing the set would lose them, so nothing was "
                          "written or deleted. Move them out of the folder, or give another "
                          "folder")
    return "replace"


def _check_parent(out: Path, what: str) -> None:
    """The nearest existing ancestor must be a folder this process may write in."""
    anc = out.absolute().parent
    while not anc.exists() and anc != anc.parent:
        anc = anc.parent
    if not anc.is_dir():
        raise OutputError(f"{what} {out}: {anc} is a file, so no folder can be made under it. "
                          "Give a path under a folder")
    _check_writable(anc, what, out)


def _check_writable(d: Path, what: str, out: Path | None = None) -> None:
    if not os.access(d, os.W_OK | os.X_OK):
        try:
            ro = bool(os.statvfs(d).f_flag & os.ST_RDONLY)
        except OSError:
            ro = False
        why = "is on a read-only file system" if ro else "is not writable by you"
        raise OutputError(f"{what} {out or d}: {d} {why}. Give a folder you can write, e.g. "
                          f"{what} ~/rareflow-results")


def _os_error(e: OSError, out: Path, what: str) -> OutputError:
    why = {errno.EROFS: "the file system is read-only", errno.ENOSPC: "the disk is full",
           errno.EDQUOT: "your disk quota is used up", errno.EACCES: "permission denied",
           errno.EPERM: "permission denied", errno.ENAMETOOLONG: "the name is too long",
           errno.ENOTDIR: "part of the path is a file, not a folder"}.get(
        e.errno or 0, e.strerror or str(e))
    return OutputError(f"cannot write the results to {out}: {why}. Nothing was replaced; give "
                       f"another folder with {what}")


# ---- writing --------------------------------------------------------------------------------
SAME_KIND_BYTES = 64


def atomic_write(path: str | Path, data: str | bytes, check: bool = True) -> None:
    """One file, whole or not at all: a temporary name beside it, fsync, rename.

    With `check`, an existing file is replaced only if it begins as the new one does (an
    earlier report replaced by a new report), never a file of another kind that happens to
    have the name (a thesis saved as report.html); OutputError then, and the file stays."""
    path = Path(path)
    raw = data.encode() if isinstance(data, str) else data
    try:
        if path.is_dir() and not path.is_symlink():
            raise OutputError(f"{path} is a folder; give the path of a file to write, e.g. "
                              f"{path / 'report.html'}")
        if check and (path.is_symlink() or path.exists()):
            _check_same_kind(path, raw)
        path.parent.mkdir(parents=True, exist_ok=True)
        fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    except OSError as e:
        raise _os_error(e, path, "the output") from None
    try:
        with os.fdopen(fd, "wb") as fh:
            fh.write(raw)
            fh.flush()
            os.fsync(fh.fileno())
        os.chmod(tmp, 0o666 & ~_umask())
        os.replace(tmp, path)
    except OSError as e:
        Path(tmp).unlink(missing_ok=True)
        raise _os_error(e, path, "the output") from None
    except BaseException:
        Path(tmp).unlink(missing_ok=True)
        raise


def _check_same_kind(path: Path, raw: bytes) -> None:
    if path.is_symlink() or not path.is_file():
        raise OutputError(f"{path} exists and is not a plain file; rareflow will not replace it. "
                          "Give another file name")
    with open(path, "rb") as fh:
        head = fh.read(SAME_KIND_BYTES)
    if head != raw[:SAME_KIND_BYTES]:
        raise OutputError(f"{path} exists and is not a file rareflow wrote; it was left as it "
                          f"is. Give another file name, e.g. {path.with_name('rareflow-' + path.name)}")


def _umask() -> int:
    try:
        with open("/proc/self/status") as fh:  # Linux: read without changing it
            for line in fh:
                if line.startswith("Umask:"):
                    return int(line.split()[1], 8)
    except (OSError, ValueError):
        pass
    return 0o022


def write_set(out: str | Path, texts: dict[str, str | bytes], command: str = "rareflow",
              part: str | None = None) -> list[Path]:
    """Write a set of files as one unit into a result folder rareflow owns: all of them
    replace the old set, or none do. Refuses (OutputError) a path that is not its own.

    The files are the `part` (default: the command) of the folder's set: they replace what
    that part held before; the files of the other parts (another command's, listed in the
    marker) are kept as they are, so that commands writing into the same scenario folder do
    not undo each other."""
    out = Path(out).absolute()
    bad = [n for n in texts if n == MARKER or "/" in n or "\\" in n or n in ("", ".", "..")]
    if bad:
        raise ValueError(f"result file names must be plain names, got {bad}")
    _clean_leftovers(out)
    how = check_out(out)
    part = part or command
    parts = {k: v for k, v in (set_parts(out) if how == "replace" else {}).items() if k != part}
    for k in list(parts):
        # a part that shares a name with the new files (two commands both writing summary.json)
        # is replaced whole: half of another command's set would be read as a whole one
        parts[k] = [] if set(parts[k]) & set(texts) else [n for n in parts[k]
                                                          if (out / n).is_file()]
        if not parts[k]:
            del parts[k]
    parts[part] = sorted(texts)
    kept = sorted({n for k, names in parts.items() if k != part for n in names})
    # no time stamp: the same answer written twice is the same bytes (the folder has a date)
    marker = json.dumps({"written_by": _program(), "command": command,
                         "files": sorted(set(texts) | set(kept)),
                         "parts": dict(sorted(parts.items()))}, indent=2) + "\n"
    try:
        if how == "adopt" and not _entries(out):
            _write_into(out, texts, marker)  # an empty folder of the user's: kept as it is
        else:
            _replace(out, texts, marker, how, kept)
    except OSError as e:
        raise _os_error(e, out, "--out") from None
    return [out / f for f in texts]


def set_parts(out: str | Path) -> dict[str, list[str]]:
    """The parts of the result set in `out` (which command wrote which files), from its marker;
    a marker of an older version (no parts) makes one part, its command's. {} when `out` is
    not a result set rareflow marked."""
    out = Path(out)
    mine = _owned(out)
    if mine is None:
        return {}
    parts = mine.get("parts")
    if isinstance(parts, dict):
        found = {str(k): [str(n) for n in v if _plain(str(n))] for k, v in parts.items()
                 if isinstance(v, list)}
    else:
        files = [str(n) for n in mine.get("files") or [] if _plain(str(n))]
        found = {str(mine.get("command") or "rareflow"): files} if files else {}
    try:
        for name, cmd in sorted(_earlier_beside(out, _entries(out), mine).items()):
            found.setdefault(cmd, []).append(name)
    except OSError:
        pass
    return found


def _plain(name: str) -> bool:
    """A name a marker may list: a plain file name in the folder, never a path out of it."""
    return name not in ("", ".", "..", MARKER) and "/" not in name and "\\" not in name


def write_file(path: str | Path, data: str | bytes, command: str = "rareflow") -> Path:
    """One file (a report) whole or not at all. In a result folder of rareflow's it joins the
    folder's set as a part of its own (so a later `run` there keeps it and does not refuse
    it as a file rareflow did not write); anywhere else it is `atomic_write`."""
    path = Path(path)
    if _owned(path.parent) is not None and _plain(path.name) and not path.is_dir():
        write_set(path.parent, {path.name: data}, command, part=f"{command} {path.name}")
    else:
        atomic_write(path, data)
    return path


def _program() -> str:
    from rareflow import __version__

    return f"rareflow {__version__}"


def _write_file(d: Path, name: str, data: str | bytes) -> None:
    with open(d / name, "wb") as fh:
        fh.write(data.encode() if isinstance(data, str) else data)
        fh.flush()
        os.fsync(fh.fileno())


def _write_into(out: Path, texts: dict[str, str | bytes], marker: str) -> None:
    """Into an empty folder that the user made: marker first (the folder is now a result set,
    so an interrupted write is replaced whole next time), then each file whole."""
    atomic_write(out / MARKER, marker, check=False)
    for name, data in texts.items():  # the folder is rareflow's now: its files may be replaced
        atomic_write(out / name, data, check=False)


def _replace(out: Path, texts: dict[str, str | bytes], marker: str, how: str,
             kept: list[str] = ()) -> None:
    parent = out.parent
    try:
        parent.mkdir(parents=True, exist_ok=True)
        new = _fresh_dir(parent, f".{out.name}.new-")
    except PermissionError:
        if how == "replace":  # the set's folder is ours but its parent is not writable
            return _replace_in_place(out, texts, marker, kept)
        raise
    old: Path | None = None
    try:
        _write_file(new, MARKER, marker)
        for name, data in texts.items():
            _write_file(new, name, data)
        for name in kept:  # the other parts of the set, unchanged
            _carry(out / name, new / name)
        if how == "new":
            os.rename(new, out)  # fails rather than replaces if `out` appeared meanwhile
            return
        os.chmod(new, os.stat(out).st_mode & 0o7777)  # the set keeps the mode it had
        if _exchange(new, out):
            _remove_set(new)  # `new` now holds the old set
            return
        old = parent / f".{out.name}.old-{os.getpid()}-{secrets.token_hex(4)}"
        os.rename(out, old)
        os.rename(new, out)
        _remove_set(old)
    except BaseException:
        if old is not None and old.exists() and not out.exists():
            os.rename(old, out)  # interrupted between the two renames: the old set goes back
        if new.exists():
            _remove_set(new)
        raise


def _carry(src: Path, dst: Path) -> None:
    """A file of the old set into the new one as it is: a hard link (no copy, same bytes; no
    rareflow write changes a file in place), or a copy where links cannot be made."""
    try:
        os.link(src, dst, follow_symlinks=False)
    except OSError:
        shutil.copy2(src, dst, follow_symlinks=False)


def _remove_set(d: Path) -> None:
    """Remove a result folder of rareflow's with its marker last, so that a removal cut short
    still leaves a folder marked as rareflow's (and the next write finishes the job)."""
    try:
        entries = _entries(d)
    except OSError:
        return
    for e in sorted(entries, key=lambda e: e.name == MARKER):
        try:
            if e.is_dir(follow_symlinks=False):
                shutil.rmtree(e.path, ignore_errors=True)
            else:
                os.unlink(e.path)
        except OSError:
            pass
    try:
        os.rmdir(d)
    except OSError:
        pass


def _replace_in_place(out: Path, texts: dict[str, str | bytes], marker: str,
                      kept: list[str] = ()) -> None:
    """Last resort when no sibling folder can be made: each file whole, then the files of the
    old set that the new one lacks are removed (never anything the marker did not list, nor
    another part's files)."""
    old = set((_owned(out) or {}).get("files") or [])
    _write_into(out, texts, marker)
    for name in old - set(texts) - set(kept):
        if "/" not in name and name not in (MARKER, "", ".", ".."):
            (out / name).unlink(missing_ok=True)


def _fresh_dir(parent: Path, prefix: str) -> Path:
    """A new folder named prefix + pid + random part; its mode follows the umask (mkdtemp's
    would be 0700), so a result set reads like any folder the user makes."""
    for _ in range(100):
        d = parent / f"{prefix}{os.getpid()}-{secrets.token_hex(4)}"
        try:
            os.mkdir(d)
            return d
        except FileExistsError:
            continue
    raise OSError(errno.EEXIST, "could not make a temporary folder", str(parent))


_RENAME_EXCHANGE = 2
_AT_FDCWD = -100


def _exchange(a: Path, b: Path) -> bool:
    """Swap two folders in one step (Linux renameat2 RENAME_EXCHANGE): there is no moment when
    `b` is missing. False where the system or the file system cannot."""
    if not sys.platform.startswith("linux"):
        return False
    try:
        fn = ctypes.CDLL(None, use_errno=True).renameat2
    except (OSError, AttributeError):
        return False
    fn.argtypes = [ctypes.c_int, ctypes.c_char_p, ctypes.c_int, ctypes.c_char_p, ctypes.c_uint]
    fn.restype = ctypes.c_int
    if fn(_AT_FDCWD, os.fsencode(str(a)), _AT_FDCWD, os.fsencode(str(b)), _RENAME_EXCHANGE) == 0:
        return True
    e = ctypes.get_errno()
    if e in (errno.ENOSYS, errno.EINVAL, errno.EOPNOTSUPP, errno.ENOTSUP):
        return False
    raise OSError(e, os.strerror(e), str(b))


_LEFTOVER = re.compile(r"^\.(?P<name>.+)\.(?:new|old)-(?:(?P<pid>\d+)-)?[A-Za-z0-9_]+$")


def _clean_leftovers(out: Path) -> int:
    """Remove what an interrupted write of `out` left beside it: hidden `.NAME.new-*` and
    `.NAME.old-*` folders that are rareflow's (a marker, an older set's files, or nothing)
    and whose writer is no longer running. Returns how many were removed."""
    parent = out.parent
    if not parent.is_dir():
        return 0
    removed = 0
    try:
        entries = _entries(parent)
    except OSError:
        return 0
    for e in entries:
        m = _LEFTOVER.match(e.name)
        if not m or m.group("name") != out.name or not e.is_dir(follow_symlinks=False):
            continue
        pid = int(m.group("pid")) if m.group("pid") else None
        if pid is not None and pid != os.getpid() and _alive(pid):
            continue  # another rareflow is writing this set right now
        d = Path(e.path)
        try:
            inner = _entries(d)
            # older versions parked the old set at .NAME.old-XXXX/set
            if len(inner) == 1 and inner[0].name == "set" and inner[0].is_dir(follow_symlinks=False):
                sub = Path(inner[0].path)
                if not (_owned(sub) is not None or _legacy(_entries(sub)) or not _entries(sub)):
                    continue
            elif inner and _owned(d) is None and not _legacy(inner):
                continue
        except OSError:
            continue
        if (d / "set").is_dir() and not (d / "set").is_symlink():
            _remove_set(d / "set")
        _remove_set(d)
        removed += 0 if d.exists() else 1
    return removed


def _alive(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True
