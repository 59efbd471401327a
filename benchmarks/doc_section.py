"""One way to put a script's section into a Markdown document between its markers.

The benchmark scripts each own a section of a doc (docs/benchmarks.md, docs/reliability.md),
fenced by HTML-comment markers, and rewrite only that section so the rest of the file stays
as people wrote it.
"""

from __future__ import annotations


def splice(text: str, start: str, end: str, body: str, before: str | None = None) -> str:
    """`text` with the part from marker `start` to marker `end` replaced by `body` (which
    carries its own markers). Without markers, `body` goes in front of the first `before`
    (e.g. "\\n## ", the first section) when given and found, else at the end."""
    if start in text and end in text:
        head, rest = text.split(start, 1)
        return head + body + rest.split(end, 1)[1]
    if before is not None and before in text:
        head, sep, rest = text.partition(before)
        return head.rstrip("\n") + "\n\n" + body + "\n\n" + sep.lstrip("\n") + rest
    return text.rstrip("\n") + "\n\n" + body + "\n"
