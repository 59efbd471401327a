"""Records what each reliability suite tried and what held; with RAREFLOW_RELIABILITY_DOC=1 the
session writes docs/reliability.md from those records (the table is produced, not typed)."""

import json
import os
import time
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
_RECORDS: list[dict] = []


@pytest.fixture
def record():
    def add(suite: str, tried: str, count: int, held: str):
        _RECORDS.append({"suite": suite, "tried": tried, "count": int(count), "held": held})
    return add


_STARTED = time.time()


def pytest_sessionfinish(session, exitstatus):
    if not os.environ.get("RAREFLOW_RELIABILITY_DOC") or not _RECORDS:
        return
    ok = exitstatus == 0
    lines = [
        "# Reliability: what was tried and what held",
        "",
        "Produced by `RAREFLOW_RELIABILITY_DOC=1 python -m pytest tests/reliability` "
        f"({time.strftime('%Y-%m-%d', time.gmtime())}, {time.time() - _STARTED:.0f} s, "
        f"{'all passed' if ok else 'SOME FAILED'}). Each row is written by the test that ran it.",
        "",
        "| suite | what was tried | how many | what held |",
        "|---|---|---:|---|",
    ]
    for r in sorted(_RECORDS, key=lambda r: r["suite"]):
        lines.append(f"| {r['suite']} | {r['tried']} | {r['count']:,} | {r['held']} |")
    (ROOT / "docs" / "reliability.md").write_text("\n".join(lines) + "\n")
    (ROOT / "docs" / "reliability.json").write_text(json.dumps(_RECORDS, indent=2) + "\n")
