"""Render the back-test table as Markdown for docs/dataset.md ("Back-test").

    python scripts/backtest_table.py                    # print the table (china-controls-2025)
    python scripts/backtest_table.py --write            # put it into docs/dataset.md
    python scripts/backtest_table.py baseline-2024      # another scenario

With --write the table goes between the markers `<!-- backtest:start -->` and
`<!-- backtest:end -->`, each on a line of its own; if the doc has none yet, they are added at the end of its
"## Back-test" section. tests/analyze/test_backtest.py then checks that the doc's block is the
one this script generates, so a recalibration that changes the figures shows up as a failing
test until the table is regenerated.
"""

from __future__ import annotations

import argparse
import re
import sys
from pathlib import Path

import rareflow
from rareflow.analyze.backtest import markdown, run_backtest

DOC = Path(__file__).resolve().parents[1] / "docs" / "dataset.md"
START, END = "<!-- backtest:start -->", "<!-- backtest:end -->"
SECTION = "## Back-test"
# the markers count only on lines of their own (the prose may quote them)
BLOCK = re.compile(r"^" + re.escape(START) + r"$\n.*?^" + re.escape(END) + r"$", re.S | re.M)


def render(scenario: str) -> str:
    return markdown(run_backtest(rareflow.load(scenario).solve()), scenario)


def put_into(text: str, table: str) -> str:
    """The doc with its back-test block replaced (or added at the end of the section)."""
    block = f"{START}\n{table}{END}"
    if BLOCK.search(text):
        return BLOCK.sub(lambda _: block, text, count=1)
    at = text.find(f"\n{SECTION}\n")
    if at < 0:
        raise SystemExit(f"{DOC} has no '{SECTION}' section to put the table in")
    nxt = text.find("\n## ", at + len(SECTION) + 2)
    nxt = len(text) if nxt < 0 else nxt
    return text[:nxt].rstrip("\n") + f"\n\n{block}\n" + text[nxt:]


def main(argv: list[str] | None = None) -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("scenario", nargs="?", default="china-controls-2025")
    ap.add_argument("--write", action="store_true", help=f"update {DOC.name} in place")
    args = ap.parse_args(argv)
    table = render(args.scenario)
    if not args.write:
        sys.stdout.write(table)
        return 0
    DOC.write_text(put_into(DOC.read_text(), table))
    print(f"back-test table of {args.scenario} written to {DOC}")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
