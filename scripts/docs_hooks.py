"""mkdocs hook: the result tables' columns, written into the reference from results/schema.py.

The table attributes of `Results` (`r.flows`, …) take their docstrings from the schema at
import time, which the reference (read from the source, not imported) cannot see. This hook
puts the same declaration in the page where it says `<!-- result-tables -->`, so the reference
lists what the code declares and cannot drift from it.
"""

from __future__ import annotations

import sys
from pathlib import Path

MARK = "<!-- result-tables -->"


def _schema():
    src = str(Path(__file__).resolve().parents[1] / "src")
    if src not in sys.path:
        sys.path.insert(0, src)
    from rareflow.results import schema

    return schema


def tables_markdown() -> str:
    schema = _schema()
    out = []
    for t in schema.TABLES.values():
        keys = ", ".join(f"`{k}`" for k in t.keys)
        out += [f"### `r.{t.name}`", "", t.doc, "",
                f"Key columns (`r.frame('{t.name}')`'s index): {keys}. "
                f"`r.pivot('{t.name}', …)` sums `{t.value}` by default.", "",
                "| column | unit | meaning |", "|---|---|---|"]
        out += [f"| `{c.name}` | {c.unit} | {c.doc.replace('|', '/')} |" for c in t.columns]
        out.append("")
    return "\n".join(out)


def on_page_markdown(markdown: str, **kwargs) -> str:
    return markdown.replace(MARK, tables_markdown()) if MARK in markdown else markdown
