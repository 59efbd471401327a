"""Records what each reliability suite tried and what held; with RAREFLOW_RELIABILITY_DOC=1 the
session writes its table into docs/reliability.md (the table is produced, not typed), between
its own markers, leaving the fuzz script's section (benchmarks/fuzz_files.py) as it is."""

import json
import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
DOC = ROOT / "docs" / "reliability.md"
START, END = "<!-- tests:start -->", "<!-- tests:end -->"
_RECORDS: list[dict] = []


def add_record(suite: str, tried: str, count: int, held: str) -> None:
    """One row of the table: usable from fixtures of any scope (e.g. after a module's tests)."""
    _RECORDS.append({"suite": suite, "tried": tried, "count": int(count), "held": held})


@pytest.fixture
def record():
    return add_record


_STARTED = time.time()


def _table(ok: bool) -> str:
    lines = [
        START,
        "## What the test suite tried",
        "",
        "Produced by `RAREFLOW_RELIABILITY_DOC=1 python -m pytest tests/reliability` "
        f"({time.strftime('%Y-%m-%d', time.gmtime())}, {time.time() - _STARTED:.0f} s, "
        f"{'all passed' if ok else 'SOME FAILED'}). Each row is written by the test that ran it.",
        "",
        "| suite | what was tried | how many | what held |",
        "|---|---|---:|---|",
    ]
    for r in sorted(_RECORDS, key=lambda r: (r["suite"], r["tried"])):
        lines.append(f"| {r['suite']} | {r['tried']} | {r['count']:,} | {r['held']} |")
    return "\n".join([*lines, "", END])


def pytest_sessionfinish(session, exitstatus):
    if not os.environ.get("RAREFLOW_RELIABILITY_DOC") or not _RECORDS:
        return
    text = DOC.read_text() if DOC.exists() else "# Reliability: what was tried and what held\n"
    block = _table(exitstatus == 0)
    if START in text and END in text:
        head, rest = text.split(START, 1)
        text = head + block + rest.split(END, 1)[1]
    else:
        text = text.rstrip("\n") + "\n\n" + block + "\n"
    DOC.write_text(text)
    (ROOT / "docs" / "reliability.json").write_text(json.dumps(_RECORDS, indent=2) + "\n")
